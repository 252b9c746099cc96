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
enum Outbox {
    /// One message for some people.
    struct Message: Sendable {
        let users: [UUID]
        let kind: NotificationEvent
        let subject: String
        let message: String
        let linkPath: String?
    }

    /// Queues one email to each of these people who has an active account, in the caller's
    /// transaction, as each has chosen for this kind of event: sent straight away, held for the
    /// daily digest, or not emailed at all (in-app only).
    static func enqueue(to users: [UUID], kind: NotificationEvent, subject: String, message: String, linkPath: String?,
                        at now: Date, on db: any Database) async throws {
        try await enqueue([Message(users: users, kind: kind, subject: subject, message: message, linkPath: linkPath)], at: now, on: db)
    }

    /// Queues many messages with two reads, whatever their number: the people's addresses and
    /// their choices for these kinds of event.
    static func enqueue(_ messages: [Message], at now: Date, on db: any Database) async throws {
        let users = Array(Set(messages.flatMap(\.users)))
        guard !users.isEmpty else { return }
        var addresses: [UUID: String] = [:]
        var choices: [UUID: [String: NotificationDelivery]] = [:]
        for chunk in users.chunked(1_000) {
            for person in try await db.sql.select().columns("id", "email").from(User.schema)
                .where(EnquiryList.column("id", in: Array(chunk))).where("is_active", .equal, true).all() {
                addresses[try person.decode(column: "id", as: UUID.self)] = try person.decode(column: "email", as: String.self)
            }
            for choice in try await db.sql.select().columns("user_id", "kind", "delivery").from("notification_preferences")
                .where(EnquiryList.column("user_id", in: Array(chunk)))
                .where(EnquiryList.column("kind", in: Array(Set(messages.map(\.kind.rawValue))))).all() {
                choices[try choice.decode(column: "user_id", as: UUID.self), default: [:]][try choice.decode(column: "kind", as: String.self)] =
                    NotificationDelivery(rawValue: try choice.decode(column: "delivery", as: String.self))
            }
        }
        var rows: [Pending] = []
        for message in messages {
            for user in message.users {
                guard let address = addresses[user] else { continue }
                let delivery = choices[user]?[message.kind.rawValue] ?? .standard
                guard delivery != .inApp else { continue }
                rows.append(Pending(userID: user, address: address, kind: message.kind.rawValue, subject: message.subject, message: message.message,
                                    linkPath: message.linkPath, state: delivery == .digest ? "held" : "pending"))
            }
        }
        try await insert(rows, at: now, on: db)
    }

    /// Queues an email that goes at once whatever the person's choices, to the account a
    /// password reset was just written for; nothing when none was (`PasswordResets.request`
    /// runs this either way, so both cases do the same work).
    static func enqueueNow(toAccountOfReset resetID: UUID, kind: String, subject: String, message: String, linkPath: String,
                           at now: Date, on db: any Database) async throws {
        try await db.sql.raw("""
            INSERT INTO outbox (id, user_id, to_address, kind, subject, message, link_path, state, attempts, next_attempt_at, created_at)
            SELECT \(bind: UUID()), users.id, users.email, \(bind: kind), \(bind: subject), \(bind: message), \(bind: linkPath),
                   \(bind: "pending"), \(literal: 0), \(bind: now), \(bind: now)
            FROM password_resets JOIN users ON users.id = password_resets.user_id
            WHERE password_resets.id = \(bind: resetID)
            """).run()
    }

    /// Queues an email to an address that is nobody's account (a partner organisation's), to go
    /// at once, in the caller's transaction. `id` names the message, for whatever follows it.
    static func enqueue(toAddress address: EmailAddress, id: UUID, kind: String, subject: String, message: String, linkPath: String?,
                        at now: Date, on db: any Database) async throws {
        try await insert([Pending(id: id, userID: nil, address: address.value, kind: kind, subject: subject, message: message,
                                  linkPath: linkPath, state: "pending")], at: now, on: db)
    }

    private struct Pending {
        var id = UUID()
        let userID: UUID?, address: String, kind: String, subject: String, message: String, linkPath: String?
        /// "pending" to send, "held" for the daily digest.
        let state: String
    }

    private static func insert(_ messages: [Pending], at now: Date, on db: any Database) async throws {
        guard !messages.isEmpty else { return }
        let rows: [[any SQLExpression]] = messages.map { message in
            [SQLBind(message.id), SQLBind(message.userID), SQLBind(message.address), SQLBind(message.kind), SQLBind(message.subject),
             SQLBind(message.message), SQLBind(message.linkPath), SQLBind(message.state), SQLBind(0), SQLBind(now), SQLBind(now)]
        }
        try await BulkInsert.rows(into: "outbox",
                                  columns: ["id", "user_id", "to_address", "kind", "subject", "message", "link_path", "state", "attempts", "next_attempt_at", "created_at"],
                                  rows: rows, on: db)
    }

    /// One entry of a daily digest.
    struct DigestItem: Codable, Sendable {
        let kind: String
        let message: String
        let linkPath: String?
    }

