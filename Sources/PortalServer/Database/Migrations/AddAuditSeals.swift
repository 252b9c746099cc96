import Fluent
import SQLKit

/// The audit trail keeps a resident's values where they can be erased: each entry's `sealed`
/// column (chained with the rest) holds a keyed digest of each personal value, the values sit in
/// `audit_personal_values`, and each enquiry's key in `enquiry_seal_keys`. Erasing deletes the
/// values and the key; the chain still verifies, and nobody can test a guess against a digest.
struct AddAuditSeals: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("audit_entries").field("sealed", .string, .required, .sql(.default(""))).update()
        try await database.schema("audit_personal_values")
            .field("entry_id", .uuid, .identifier(auto: false))
            .field("enquiry_id", .uuid, .required)
            .field("personal_values", .string, .required)
            .create()
        try await database.createIndex("audit_personal_values_enquiry", on: "audit_personal_values", "enquiry_id")
        try await database.schema("enquiry_seal_keys")
            .field("enquiry_id", .uuid, .identifier(auto: false))
            .field("seal_key", .string, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("enquiry_seal_keys").delete()
        try await database.schema("audit_personal_values").delete()
        try await database.schema("audit_entries").deleteField("sealed").update()
    }
}
