import Fluent

struct CreateUsers: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("users")
            .id()
            .field("name", .string, .required)
            .field("email", .string, .required)
            .field("password_hash", .string, .required)
            .field("is_active", .bool, .required)
            .field("is_member", .bool, .required)
            .field("is_coordinator", .bool, .required)
            .field("is_responder", .bool, .required)
            .field("is_administrator", .bool, .required)
            .field("job_title", .string)
            .field("division_id", .uuid, .references("divisions", "id"))
            .field("version", .int, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "email")
            .create()
        try await database.createIndex("users_name", on: "users", "name")
        try await database.schema("coordinator_areas")
            .id()
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("service_area_id", .uuid, .required, .references("service_areas", "id"))
            .unique(on: "user_id", "service_area_id")
            .create()
        try await database.createIndex("coordinator_areas_area", on: "coordinator_areas", "service_area_id")
    }

    func revert(on database: any Database) async throws {
        try await database.schema("coordinator_areas").delete()
        try await database.schema("users").delete()
    }
}

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
