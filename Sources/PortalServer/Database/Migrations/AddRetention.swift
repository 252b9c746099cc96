import Fluent
import SQLKit

/// How long a resident's personal data is kept after an enquiry closes: the council's default
/// (24 months) and a service area's own period; and when each enquiry's data was erased, so the
/// retention job erases each once.
struct AddRetention: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("retention_settings")
            .field("id", .int, .identifier(auto: false))
            .field("default_months", .int, .required)
            .create()
        try await database.sql.insert(into: "retention_settings").columns("id", "default_months")
            .values(SQLBind(1), SQLBind(Retention.standardMonths)).run()
        try await database.schema("service_areas").field("retention_months", .int).update()
        try await database.schema("enquiries").field("erased_at", .datetime).update()
        try await database.createIndex("enquiries_retention", on: "enquiries", "status", "erased_at", "closed_at")
    }

    func revert(on database: any Database) async throws {
        try await database.sql.drop(index: "enquiries_retention").run()
        try await database.schema("enquiries").deleteField("erased_at").update()
        try await database.schema("service_areas").deleteField("retention_months").update()
        try await database.schema("retention_settings").delete()
    }
}
