import Fluent

/// `outbox`: email waiting to be sent (see `Outbox`).
struct CreateOutbox: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("outbox")
            .id()
            .field("user_id", .uuid, .references("users", "id"))
            .field("to_address", .string, .required)
            .field("kind", .string, .required)
            .field("subject", .string, .required)
            .field("message", .string, .required)
            // Where the email links to, under the portal's public address.
            .field("link_path", .string)
            // "pending", "sent" or "failed".
            .field("state", .string, .required)
            .field("attempts", .int, .required)
            .field("next_attempt_at", .datetime, .required)
            // A sender working on it until then; another sender leaves it alone.
            .field("claimed_until", .datetime)
            .field("last_error", .string)
            .field("created_at", .datetime, .required)
            .field("sent_at", .datetime)
            .create()
        try await database.createIndex("outbox_due", on: "outbox", "state", "next_attempt_at")
    }

    func revert(on database: any Database) async throws {
        try await database.schema("outbox").delete()
    }
}
