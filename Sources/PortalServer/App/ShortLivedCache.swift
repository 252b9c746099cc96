import Fluent
import Foundation

/// A value read from the database and kept by one app instance for a short while: for small
/// tables that many pages read and people rarely change. A change made on this instance calls
/// `invalidate()`; other instances see it within `lifetime`.
actor ShortLivedCache<Value: Sendable> {
    let lifetime: TimeInterval
    private let load: @Sendable (any Database) async throws -> Value
    private var cached: (value: Value, at: Date)?

    init(lifetime: TimeInterval = 30, load: @escaping @Sendable (any Database) async throws -> Value) {
        self.lifetime = lifetime
        self.load = load
    }

    func get(on db: any Database) async throws -> Value {
        if let cached, Date().timeIntervalSince(cached.at) < lifetime { return cached.value }
        let value = try await load(db)
        cached = (value, Date())
        return value
    }

    func invalidate() { cached = nil }
}
