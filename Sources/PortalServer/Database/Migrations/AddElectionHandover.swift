import Fluent
import SQLKit

/// The handover after an election: what is proposed and decided for each departing Member's
/// enquiry, when each was applied, and when the handover began and ended; and which service
/// areas' enquiries pass to officers (`service_areas.handover_urgent`: empty means the default by
/// name, so areas added later follow it too).
struct AddElectionHandover: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("handover_items")
            .id()
            .field("election_id", .uuid, .required, .references("elections", "id"))
            .field("enquiry_id", .uuid, .required, .references("enquiries", "id"))
            .field("member_id", .uuid, .required, .references("users", "id"))
            // The item's short name in the page's form (`d<number>`), so a long list fits a post.
            .field("number", .int, .required)
            .field("proposal", .string, .required)
            .field("decision", .string, .required)
            .field("applied_at", .datetime)
            .field("outcome", .string)
            .unique(on: "election_id", "enquiry_id")
            .unique(on: "election_id", "number")
            .create()
        try await database.createIndex("handover_items_pending", on: "handover_items", "election_id", "applied_at", "number")
        // One column a statement: SQLite adds no more at once.
        try await database.schema("elections").field("handover_started_at", .datetime).update()
        try await database.schema("elections").field("handover_started_by_id", .uuid).update()
        try await database.schema("elections").field("handover_finished_at", .datetime).update()
        try await database.schema("service_areas").field("handover_urgent", .bool).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("service_areas").deleteField("handover_urgent").update()
        for column in ["handover_finished_at", "handover_started_by_id", "handover_started_at"] {
            try await database.schema("elections").deleteField(.string(column)).update()
        }
        try await database.schema("handover_items").delete()
    }
}
