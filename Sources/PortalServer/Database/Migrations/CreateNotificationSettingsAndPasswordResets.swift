import Fluent
import Foundation
import SQLKit

/// Each person's choice of email per kind of event (`notification_preferences`), the council's
/// email settings (`council_mail_settings`: resident details in email, the time of the daily
/// digest), password reset links (`password_resets`), and an officer's wish to hear of the
/// updates on an enquiry they raised for a Member (`enquiries.raiser_follows`).
struct CreateNotificationPreferences: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("notification_preferences")
            .id()
            .field("user_id", .uuid, .required, .references("users", "id"))
            .field("kind", .string, .required)
            // A `NotificationDelivery`; no row means the standard, email straight away.
            .field("delivery", .string, .required)
            .unique(on: "user_id", "kind")
            .create()

        try await database.schema("council_mail_settings")
            .field("id", .int, .identifier(auto: false))
            .field("resident_details", .bool, .required)
            // Minutes after local midnight.
            .field("digest_at", .int, .required)
            .field("version", .int, .required)
            .create()
        try await database.sql.insert(into: "council_mail_settings")
            .columns("id", "resident_details", "digest_at", "version")
            .values(SQLBind(1), SQLBind(false), SQLBind(CouncilMailSettings.standard.digestAt), SQLBind(1))
            .run()

        // Only a hash of the token is kept: the database alone cannot reset anyone's password.
        try await database.schema("password_resets")
            .id()
            .field("user_id", .uuid, .required, .references("users", "id"))
            .field("token_hash", .string, .required)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .field("used_at", .datetime)
            .unique(on: "token_hash")
            .create()
        try await database.createIndex("password_resets_user", on: "password_resets", "user_id", "created_at")

        try await database.schema("enquiries").field("raiser_follows", .bool).update()
        // The digest gathers each person's held messages.
        try await database.createIndex("outbox_user_state", on: "outbox", "state", "user_id", "created_at")
    }

    func revert(on database: any Database) async throws {
        try await database.sql.drop(index: SQLIdentifier("outbox_user_state")).run()
        try await database.schema("enquiries").deleteField("raiser_follows").update()
        for table in ["password_resets", "council_mail_settings", "notification_preferences"] {
            try await database.schema(table).delete()
        }
    }
}
