import Fluent
import Foundation
import SQLKit
import PortalCore
import Vapor

/// In-app notifications: a message for one person, optionally about an enquiry, read or unread.
enum Notifications {
    struct Item: Decodable, Sendable {
        let id: UUID
        let enquiry_id: UUID?
        let kind: String
        let message: String
        let created_at: Date
        let read_at: Date?
    }

    /// One notification for some people.
    struct Notice: Sendable {
        let users: [UUID]
        let kind: NotificationEvent
        let message: String
        /// A fuller email message for some of them (those whose pages show what it adds).
        var detailedEmail: (message: String, recipients: Set<UUID>)?
        let enquiryID: UUID?
    }

    /// Adds an in-app notification for each person and queues it as email, in the caller's
    /// transaction. `detailedEmail` is a fuller email message for some of them (those whose
    /// pages show what it adds); everyone else's email says what the portal says.
    static func add(to users: some Sequence<UUID>, kind: NotificationEvent, message: String,
                    detailedEmail: (message: String, recipients: Set<UUID>)? = nil,
                    enquiryID: UUID?, at now: Date, on db: any Database) async throws {
        try await add([Notice(users: Array(users), kind: kind, message: message, detailedEmail: detailedEmail, enquiryID: enquiryID)], at: now, on: db)
    }

    /// Adds many notices with the same few statements as one.
    static func add(_ notices: [Notice], at now: Date, on db: any Database) async throws {
        var emails: [Outbox.Message] = []
        var rows: [[any SQLExpression]] = []
        for notice in notices {
            let subject = "\(notice.kind.label): \(notice.message.prefix(120))"
            let linkPath = notice.enquiryID.map { "/enquiries/\($0.uuidString)" }
            let detailed = notice.users.filter { notice.detailedEmail?.recipients.contains($0) == true }
            emails.append(.init(users: notice.users.filter { !detailed.contains($0) }, kind: notice.kind, subject: subject, message: notice.message, linkPath: linkPath))
            if let detailedEmail = notice.detailedEmail {
                emails.append(.init(users: detailed, kind: notice.kind, subject: subject, message: detailedEmail.message, linkPath: linkPath))
            }
            rows += notice.users.map { user in
                [SQLBind(UUID()), SQLBind(user), SQLBind(notice.enquiryID), SQLBind(notice.kind.rawValue), SQLBind(notice.message), SQLBind(now)]
            }
        }
        try await Outbox.enqueue(emails, at: now, on: db)
        try await BulkInsert.rows(into: "notifications", columns: ["id", "user_id", "enquiry_id", "kind", "message", "created_at"], rows: rows, on: db)
    }

    /// How many of the person's notifications are unread, for the header of each page: one read
    /// of the `notifications_user` index.
    static func unreadCount(of user: UUID, on db: any Database) async throws -> Int {
        // Written out rather than built, as it runs for every page.
        try await db.sql.raw("""
            SELECT COUNT(*) AS unread FROM notifications WHERE user_id = \(bind: user) AND read_at IS NULL
            """).first()?.decode(column: "unread", as: Int.self) ?? 0
    }

    /// The active co-ordinators of each of these service areas.
    static func coordinators(of areas: Set<UUID>, on db: any Database) async throws -> [UUID: Set<UUID>] {
        guard !areas.isEmpty else { return [:] }
        var found: [UUID: Set<UUID>] = [:]
        for row in try await db.sql.select().columns(SQLColumn("user_id", table: "coordinator_areas"), SQLColumn("service_area_id", table: "coordinator_areas"))
            .from(CoordinatorArea.schema)
            .join(User.schema, on: SQLColumn("id", table: User.schema), .equal, SQLColumn("user_id", table: "coordinator_areas"))
            .where(SQLColumn("is_active", table: User.schema), .equal, SQLBind(true))
            .where(SQLColumn("service_area_id", table: "coordinator_areas"), .in, SQLGroupExpression(areas.map { SQLBind($0) }))
            .all() {
            found[try row.decode(column: "service_area_id", as: UUID.self), default: []]
                .insert(try row.decode(column: "user_id", as: UUID.self))
        }
        return found
    }

    /// The newest first, a page at a time, with the total.
    static func list(of user: UUID, page: Int, pageSize: Int, on db: any Database) async throws -> (items: [Item], total: Int) {
        let total = try await db.sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "total").from("notifications")
            .where("user_id", .equal, user).first()?.decode(column: "total", as: Int.self) ?? 0
        let items = try await db.sql.select().columns("id", "enquiry_id", "kind", "message", "created_at", "read_at").from("notifications")
            .where("user_id", .equal, user).orderBy("created_at", .descending).orderBy("id")
            .limit(pageSize).offset((page - 1) * pageSize)
            .all(decoding: Item.self)
        return (items, total)
    }

    /// Marks these as read now (only the person's own).
    static func markRead(_ ids: [UUID], of user: UUID, at now: Date, on db: any Database) async throws {
        guard !ids.isEmpty else { return }
        try await db.sql.update("notifications").set("read_at", to: now)
            .where("user_id", .equal, user).where(EnquiryList.column("id", in: ids))
            .where(SQLColumn("read_at"), .is, SQLLiteral.null)
            .run()
    }
}
