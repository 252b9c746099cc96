import Foundation
@testable import PortalServer
import SQLKit
import Testing
import Vapor

/// SQLite's planner is given figures for an index a migration added after the last analysis, and
/// SQLite's blocking calls run on threads of the application's own.
@Suite struct SQLiteStatisticsTests {
    func measured(_ sql: any SQLDatabase) async throws -> Set<String> {
        Set(try await sql.raw("SELECT idx FROM sqlite_stat1 WHERE idx IS NOT NULL").all().map { try $0.decode(column: "idx", as: String.self) })
    }

    @Test(.enabled(if: TestDatabase.postgresURL == nil, "SQLite's statistics")) func anIndexWithoutFiguresIsMeasuredAtStart() async throws {
        try await withApp { app in
            try await DemoEnquiries.load(on: app.db, at: app.now)
            let sql = app.db.sql
            try await Startup.analyzeUnmeasuredIndexes(on: sql)
            #expect(try await sql.raw("SELECT 1 AS found FROM sqlite_master WHERE name = 'sqlite_stat1'").first() == nil,
                    "a database never analysed is left to the planner's even guesses")

            try await sql.raw("ANALYZE").run()
            #expect(try await measured(sql).contains("enquiries_status_created"))
            try await sql.raw("CREATE INDEX enquiries_urgency_created ON enquiries (urgency, created_at)").run()
            #expect(try await !measured(sql).contains("enquiries_urgency_created"))

            try await Startup.analyzeUnmeasuredIndexes(on: sql)
            let figures = try #require(try await sql.raw("SELECT stat FROM sqlite_stat1 WHERE idx = 'enquiries_urgency_created'").first())
            let stat = try figures.decode(column: "stat", as: String.self).split(separator: " ").compactMap { Int($0) }
            let total = try await sql.raw("SELECT COUNT(*) AS total FROM enquiries").first()?.decode(column: "total", as: Int.self)
            #expect(stat.first == total && (total ?? 0) > 100, "the figures count the enquiries: \(stat)")
        }
    }

    /// A connection waiting for another's write lock holds its thread; with the process's shared
    /// pool (as many threads as cores), waiting connections of several applications could take
    /// every thread and leave the one holding the lock none to finish on.
    @Test(.enabled(if: TestDatabase.postgresURL == nil, "SQLite's threads")) func sqliteRunsOnAPoolOfTheApplicationsOwn() async throws {
        try await withApp { app in
            // Twice as many blocking calls at once as there are connections: each waits (at most
            // five seconds) until all have started, which they can only do on threads of their own.
            let loops = app.eventLoopGroup.makeIterator().reduce(0) { count, _ in count + 1 }
            let started = Tally()
            let together = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<(2 * loops) {
                    group.addTask {
                        try await app.threadPool.runIfActive {
                            started.add()
                            // The monotonic clock, which runs when the tests move the time of day.
                            let give = ContinuousClock.now.advanced(by: .seconds(5))
                            while started.value < 2 * loops, ContinuousClock.now < give { usleep(1_000) }
                            return started.value >= 2 * loops
                        }
                    }
                }
                return try await group.reduce(true) { $0 && $1 }
            }
            #expect(together, "the pool ran \(2 * loops) calls at once")
        }
    }
}

/// A count several threads add to.
private final class Tally: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func add() { lock.withLock { count += 1 } }
}
