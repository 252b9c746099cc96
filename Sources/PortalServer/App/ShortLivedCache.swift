import Fluent
import Foundation
import Vapor

/// A value read from the database and kept by one app instance for a short while: for small
/// tables that many pages read and people rarely change. A change made on this instance calls
/// `invalidate()`; other instances see it within `lifetime`.
actor ShortLivedCache<Value: Sendable> {
    let lifetime: TimeInterval
    private let load: @Sendable (any Database) async throws -> Value
    private var cached: (value: Value, at: ContinuousClock.Instant)?

    init(lifetime: TimeInterval = 30, load: @escaping @Sendable (any Database) async throws -> Value) {
        self.lifetime = lifetime
        self.load = load
    }

    func get(on db: any Database) async throws -> Value {
        if let cached, ContinuousClock.now - cached.at < .seconds(lifetime) { return cached.value }
        let value = try await load(db)
        cached = (value, ContinuousClock.now)
        return value
    }

    func invalidate() { cached = nil }
}

extension Application {
    /// A value `configure` stored before any request runs; missing, it is a programming error.
    func installed<Key: StorageKey>(_ key: Key.Type) -> Key.Value {
        guard let value = storage[key] else { fatalError("configure(_:_:) installs \(Key.self) before any request runs") }
        return value
    }
}
