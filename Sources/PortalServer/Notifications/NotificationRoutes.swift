import Fluent
import Foundation
import SQLKit
import PortalCore
import Vapor

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
