import Foundation
import Logging
import Vapor

/// bcrypt at the lowest cost that counts how often the portal hashes and verifies, so a test can
/// tell whether a request reached the expensive step. `verifyDelay` holds each verification
/// open, as a real cost would, so requests sent together overlap.
final class CountingHasher: PasswordHasher, @unchecked Sendable {
    private let lock = NSLock()
    private var hashed = 0
    private var verified = 0
    let verifyDelay: TimeInterval

    init(verifyDelay: TimeInterval = 0) { self.verifyDelay = verifyDelay }

    var hashes: Int { lock.withLock { hashed } }
    var verifications: Int { lock.withLock { verified } }

    func hash<Password: DataProtocol>(_ password: Password) throws -> [UInt8] {
        lock.withLock { hashed += 1 }
        return Array(try Bcrypt.hash(String(decoding: password, as: UTF8.self), cost: 4).utf8)
    }

    func verify<Password: DataProtocol, Digest: DataProtocol>(_ password: Password, created digest: Digest) throws -> Bool {
        lock.withLock { verified += 1 }
        if verifyDelay > 0 { Thread.sleep(forTimeInterval: verifyDelay) }
        return try Bcrypt.verify(String(decoding: password, as: UTF8.self), created: String(decoding: digest, as: UTF8.self))
    }

    /// Makes the app hash with this counter.
    func install(in app: Application) {
        app.passwords.use { _ in self }
    }
}

/// Every log line the app writes from now on, kept for a test to read.
final class LogCapture: @unchecked Sendable {
    struct Line: Sendable {
        let level: Logger.Level
        let message: String
        let metadata: [String: String]

        var text: String { ([message] + metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }).joined(separator: " ") }
    }

    private let lock = NSLock()
    private var kept: [Line] = []

    var lines: [Line] { lock.withLock { kept } }
    func clear() { lock.withLock { kept = [] } }

    /// Replaces the app's logger (which every request's logger starts from) with one writing here.
    func install(in app: Application, level: Logger.Level = .info) {
        var logger = Logger(label: "test-capture") { _ in Handler(capture: self) }
        logger.logLevel = level
        app.logger = logger
    }

    fileprivate func add(_ line: Line) { lock.withLock { kept.append(line) } }

    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            capture.add(Line(level: event.level, message: "\(event.message)", metadata: all.mapValues { "\($0)" }))
        }
    }
}