    /// Gathers each person's held messages written before the latest digest time (in the
    /// council's time zone) into one email. Each held message is claimed with a conditional
    /// update, so two app instances never put it in two digests; one written after the digest
    /// time waits for the next day's.
    @discardableResult
    static func gatherDigests(at now: Date, digestAt minutes: Int, clock: WorkingDayClock, on db: any Database) async throws -> Int {
        let today = clock.localDate(of: now)
        let day = clock.localMinutes(of: now) >= minutes ? today : CivilDate(dayNumber: today.dayNumber - 1)
        let cutoff = clock.startOfDay(day).addingTimeInterval(TimeInterval(minutes * 60))
        let people = try await db.sql.select().distinct().column("user_id").from("outbox")
            .where("state", .equal, "held").where("created_at", .lessThan, cutoff)
            .all().map { try $0.decode(column: "user_id", as: UUID.self) }
        var written = 0
        for person in people {
            let wrote = try await db.transaction { db -> Bool in
                let claimed = try await db.sql.update("outbox").set("state", to: "digested").set("sent_at", to: now)
                    .where("user_id", .equal, person).where("state", .equal, "held").where("created_at", .lessThan, cutoff)
                    .returning("to_address", "kind", "message", "link_path", "created_at").all()
                guard let address = try claimed.last?.decode(column: "to_address", as: String.self) else { return false }
                let items = try claimed
                    .map { row in (try row.decode(column: "created_at", as: Date.self),
                                   DigestItem(kind: try row.decode(column: "kind", as: String.self), message: try row.decode(column: "message", as: String.self),
                                              linkPath: try row.decode(column: "link_path", as: String?.self))) }
                    .sorted { $0.0 < $1.0 }.map(\.1)
                let body = String(decoding: try JSONEncoder().encode(items), as: UTF8.self)
                let subject = items.count == 1 ? "Your daily Member Portal email: 1 notification" : "Your daily Member Portal email: \(items.count) notifications"
                try await insert([Pending(userID: person, address: address, kind: digestKind, subject: subject, message: body,
                                          linkPath: "/notifications", state: "pending")], at: now, on: db)
                return true
            }
            if wrote { written += 1 }
        }
        return written
    }

    static let digestKind = "digest"

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

    typealias Outcome = OutgoingQueue.Outcome
    static let queue = OutgoingQueue(table: "outbox")

    /// Kinds whose link works once: once sent, the outbox need not keep it.
    static let singleUseLinkKinds: Set = [PasswordResets.mailKind, PartnerReferrals.mailKind]

    /// Sends what is due. Each message is claimed first (`OutgoingQueue`), so two senders (two
    /// app instances) never send the same message.
    static func deliver(at now: Date, settings: MailSettings, baseURL: String?, group: any EventLoopGroup, on db: any Database,
                        batch: Int = 20) async throws -> Outcome {
        let due = try await queue.due(columns, at: now, limit: batch, on: db).all(decoding: Row.self)
        var outcome = Outcome()
        let client = SMTPClient(settings: settings, group: group)
        for message in due {
            guard let attempts = try await queue.claim(message.id, at: now, on: db) else { continue }
            do {
                try await client.send(compose(message, baseURL: baseURL), dated: now)
                let linkPath = singleUseLinkKinds.contains(message.kind) ? nil : message.link_path
                try await queue.succeeded(message.id, at: now, also: [("link_path", SQLBind(linkPath))], on: db)
                outcome.sent += 1
            } catch {
                // A reset link that could not be sent is not kept for anyone to read: the person
                // asks again, and the link expires within the hour anyway.
                let gaveUp = try await queue.failed(message.id, attempt: attempts, maxAttempts: settings.maxAttempts, error: String(describing: error),
                                                    at: now, also: { giveUp in
                    giveUp && message.kind == PasswordResets.mailKind ? [("link_path", SQLLiteral.null)] : []
                }, on: db)
                if gaveUp { outcome.failed += 1 } else { outcome.retrying += 1 }
            }
        }
        return outcome
    }

    static func compose(_ row: Row, baseURL: String?) -> MailMessage {
        let base = baseURL ?? ""
        if row.kind == digestKind, let items = try? JSONDecoder().decode([DigestItem].self, from: Data(row.message.utf8)) {
            let intro = "Here is what happened in the Member Portal since your last daily email."
            let text = ([intro, ""] + items.map { item in
                "* \(label(of: item.kind)): \(item.message)" + (item.linkPath.map { "\n  \(base)\($0)" } ?? "")
            } + ["", "Choose how you hear about things: \(base)/notifications/settings", ""]).joined(separator: "\n")
            return MailMessage(to: row.to_address, subject: row.subject, text: text, html: htmlDocument {
                para { intro }
                ul {
                    for item in items {
                        li {
                            strong { label(of: item.kind) }
                            ": "
                            if let path = item.linkPath { link(base + path) { item.message } } else { item.message }
                        }
                    }
                }
                para { link(base + "/notifications/settings") { "Choose how you hear about things" } }
            })
        }
        let address = row.link_path.map { base + $0 }
        let linkText = row.kind == PartnerReferrals.mailKind ? "Record the outcome" : "Open it in the Member Portal"
        let text = row.message + (address.map { "\n\n\(linkText): \($0)\n" } ?? "\n")
        return MailMessage(to: row.to_address, subject: row.subject, text: text, html: htmlDocument {
            for paragraph in row.message.components(separatedBy: "\n\n") {
                para {
                    for (index, line) in paragraph.components(separatedBy: "\n").enumerated() {
                        if index > 0 { HTMLNode.void("br", []) }
                        line
                    }
                }
            }
            if let address { para { link(address) { linkText } } }
        })
    }

    static func label(of kind: String) -> String {
        NotificationEvent(rawValue: kind)?.label ?? (kind == PasswordResets.mailKind ? "Password reset" : kind == PartnerReferrals.mailKind ? "Partner referral" : "Notice")
    }

    private static func htmlDocument(@HTMLBuilder _ body: HTMLContent) -> String {
        HTMLNode.group([
            .raw("<!DOCTYPE html>"),
            element("html", [.attr("lang", "en-GB")]) { element("body", [], body) },
        ]).render()
    }
}
