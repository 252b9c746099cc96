import Fluent
import PortalCore
import SQLKit

/// `council_accessibility`, one row: the contact details and test date the accessibility
/// statement shows.
struct CreateAccessibilityStatement: AsyncMigration {
    /// Dates the row.
    let clock: PortalClock

    func prepare(on database: any Database) async throws {
        try await database.schema("council_accessibility")
            .field("id", .int, .identifier(auto: false))
            .field("contact_email", .string)
            .field("contact_phone", .string)
            .field("last_tested", .string)
            .field("version", .int, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await database.sql.insert(into: "council_accessibility").columns("id", "version", "updated_at")
            .values(SQLBind(1), SQLBind(1), SQLBind(clock.now())).run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("council_accessibility").delete()
    }
}
