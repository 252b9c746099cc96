import Fluent

/// `service_areas`, with the `teams` and `works_areas` each divides into.
struct CreateServiceAreas: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("service_areas")
            .id()
            .field("name", .string, .required)
            .field("glossary", .string, .required)
            .field("is_active", .bool, .required)
            .unique(on: "name")
            .create()
        try await database.schema("teams")
            .id()
            .field("service_area_id", .uuid, .required, .references("service_areas", "id"))
            .field("name", .string, .required)
            .field("work_streams", .string, .required)
            .unique(on: "service_area_id", "name")
            .create()
        try await database.schema("works_areas")
            .id()
            .field("service_area_id", .uuid, .required, .references("service_areas", "id"))
            .field("name", .string, .required)
            .unique(on: "service_area_id", "name")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("works_areas").delete()
        try await database.schema("teams").delete()
        try await database.schema("service_areas").delete()
    }
}
