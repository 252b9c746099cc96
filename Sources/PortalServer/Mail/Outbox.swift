import Fluent
import Foundation
import NIOCore
import PortalCore
import SQLKit
import Vapor

/// Email waiting to be sent. A message is written in the same transaction as the change that
/// causes it, so a crash can neither lose it nor send one for a change that never happened; the
/// sender then delivers it, retrying with back-off, and marks it failed after
/// `MailSettings.maxAttempts` tries, for an administrator to retry.
struct CreateOutbox: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("outbox")
            .id()
            .field("user_id", .uuid, .references("users", "id"))
            .field("to_address", .string, .required)
            .field("kind", .string, .required)
            .field("subject", .string, .required)
            .field("message", .string, .required)
            // Where the email links to, under the portal's public address.
            .field("link_path", .string)
            // "pending", "sent" or "failed".
            .field("state", .string, .required)
            .field("attempts", .int, .required)
            .field("next_attempt_at", .datetime, .required)
            // A sender working on it until then; another sender leaves it alone.
            .field("claimed_until", .datetime)
            .field("last_error", .string)
            .field("created_at", .datetime, .required)
            .field("sent_at", .datetime)
            .create()
        try await database.createIndex("outbox_due", on: "outbox", "state", "next_attempt_at")
    }

    func revert(on database: any Database) async throws {
        try await database.schema("outbox").delete()
    }
}

enum Outbox {
    /// Queues one email to each of these people who has an address, in the caller's transaction.
    /// Resident details never go in: the message names the enquiry by reference and subject only.
    static func enqueue(to users: [UUID], kind: NotificationEvent, subject: String, message: String, linkPath: String?,
                        at now: Date, on db: any Database) async throws {
        guard !users.isEmpty else { return }
        let addresses = try await db.sql.select().columns("id", "email").from(User.schema)
            .where(EnquiryList.column("id", in: users)).where("is_active", .equal, true).all()
        let rows: [[any SQLExpression]] = try addresses.map { row in
            [SQLBind(UUID()), SQLBind(try row.decode(column: "id", as: UUID.self)), SQLBind(try row.decode(column: "email", as: String.self)),
             SQLBind(kind.rawValue), SQLBind(subject), SQLBind(message), SQLBind(linkPath), SQLBind("pending"), SQLBind(0), SQLBind(now), SQLBind(now)]
        }
        guard !rows.isEmpty else { return }
        try await db.sql.insert(into: "outbox")
            .columns("id", "user_id", "to_address", "kind", "subject", "message", "link_path", "state", "attempts", "next_attempt_at", "created_at")
            .rows(rows).run()
    }

    struct Row: Decodable, Sendable {
        let id: UUID
        let to_address: String
        let kind: String
        let subject: String
        let message: String
        let link_path: String?
        let state: String
        let attempts: Int
        let last_error: String?
        let created_at: Date
        let sent_at: Date?
    }

    static let columns = ["id", "to_address", "kind", "subject", "message", "link_path", "state", "attempts", "last_error", "created_at", "sent_at"]

    struct Outcome: Equatable, Sendable {
        var sent = 0
        var retrying = 0
        var failed = 0
    }

    /// Sends what is due. Each message is claimed with a conditional update first, so two
    /// senders (two app instances) never send the same message: only one update takes.
    static func deliver(at now: Date, settings: MailSettings, baseURL: String?, group: any EventLoopGroup, on db: any Database,
                        batch: Int = 20) async throws -> Outcome {
        let due = try await db.sql.select().columns(columns).from("outbox")
            .where("state", .equal, "pending").where("next_attempt_at", .lessThanOrEqual, now)
            .where { $0.where(SQLColumn("claimed_until"), .is, SQLLiteral.null).orWhere("claimed_until", .lessThan, now) }
            .orderBy("next_attempt_at").limit(batch)
            .all(decoding: Row.self)
        var outcome = Outcome()
        let client = SMTPClient(settings: settings, group: group)
        for message in due {
            let claimed = try await db.sql.update("outbox")
                .set("claimed_until", to: now.addingTimeInterval(120)).set("attempts", to: SQLRaw("attempts + 1"))
                .where("id", .equal, message.id).where("state", .equal, "pending")
                .where { $0.where(SQLColumn("claimed_until"), .is, SQLLiteral.null).orWhere("claimed_until", .lessThan, now) }
                .returning("attempts").first()
            guard let attempts = try claimed?.decode(column: "attempts", as: Int.self) else { continue }
            do {
                try await client.send(compose(message, baseURL: baseURL))
                try await db.sql.update("outbox").set("state", to: "sent").set("sent_at", to: Date()).set("claimed_until", to: SQLLiteral.null)
                    .set("last_error", to: SQLLiteral.null).where("id", .equal, message.id).run()
                outcome.sent += 1
            } catch {
                let giveUp = attempts >= settings.maxAttempts
                try await db.sql.update("outbox")
                    .set("state", to: giveUp ? "failed" : "pending").set("claimed_until", to: SQLLiteral.null)
                    .set("next_attempt_at", to: now.addingTimeInterval(backOff(afterAttempt: attempts)))
                    .set("last_error", to: String(describing: error).prefix(500).description)
                    .where("id", .equal, message.id).run()
                if giveUp { outcome.failed += 1 } else { outcome.retrying += 1 }
            }
        }
        return outcome
    }

    /// 30 seconds after the first failure, doubling, at most an hour.
    static func backOff(afterAttempt attempt: Int) -> TimeInterval {
        min(3600, 30 * pow(2, Double(max(0, attempt - 1))))
    }

    static func compose(_ row: Row, baseURL: String?) -> MailMessage {
        let address = row.link_path.map { (baseURL ?? "") + $0 }
        let text = row.message + (address.map { "\n\nOpen it in the Member Portal: \($0)\n" } ?? "\n")
        let html = HTMLNode.group([
            .raw("<!DOCTYPE html>"),
            element("html", [.attr("lang", "en-GB")]) {
                element("body", []) {
                    para { row.message }
                    if let address { para { link(address) { "Open it in the Member Portal" } } }
                }
            },
        ]).render()
        return MailMessage(to: row.to_address, subject: row.subject, text: text, html: html)
    }
}
