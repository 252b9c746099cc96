import FluentKit
import Foundation
@testable import PortalServer
import SQLKit
import Testing
import Vapor

/// A transaction that reads and then writes on SQLite is not refused because another connection
/// wrote in between (as the highways pull does while an officer saves): it waits for the lock
/// before it reads.
@Suite struct SQLiteTransactionTests {
    @Test(.enabled(if: TestDatabase.postgresURL == nil, "SQLite's locking")) func aTransactionReadsWhatIsTrueWhenItWrites() async throws {
        try await withApp { app in
            let loops = Array(app.eventLoopGroup.makeIterator())
            try #require(loops.count >= 2, "two connections need two event loops")
            let first = try #require(app.databases.database(.sqlite, logger: app.logger, on: loops[0]))
            let second = try #require(app.databases.database(.sqlite, logger: app.logger, on: loops[1]))
            try await first.sql.raw("CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)").run()
            try await first.sql.raw("INSERT INTO counters VALUES ('visits', 1)").run()

            let other = OtherWrite()
            var refusal: (any Error)?
            do {
                try await first.transaction { db in
                    let read = try #require(try await db.sql.raw("SELECT value FROM counters WHERE name = 'visits'").first()?
                        .decode(column: "value", as: Int.self))
                    // The other connection adds ten while this transaction holds what it read.
                    other.start { try await second.sql.raw("UPDATE counters SET value = value + 10 WHERE name = 'visits'").run() }
                    let give = ContinuousClock.now.advanced(by: .milliseconds(300))
                    while !other.isDone, ContinuousClock.now < give { try await Task.sleep(for: .milliseconds(10)) }
                    #expect(!other.isDone, "the other write waits for this transaction")
                    try await db.sql.raw("UPDATE counters SET value = \(bind: read + 1) WHERE name = 'visits'").run()
                }
            } catch { refusal = error }
            try await other.finished()
            #expect(refusal == nil, "the transaction's write is not refused: \(String(describing: refusal))")
            let total = try await first.sql.raw("SELECT value FROM counters WHERE name = 'visits'").first()?.decode(column: "value", as: Int.self)
            #expect(total == 12, "both changes count")
        }
    }
}

/// A write made by another task, which the test waits for before it ends.
private final class OtherWrite: @unchecked Sendable {
    private let lock = NSLock()
    private var task: Task<Void, any Error>?
    private var done = false
    var isDone: Bool { lock.withLock { done } }

    func start(_ write: @escaping @Sendable () async throws -> Void) {
        lock.withLock {
            task = Task {
                defer { self.lock.withLock { self.done = true } }
                try await write()
            }
        }
    }

    func finished() async throws { try await lock.withLock { task }?.value }
}
