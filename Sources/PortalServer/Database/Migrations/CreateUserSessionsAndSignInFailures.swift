import Fluent

/// `user_sessions`, one row for each signed-in browser, and `sign_in_failures`, which the sign-in
/// throttle counts by account and by address.
struct CreateUserSessions: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("user_sessions")
            .id()
            .field("token_hash", .string, .required)
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("csrf_token", .string, .required)
            .field("created_at", .datetime, .required)
            .field("last_seen_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .unique(on: "token_hash")
            .create()
        try await database.createIndex("user_sessions_user", on: "user_sessions", "user_id")
        try await database.createIndex("user_sessions_expiry", on: "user_sessions", "expires_at")
        try await database.schema("sign_in_failures")
            .id()
            .field("email", .string, .required)
            .field("address", .string, .required)
            .field("at", .datetime, .required)
            .create()
        try await database.createIndex("sign_in_failures_email", on: "sign_in_failures", "email", "at")
        try await database.createIndex("sign_in_failures_address", on: "sign_in_failures", "address", "at")
    }

    func revert(on database: any Database) async throws {
        try await database.schema("sign_in_failures").delete()
        try await database.schema("user_sessions").delete()
    }
}
