import Fluent
import Foundation
import SQLKit
import PortalCore
import Vapor

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
