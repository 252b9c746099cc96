import Fluent
import Foundation
import PortalCore
import SQLKit

/// What the reports read, held so that a report over years of enquiries reads indexes rather than
/// rows: each enquiry's month raised (in the council's time) as a column of its own, so no
/// enquiry's time is converted as it is read, and indexes holding every column the reports use.
struct AddReportIndexes: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database.sql
        try await sql.raw("ALTER TABLE enquiries ADD COLUMN raised_month TEXT").run()
        try await Self.fill(on: sql)
        // Every column a report groups, counts or filters by, so a report over every enquiry reads
        // this narrow index (about a twelfth of the table on PostgreSQL) and never the rows.
        // Led by created_at, so a report over a period reads only that stretch of it.
        let columns = ["raised_month", "status", "channel", "service_area_id", "type_id", "district_id", "member_id",
                       "first_response_days", "completion_days", "reopen_count"]
        // The reopenings report joins the few reopened enquiries to their "reopened" entries: both
        // sides held whole in small partial indexes, so the join reads no rows.
        if sql.isPostgres {
            try await sql.raw("CREATE INDEX enquiries_report ON enquiries (created_at) INCLUDE (\(unsafeRaw: columns.joined(separator: ", ")))").run()
            try await sql.raw("""
                CREATE INDEX enquiries_reopened_report ON enquiries (created_at)
                INCLUDE (id, member_id, status, service_area_id, district_id) WHERE reopen_count > 0
                """).run()
            try await sql.raw("CREATE INDEX enquiry_entries_reopened ON enquiry_entries (enquiry_id) INCLUDE (author_id, body) WHERE kind = 'reopened'").run()
        } else {
            try await sql.raw("CREATE INDEX enquiries_report ON enquiries (created_at, \(unsafeRaw: columns.joined(separator: ", ")))").run()
            try await sql.raw("""
                CREATE INDEX enquiries_reopened_report ON enquiries (created_at, id, member_id, status, service_area_id, district_id)
                WHERE reopen_count > 0
                """).run()
            try await sql.raw("CREATE INDEX enquiry_entries_reopened ON enquiry_entries (enquiry_id, author_id, body) WHERE kind = 'reopened'").run()
        }
    }

    /// Fills the month of every enquiry, a month at a time along the index on created_at.
    static func fill(on sql: any SQLDatabase) async throws {
        guard let range = try await sql.raw("SELECT MIN(created_at) AS first, MAX(created_at) AS last FROM enquiries").first(),
              let first = try range.decode(column: "first", as: Date?.self), let last = try range.decode(column: "last", as: Date?.self)
        else { return }
        var month = CouncilTime.local(first).date.firstOfMonth
        let end = CouncilTime.local(last).date.firstOfMonth
        while month <= end {
            let next = month.firstOfNextMonth
            try await sql.raw("""
                UPDATE enquiries SET raised_month = \(bind: month.iso)
                WHERE created_at >= \(bind: CouncilTime.startOfDay(month)) AND created_at < \(bind: CouncilTime.startOfDay(next))
                """).run()
            month = next
        }
    }

    func revert(on database: any Database) async throws {
        for index in ["enquiry_entries_reopened", "enquiries_reopened_report", "enquiries_report"] {
            try await database.sql.raw("DROP INDEX \(unsafeRaw: index)").run()
        }
        try await database.sql.raw("ALTER TABLE enquiries DROP COLUMN raised_month").run()
    }
}
