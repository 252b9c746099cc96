import Fluent
import SQLKit

/// Signed webhooks to the council's own systems (see `Webhooks`): `webhook_subscriptions` (where
/// to post, which events, the signing secret, paused or not), `webhook_deliveries` (one an event
/// and subscription, written in the transaction of the change, with its JSON body, delivered as an
/// `OutgoingQueue` row) and `webhook_attempts` (each try: when, how long, the answer's status or
/// the error).
struct CreateWebhooks: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("webhook_subscriptions")
            .id()
            .field("url", .string, .required)
            .field("description", .string, .required)
            // The `WebhookEvent` names it takes, separated by spaces.
            .field("events", .string, .required)
            // `whsec_` and the base64 of 32 random bytes: kept to sign with, shown once when made.
            .field("secret", .string, .required)
            // False while paused: nothing is queued for it, and what waits is held.
            .field("is_active", .bool, .required)
            .field("created_by_id", .uuid, .references("users", "id"))
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()

        try await database.schema("webhook_deliveries")
            .id()
            .field("subscription_id", .uuid, .required, .references("webhook_subscriptions", "id"))
            // The `webhook-id` header: the same for every subscription the event goes to, and on every retry.
            .field("event_id", .uuid, .required)
            .field("event", .string, .required)
            .field("enquiry_id", .uuid, .required, .references("enquiries", "id"))
            // The JSON body exactly as signed and sent: no resident's data and no free text.
            .field("payload", .string, .required)
            // `OutgoingQueue`: "pending", then "sent" or "failed".
            .field("state", .string, .required)
            .field("attempts", .int, .required)
            .field("next_attempt_at", .datetime, .required)
            .field("claimed_until", .datetime)
            .field("last_error", .string)
            .field("sent_at", .datetime)
            .field("created_at", .datetime, .required)
            .unique(on: "subscription_id", "event_id")
            .create()
        try await database.createIndex("webhook_deliveries_due", on: "webhook_deliveries", "state", "next_attempt_at")
        try await database.createIndex("webhook_deliveries_subscription", on: "webhook_deliveries", "subscription_id", "created_at")

        try await database.schema("webhook_attempts")
            .id()
            .field("delivery_id", .uuid, .required, .references("webhook_deliveries", "id"))
            .field("attempt", .int, .required)
            .field("at", .datetime, .required)
            .field("duration_ms", .int, .required)
            // The receiver's answer, or nil when none came (then `error` says why).
            .field("status_code", .int)
            .field("error", .string)
            .create()
        try await database.createIndex("webhook_attempts_delivery", on: "webhook_attempts", "delivery_id", "at")
    }

    func revert(on database: any Database) async throws {
        for table in ["webhook_attempts", "webhook_deliveries", "webhook_subscriptions"] {
            try await database.schema(table).delete()
        }
    }
}
