import Fluent

/// The council's places, which an enquiry is filed under and a Member represents: `districts`,
/// the `divisions` within them and `parishes`.
struct CreateGeography: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("districts")
            .id()
            .field("name", .string, .required)
            .unique(on: "name")
            .create()
        try await database.schema("divisions")
            .id()
            .field("name", .string, .required)
            .field("district_id", .uuid, .required, .references("districts", "id"))
            .unique(on: "name")
            .create()
        try await database.createIndex("divisions_district", on: "divisions", "district_id")
        try await database.schema("parishes")
            .id()
            .field("name", .string, .required)
            .field("district_id", .uuid, .required, .references("districts", "id"))
            .field("division_id", .uuid, .references("divisions", "id"))
            .unique(on: "district_id", "name")
            .create()
        try await database.createIndex("parishes_division", on: "parishes", "division_id")
    }

    func revert(on database: any Database) async throws {
        try await database.schema("parishes").delete()
        try await database.schema("divisions").delete()
        try await database.schema("districts").delete()
    }
}
