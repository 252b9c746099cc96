import Fluent
import SQLKit

/// Partner organisations and the referrals sent to them (see `PartnerReferrals`): `partners`
/// (name, address, optional webhook and its secret), `partner_enquiry_types` (the enquiry types,
/// or single sub-types, each takes), `partner_referrals` (one an enquiry and partner: how it was
/// sent, its delivery as an `OutgoingQueue` row for webhooks, the outcome link's token as a
/// SHA-256 hash, and the outcome), and `partner_link_refusals` (outcome links refused: used,
/// expired or unknown, for the administrator).
struct CreatePartnerReferrals: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("partners")
            .id()
            .field("name", .string, .required)
            .field("email", .string, .required)
            .field("webhook_url", .string)
            // Signs each webhook (HMAC-SHA256); kept to sign with, never shown back in full.
            .field("webhook_secret", .string)
            // The resident's name and contact details travel with the referral only when set.
            .field("shares_resident_details", .bool, .required)
            .field("is_active", .bool, .required)
            .field("version", .int, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "name")
            .create()

        try await database.schema("partner_enquiry_types")
            .id()
            .field("partner_id", .uuid, .required, .references("partners", "id"))
            .field("type_id", .uuid, .required, .references("enquiry_types", "id"))
            // Nil: every sub-type of the type.
            .field("subtype_id", .uuid, .references("enquiry_subtypes", "id"))
            .create()
        // Submitting an enquiry looks its type up.
        try await database.createIndex("partner_enquiry_types_type", on: "partner_enquiry_types", "type_id", "partner_id")
        try await database.createIndex("partner_enquiry_types_partner", on: "partner_enquiry_types", "partner_id")

        try await database.schema("partner_referrals")
            .id()
            .field("enquiry_id", .uuid, .required, .references("enquiries", "id"))
            .field("partner_id", .uuid, .required, .references("partners", "id"))
            // "email" or "webhook".
            .field("method", .string, .required)
            // A webhook's delivery: "pending", "sent" or "failed" (`OutgoingQueue`); "outbox" for
            // an email, whose delivery is the outbox row `outbox_id`.
            .field("state", .string, .required)
            .field("attempts", .int, .required)
            .field("next_attempt_at", .datetime, .required)
            .field("claimed_until", .datetime)
            .field("last_error", .string)
            .field("sent_at", .datetime)
            .field("outbox_id", .uuid)
            // The outcome link's token while a webhook waits to carry it, forgotten once sent.
            .field("link_token", .string)
            .field("token_hash", .string, .required)
            .field("link_expires_at", .datetime, .required)
            .field("link_used_at", .datetime)
            // A `PartnerOutcome`, what was said with it, by whom, and when.
            .field("outcome", .string)
            .field("outcome_text", .string)
            .field("outcome_by_id", .uuid, .references("users", "id"))
            // The name the partner's officer gave on the link's form.
            .field("outcome_by_name", .string)
            .field("outcome_at", .datetime)
            .field("created_at", .datetime, .required)
            .unique(on: "enquiry_id", "partner_id")
            .unique(on: "token_hash")
            .create()
        try await database.createIndex("partner_referrals_due", on: "partner_referrals", "state", "next_attempt_at")
        try await database.createIndex("partner_referrals_partner", on: "partner_referrals", "partner_id")

        try await database.schema("partner_link_refusals")
            .id()
            .field("at", .datetime, .required)
            // A `PartnerLinkRefusal.Reason`.
            .field("reason", .string, .required)
            // The referral the link belonged to; nil for a link that never existed.
            .field("referral_id", .uuid, .references("partner_referrals", "id"))
            .field("address", .string, .required)
            .create()
        try await database.createIndex("partner_link_refusals_at", on: "partner_link_refusals", "at")
    }

    func revert(on database: any Database) async throws {
        for table in ["partner_link_refusals", "partner_referrals", "partner_enquiry_types", "partners"] {
            try await database.schema(table).delete()
        }
    }
}
