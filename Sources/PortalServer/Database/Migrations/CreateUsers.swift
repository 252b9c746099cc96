import Fluent

/// `users`, and `coordinator_areas`: the service areas each co-ordinator looks after.
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
