import Fluent
import Foundation
import PortalCore
import SQLKit

/// Each enquiry's month raised, in the council's time, as a column of its own with an index that
/// holds what the monthly reports add up: a report over years of enquiries then reads the index
/// alone instead of converting every enquiry's time to a local month.
struct AddRaisedMonth: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database.sql
        try await sql.raw("ALTER TABLE enquiries ADD COLUMN raised_month TEXT").run()
        try await Self.fill(on: sql)
        if sql.dialect.name == "postgresql" {
            try await sql.raw("""
                CREATE INDEX enquiries_raised_month ON enquiries (raised_month, channel) INCLUDE (first_response_days, completion_days)
                """).run()
        } else {
            try await database.createIndex("enquiries_raised_month", on: "enquiries", "raised_month", "channel", "first_response_days", "completion_days")
        }
    }

    /// Fills the month of every enquiry, a month at a time along the index on created_at.
    static func fill(on sql: any SQLDatabase) async throws {
        guard let range = try await sql.raw("SELECT MIN(created_at) AS first, MAX(created_at) AS last FROM enquiries").first(),
              let first = try range.decode(column: "first", as: Date?.self), let last = try range.decode(column: "last", as: Date?.self)
        else { return }
        var month = CivilDate(iso: CouncilTime.month(of: first))!
        let end = CivilDate(iso: CouncilTime.month(of: last))!
        while month <= end {
            let next = month.month == 12 ? CivilDate(year: month.year + 1, month: 1, day: 1)! : CivilDate(year: month.year, month: month.month + 1, day: 1)!
            try await sql.raw("""
                UPDATE enquiries SET raised_month = \(bind: month.iso)
                WHERE created_at >= \(bind: CouncilTime.startOfDay(month)) AND created_at < \(bind: CouncilTime.startOfDay(next))
                """).run()
            month = next
        }
    }

    func revert(on database: any Database) async throws {
        try await database.sql.raw("DROP INDEX enquiries_raised_month").run()
        try await database.sql.raw("ALTER TABLE enquiries DROP COLUMN raised_month").run()
    }
}
