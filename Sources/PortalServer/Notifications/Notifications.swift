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

    /// Adds an in-app notification for each person and queues it as email, in the caller's
    /// transaction. `detailedEmail` is a fuller email message for some of them (those whose
    /// pages show what it adds); everyone else's email says what the portal says.
    static func add(to users: some Sequence<UUID>, kind: NotificationEvent, message: String,
                    detailedEmail: (message: String, recipients: Set<UUID>)? = nil,
                    enquiryID: UUID?, at now: Date, on db: any Database) async throws {
        let users = Array(users)
        let subject = "\(kind.label): \(message.prefix(120))"
        let linkPath = enquiryID.map { "/enquiries/\($0.uuidString)" }
        let detailed = users.filter { detailedEmail?.recipients.contains($0) == true }
        try await Outbox.enqueue(to: users.filter { !detailed.contains($0) }, kind: kind, subject: subject, message: message,
                                 linkPath: linkPath, at: now, on: db)
        if let detailedEmail {
            try await Outbox.enqueue(to: detailed, kind: kind, subject: subject, message: detailedEmail.message, linkPath: linkPath, at: now, on: db)
        }
        let rows = users.map { user in
            [SQLBind(UUID()), SQLBind(user), SQLBind(enquiryID), SQLBind(kind.rawValue), SQLBind(message), SQLBind(now)] as [any SQLExpression]
        }
        guard !rows.isEmpty else { return }
        try await db.sql.insert(into: "notifications")
            .columns("id", "user_id", "enquiry_id", "kind", "message", "created_at")
            .rows(rows)
            .run()
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

/// The person's notifications. Opening the list marks what it shows as read; the ones that were
/// new are tagged so on this visit.
enum NotificationRoutes {
    struct Query: Content { var page: String? }

    struct Model {
        /// Newest first, as they stood before this visit marked them read.
        var items: [Notifications.Item]
        var total: Int
        var page: Int
        var pageSize: Int
    }

    @Sendable static func show(_ request: Request) async throws -> Response {
        let user = try request.requireUser()
        let page = try request.pageNumber((try? request.query.decode(Query.self))?.page)
        let model = try await query(of: user.id, page: page, on: request.db)
        try await Notifications.markRead(model.items.filter { $0.read_at == nil }.map(\.id), of: user.id, at: request.now, on: request.db)
        return request.render(NotificationPages.list(model))
    }

    static func query(of user: UUID, page: Int, pageSize: Int = 50, on db: any Database) async throws -> Model {
        let (items, total) = try await Notifications.list(of: user, page: page, pageSize: pageSize, on: db)
        return Model(items: items, total: total, page: page, pageSize: pageSize)
    }
}

enum NotificationPages {
    static func list(_ model: NotificationRoutes.Model) -> Page {
        Page(title: "Notifications", section: .notifications) {
            h1 { "Notifications" }
            para { link("/notifications/settings") { "Choose how you hear about things" } }
            if model.items.isEmpty {
                para(.class("secondary-text")) { "You have no notifications." }
            } else {
                ul(.class("notification-list")) {
                    for item in model.items {
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
                pagination(total: model.total, page: model.page, pageSize: model.pageSize) { "/notifications?page=\($0)" }
            }
        }
    }
}

/// Each person's choice, per kind of event they can hear of, between email straight away, one
/// email a day, or only the portal's list.
enum NotificationPreferences {
    static func load(for user: UUID, on db: any Database) async throws -> [NotificationEvent: NotificationDelivery] {
        var chosen: [NotificationEvent: NotificationDelivery] = [:]
        for row in try await db.sql.select().columns("kind", "delivery").from("notification_preferences").where("user_id", .equal, user).all() {
            if let event = NotificationEvent(rawValue: try row.decode(column: "kind", as: String.self)),
               let delivery = NotificationDelivery(rawValue: try row.decode(column: "delivery", as: String.self)) {
                chosen[event] = delivery
            }
        }
        return chosen
    }

    static func save(_ choices: [NotificationEvent: NotificationDelivery], for user: UUID, on db: any Database) async throws {
        try await db.transaction { db in
            try await db.sql.delete(from: "notification_preferences").where("user_id", .equal, user)
                .where(EnquiryList.column("kind", in: choices.keys.map(\.rawValue))).run()
            let rows: [[any SQLExpression]] = choices.sorted { $0.key.rawValue < $1.key.rawValue }
                .filter { $0.value != .standard }
                .map { [SQLBind(UUID()), SQLBind(user), SQLBind($0.key.rawValue), SQLBind($0.value.rawValue)] }
            guard !rows.isEmpty else { return }
            try await db.sql.insert(into: "notification_preferences").columns("id", "user_id", "kind", "delivery").rows(rows).run()
        }
    }
}

extension NotificationRoutes {
    struct SettingsModel {
        var csrfToken: String
        var email: String
        /// The kinds of event the person's roles hear of.
        var events: [NotificationEvent]
        /// Minutes after midnight, UK time.
        var digestAt: Int
        /// The choice for each event, by its name: as saved, or as posted when it comes back.
        var values: [String: String]
        var errors: FormErrors
    }

    @Sendable static func settings(_ request: Request) async throws -> Response {
        let user = try request.requireUser()
        let chosen = try await NotificationPreferences.load(for: user.id, on: request.db)
        let values = Dictionary(uniqueKeysWithValues: NotificationEvent.heard(by: user.roles).map { ($0.rawValue, (chosen[$0] ?? .standard).rawValue) })
        return request.render(NotificationPages.settings(
            try await settingsQuery(for: user, values: values, errors: FormErrors(), csrfToken: request.csrfToken, on: request.db)))
    }

    @Sendable static func saveSettings(_ request: Request) async throws -> Response {
        let user = try request.requireUser()
        let posted = try request.content.decode([String: String].self)
        var errors = FormErrors()
        var choices: [NotificationEvent: NotificationDelivery] = [:]
        for event in NotificationEvent.heard(by: user.roles) {
            if let delivery = posted[event.rawValue].flatMap(NotificationDelivery.init(rawValue:)) {
                choices[event] = delivery
            } else {
                errors.add(event.rawValue, "Choose how to hear of “\(event.label.lowercased())”")
            }
        }
        guard errors.isEmpty else {
            return request.render(NotificationPages.settings(
                try await settingsQuery(for: user, values: posted, errors: errors, csrfToken: request.csrfToken, on: request.db)))
        }
        try await NotificationPreferences.save(choices, for: user.id, on: request.db)
        return request.seeOther("/notifications/settings", flash: "Your notification settings have been saved.")
    }

    static func settingsQuery(for user: CurrentUser, values: [String: String], errors: FormErrors, csrfToken: String,
                              on db: any Database) async throws -> SettingsModel {
        SettingsModel(csrfToken: csrfToken, email: user.email, events: NotificationEvent.heard(by: user.roles),
                      digestAt: try await CouncilMailSettings.load(on: db).digestAt, values: values, errors: errors)
    }
}

extension NotificationPages {
    static func settings(_ model: NotificationRoutes.SettingsModel) -> Page {
        let errors = model.errors
        return Page(title: "Notification settings", section: .notifications, status: errors.isEmpty ? .ok : .unprocessableEntity,
                    hasErrors: !errors.isEmpty) {
            errorSummary(errors)
            h1 { "Notification settings" }
            para { "Everything is listed on your notifications page. Choose which things are also emailed to \(model.email), and when. The daily email goes at \(WorkingDayForm.text(model.digestAt)), only when there is something in it." }
            if model.events.isEmpty {
                para(.class("secondary-text")) { "Your roles do not send you any notifications." }
            } else {
                htmlForm(.method("post"), .action("/notifications/settings"), .novalidate) {
                    csrfField(model.csrfToken)
                    for event in model.events {
                        radios(event.rawValue, legend: event.label,
                               choices: NotificationDelivery.allCases.map { Choice(value: $0.rawValue, label: $0.label) },
                               selected: model.values[event.rawValue], errors: errors, hint: event.explanation)
                    }
                    submitButton("Save settings")
                }
            }
        }
    }
}
