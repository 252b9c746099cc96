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

    /// Adds an in-app notification for each person and queues the same as email, in the
    /// caller's transaction.
    static func add(to users: some Sequence<UUID>, kind: NotificationEvent, message: String, enquiryID: UUID?, at now: Date, on db: any Database) async throws {
        let users = Array(users)
        try await Outbox.enqueue(to: users, kind: kind, subject: "\(kind.label): \(message.prefix(120))", message: message,
                                 linkPath: enquiryID.map { "/enquiries/\($0.uuidString)" }, at: now, on: db)
        let rows = users.map { user in
            [SQLBind(UUID()), SQLBind(user), SQLBind(enquiryID), SQLBind(kind.rawValue), SQLBind(message), SQLBind(now)] as [any SQLExpression]
        }
        guard !rows.isEmpty else { return }
        try await db.sql.insert(into: "notifications")
            .columns("id", "user_id", "enquiry_id", "kind", "message", "created_at")
            .rows(rows)
            .run()
    }

    /// The unread count as a column of a query on `users`, so every page reads it with the session.
    static let unreadColumn = SQLRaw("(SELECT COUNT(*) FROM notifications WHERE notifications.user_id = users.id AND notifications.read_at IS NULL)")

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

/// The person's notifications. Opening the list marks what it shows as read; the ones that were
/// new are tagged so on this visit.
enum NotificationRoutes {
    struct Query: Content { var page: Int? }

    @Sendable static func show(_ request: Request) async throws -> Response {
        let user = try request.requireUser()
        let page = max(1, (try? request.query.decode(Query.self))?.page ?? 1)
        let pageSize = 50
        let (items, total) = try await Notifications.list(of: user.id, page: page, pageSize: pageSize, on: request.db)
        let unread = items.filter { $0.read_at == nil }.map(\.id)
        try await Notifications.markRead(unread, of: user.id, at: Date(), on: request.db)
        request.signedIn?.user.unreadNotifications = max(0, user.unreadNotifications - unread.count)
        return request.render(Page(title: "Notifications", section: .notifications) {
            h1 { "Notifications" }
            if items.isEmpty {
                para(.class("secondary-text")) { "You have no notifications." }
            } else {
                ul(.class("notification-list")) {
                    for item in items {
                        li(.class("notification-item")) {
                            if item.read_at == nil { span(.class("tag")) { "New" } ; " " }
                            strong { NotificationEvent(rawValue: item.kind)?.label ?? "Notice" }
                            " · "
                            span(.class("secondary-text")) { item.created_at.councilText }
                            para {
                                if let enquiry = item.enquiry_id { link("/enquiries/\(enquiry.uuidString)") { item.message } } else { item.message }
                            }
                        }
                    }
                }
                pagination(total: total, page: page, pageSize: pageSize) { "/notifications?page=\($0)" }
            }
        })
    }
}
