import Fluent
import SQLKit

/// Members' terms of office and parties, elections and who returned or left at each, and
/// enquiries a Member shares with others of their division or party.
struct AddTermsOfOffice: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("parties")
            .id()
            .field("name", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "name")
            .create()
        // One column a statement: SQLite adds no more at once.
        try await database.schema("users").field("term_starts_on", .string).update()
        try await database.schema("users").field("term_ends_on", .string).update()
        try await database.schema("users").field("party_id", .uuid).update()
        try await database.schema("elections")
            .id()
            .field("polling_day", .string, .required)
            .field("term_starts_on", .string, .required)
            .field("recorded_by_id", .uuid, .references("users", "id"))
            .field("recorded_at", .datetime, .required)
            .create()
        try await database.schema("election_members")
            .id()
            .field("election_id", .uuid, .required, .references("elections", "id"))
            .field("user_id", .uuid, .required, .references("users", "id"))
            .field("outcome", .string, .required)
            .unique(on: "election_id", "user_id")
            .create()
        try await database.schema("enquiry_shares")
            .id()
            .field("enquiry_id", .uuid, .required, .references("enquiries", "id"))
            .field("member_id", .uuid, .required, .references("users", "id"))
            .field("shared_by_id", .uuid, .required, .references("users", "id"))
            .field("shared_at", .datetime, .required)
            .unique(on: "enquiry_id", "member_id")
            .create()
        try await database.createIndex("enquiry_shares_member", on: "enquiry_shares", "member_id", "enquiry_id")
    }

    func revert(on database: any Database) async throws {
        try await database.schema("enquiry_shares").delete()
        try await database.schema("election_members").delete()
        try await database.schema("elections").delete()
        for column in ["party_id", "term_ends_on", "term_starts_on"] { try await database.schema("users").deleteField(.string(column)).update() }
        try await database.schema("parties").delete()
    }
}
