import Fluent
import SQLKit

/// The heat map's index: every column it counts by or filters on, the enquiry's district,
/// division and parish among them, led by the time raised like the reports' own
/// (`AddReportIndexes`). A heat map over a year reads that stretch of this narrow index, and one
/// over all time the whole of it, never the enquiries themselves.
struct AddPlaceReportIndex: AsyncMigration {
    static let columns = ["status", "service_area_id", "type_id", "member_id", "district_id", "division_id", "parish_id"]

    func prepare(on database: any Database) async throws {
        let sql = database.sql
        let columns = Self.columns.joined(separator: ", ")
        if sql.isPostgres {
            try await sql.raw("CREATE INDEX enquiries_place_report ON enquiries (created_at) INCLUDE (\(unsafeRaw: columns))").run()
        } else {
            try await sql.raw("CREATE INDEX enquiries_place_report ON enquiries (created_at, \(unsafeRaw: columns))").run()
        }
    }

    func revert(on database: any Database) async throws {
        try await database.sql.raw("DROP INDEX enquiries_place_report").run()
    }
}
