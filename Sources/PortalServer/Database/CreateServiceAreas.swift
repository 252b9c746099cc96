import Fluent
import PortalCore

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

/// Every council starts with the common service areas; administrators change them afterwards.
struct SeedDefaultServiceAreas: AsyncMigration {
    func prepare(on database: any Database) async throws {
        for area in DefaultServiceAreas.all {
            try await ServiceArea(name: area.name, glossary: area.glossary).create(on: database)
        }
    }

    /// Lossy by nature: the areas' teams and works areas go with them.
    func revert(on database: any Database) async throws {
        try await WorksArea.query(on: database).delete()
        try await Team.query(on: database).delete()
        try await ServiceArea.query(on: database).delete()
    }
}
