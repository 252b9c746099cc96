import Foundation
@testable import PortalServer
import SQLKit
import Testing

/// SQLite's planner is given figures for an index a migration added after the last analysis.
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
}
