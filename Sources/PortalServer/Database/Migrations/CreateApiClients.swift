import Fluent
import SQLKit

/// The JSON API's clients: each with its scopes, whom it acts for, the digest of its secret, its
/// rate limit and the minute its count of calls belongs to, and the account it acts as; and the
/// Idempotency-Keys of the enquiries clients made.
struct CreateApiClients: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("api_clients")
            .id()
            .field("name", .string, .required)
            .field("user_id", .uuid, .required, .references("users", "id"))
            .field("scopes", .string, .required)
            .field("member_id", .uuid, .references("users", "id"))
            .field("service_area_id", .uuid, .references("service_areas", "id"))
            .field("secret_digest", .string, .required)
            .field("per_minute", .int, .required)
            .field("window_minute", .int64, .required, .sql(.default(0)))
            .field("window_calls", .int, .required, .sql(.default(0)))
            .field("created_at", .datetime, .required)
            .field("created_by_id", .uuid, .references("users", "id"))
            .field("last_used_at", .datetime)
            .field("revoked_at", .datetime)
            .unique(on: "name")
            .create()
        // A client's Idempotency-Key, with the digest of the request it came with and what it made.
        try await database.schema("api_idempotency_keys")
            .id()
            .field("client_id", .uuid, .required, .references("api_clients", "id"))
            .field("idempotency_key", .string, .required)
            .field("request_digest", .string, .required)
            .field("enquiry_id", .uuid, .required, .references("enquiries", "id"))
            .field("created_at", .datetime, .required)
            .unique(on: "client_id", "idempotency_key")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("api_idempotency_keys").delete()
        try await database.schema("api_clients").delete()
    }
}
