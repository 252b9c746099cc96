import Fluent
import Foundation
import PortalCore
import SQLKit

/// The highways integration: its settings, which enquiries go as which of the system's services,
/// what its statuses do, the reports waiting to go (an outbox), the updates that came back, and
/// the problems an administrator should see.
struct CreateHighways: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("highways_settings")
            .field("id", .int, .identifier(auto: false))
            .field("enabled", .bool, .required)
            // The Open311 endpoint, to which `/services.xml` and the rest are added.
            .field("endpoint", .string, .required)
            .field("api_key", .string, .required)
            .field("jurisdiction", .string)
            .field("format", .string, .required)
            .field("poll_minutes", .int, .required)
            .field("timeout_seconds", .int, .required)
            // The system has mySociety's `servicerequestupdates`; else statuses come from `GET requests`.
            .field("updates_extension", .bool, .required)
            // The end of the last window of updates read, and the day of the last nightly sweep.
            .field("polled_until", .datetime)
            .field("swept_on", .string)
            .field("version", .int, .required)
            .field("updated_at", .datetime)
            .create()

        try await database.schema("highways_services")
            .id()
            .field("type_id", .uuid, .required, .references("enquiry_types", "id"))
            .field("subtype_id", .uuid, .references("enquiry_subtypes", "id"))
            .field("asset_layer_id", .uuid, .references("asset_layers", "id"))
            .field("service_code", .string, .required)
            .field("service_name", .string, .required)
            // JSON: each attribute the service asks for and where its value comes from.
            .field("attributes", .string, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await database.createIndex("highways_services_type", on: "highways_services", "type_id")

        try await database.schema("highways_statuses")
            .field("status", .string, .identifier(auto: false))
            .field("label", .string, .required)
            .field("outcome", .string, .required)
            .create()
        let rows: [[any SQLExpression]] = HighwaysStatusMap.defaults.map { [SQLBind($0.status), SQLBind($0.label), SQLBind($0.outcome.rawValue)] }
        try await database.sql.insert(into: "highways_statuses").columns("status", "label", "outcome").rows(rows).run()

        try await database.schema("highways_sends")
            .id()
            .field("enquiry_id", .uuid, .required, .references("enquiries", "id"))
            .field("reference", .string, .required)
            .field("service_code", .string, .required)
            // JSON: the form fields posted, frozen when queued, so every attempt sends the same.
            .field("body", .string, .required)
            // queued, sending, unknown, awaiting_id, sent, held, failed, withdrawn (`HighwaysSend.State`).
            .field("state", .string, .required)
            .field("attempts", .int, .required)
            .field("next_attempt_at", .datetime, .required)
            .field("claimed_until", .datetime)
            // Which sender's claim it is: a sender writes its outcome only while the claim is still its own.
            .field("claim_id", .uuid)
            // When the last POST went out: where a search for it starts.
            .field("posted_at", .datetime)
            .field("service_request_id", .string)
            .field("token", .string)
            .field("last_error", .string)
            // The newest update applied from the system: an older one cannot move the status back.
            .field("last_update_at", .datetime)
            .field("system_status", .string)
            .field("queued_by", .uuid, .references("users", "id"))
            .field("created_at", .datetime, .required)
            .field("sent_at", .datetime)
            .create()
        try await database.createIndex("highways_sends_due", on: "highways_sends", "state", "next_attempt_at")
        try await database.createIndex("highways_sends_enquiry", on: "highways_sends", "enquiry_id")
        try await database.createIndex("highways_sends_request", on: "highways_sends", "service_request_id")
        // At most one report on its way, or waiting for an administrator, for each enquiry.
        try await database.sql.raw("""
            CREATE UNIQUE INDEX highways_sends_one_open ON highways_sends (enquiry_id)
            WHERE state IN ('queued', 'sending', 'unknown', 'awaiting_id', 'held')
            """).run()

        try await database.schema("highways_updates")
            .id()
            .field("update_id", .string, .required)
            .field("service_request_id", .string, .required)
            .field("enquiry_id", .uuid, .references("enquiries", "id"))
            .field("status", .string, .required)
            .field("description", .string, .required)
            .field("external_status_code", .string)
            .field("updated_at", .datetime, .required)
            .field("received_at", .datetime, .required)
            // What the portal made of it (`HighwaysUpdates.Handling`).
            .field("handling", .string, .required)
            .unique(on: "update_id")
            .create()
        try await database.createIndex("highways_updates_enquiry", on: "highways_updates", "enquiry_id", "updated_at")

        try await database.schema("integration_problems")
            .id()
            .field("system", .string, .required)
            .field("what", .string, .required)
            .field("detail", .string, .required)
            .field("at", .datetime, .required)
            .create()
        try await database.createIndex("integration_problems_at", on: "integration_problems", "at")
    }

    func revert(on database: any Database) async throws {
        for table in ["integration_problems", "highways_updates", "highways_sends", "highways_statuses", "highways_services", "highways_settings"] {
            try await database.schema(table).delete()
        }
    }
}
