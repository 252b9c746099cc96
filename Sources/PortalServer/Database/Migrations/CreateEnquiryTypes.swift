import Fluent
import PortalCore

/// `enquiry_types` and their `enquiry_subtypes`, filled with the common ones (`DefaultEnquiryTypes`).
struct CreateEnquiryTypes: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("enquiry_types")
            .id()
            .field("name", .string, .required)
            .field("needs_location", .bool, .required)
            .field("is_active", .bool, .required)
            .unique(on: "name")
            .create()
        try await database.schema("enquiry_subtypes")
            .id()
            .field("type_id", .uuid, .required, .references("enquiry_types", "id"))
            .field("name", .string, .required)
            .unique(on: "type_id", "name")
            .create()
        for definition in DefaultEnquiryTypes.all {
            let type = EnquiryType(name: definition.name, needsLocation: definition.needsLocation)
            try await type.create(on: database)
            for name in definition.subtypes { try await EnquirySubtype(typeID: try type.requireID(), name: name).create(on: database) }
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema("enquiry_subtypes").delete()
        try await database.schema("enquiry_types").delete()
    }
}
