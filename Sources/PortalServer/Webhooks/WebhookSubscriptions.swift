import Fluent
import Foundation
import PortalCore
import SQLKit

/// A council system the portal posts events to, as `webhook_subscriptions` keeps it, without its
/// secret: only the sender reads that.
struct WebhookSubscription: Sendable, Decodable {
    let id: UUID
    let url: String
    let description: String
    let events: String
    let isActive: Bool
    let createdAt: Date

    var eventList: [WebhookEvent] { Self.events(events) }

    static let columns = ["id", "url", "description", "events", "is_active", "created_at"]

    /// The events a stored list names, in `WebhookEvent.allCases` order.
    static func events(_ stored: String) -> [WebhookEvent] {
        let named = Set(stored.split(separator: " ").map(String.init))
        return WebhookEvent.allCases.filter { named.contains($0.rawValue) }
    }
}

/// Reading and changing subscriptions. Each change is in the audit trail, never with the secret.
enum WebhookSubscriptions {
    static let table = "webhook_subscriptions"

    static func all(on db: any Database) async throws -> [WebhookSubscription] {
        try await db.sql.select().columns(WebhookSubscription.columns).from(table).orderBy("created_at").orderBy("id")
            .all(decoding: WebhookSubscription.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    static func find(_ id: UUID, on db: any Database) async throws -> WebhookSubscription? {
        try await db.sql.select().columns(WebhookSubscription.columns).from(table).where("id", .equal, id)
            .first(decoding: WebhookSubscription.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// The active subscriptions and the events each takes, in one read.
    static func active(on db: any Database) async throws -> [(id: UUID, events: Set<WebhookEvent>)] {
        try await db.sql.select().columns("id", "events").from(table).where("is_active", .equal, true).all().map {
            (try $0.decode(column: "id", as: UUID.self), Set(WebhookSubscription.events(try $0.decode(column: "events", as: String.self))))
        }
    }

    /// Adds a subscription with a new secret, which is returned to be shown this once.
    static func add(_ details: WebhookSubscriptionDetails, by actor: UUID?, at now: Date, on db: any Database) async throws -> (id: UUID, secret: String) {
        let id = UUID(), secret = WebhookSignature.makeSecret()
        try await db.transaction { db in
            try await db.sql.insert(into: table)
                .columns("id", "url", "description", "events", "secret", "is_active", "created_by_id", "created_at", "updated_at")
                .values(SQLBind(id), SQLBind(details.url), SQLBind(details.description), SQLBind(details.events.map(\.rawValue).joined(separator: " ")),
                        SQLBind(secret), SQLBind(true), SQLBind(actor), SQLBind(now), SQLBind(now))
                .run()
            try await AuditTrail.record(action: "webhook_subscription_added", enquiryID: nil, actorID: actor,
                                        changes: described(url: details.url, description: details.description, events: details.events, before: false),
                                        at: now, on: db)
        }
        return (id, secret)
    }

    /// Pauses or resumes a subscription; false when it was already so (or is gone).
    static func setActive(_ active: Bool, _ subscription: WebhookSubscription, by actor: UUID?, at now: Date, on db: any Database) async throws -> Bool {
        try await db.transaction { db -> Bool in
            let changed = try await db.sql.update(table).set("is_active", to: active).set("updated_at", to: now)
                .where("id", .equal, subscription.id).where("is_active", .equal, !active).returning("id").all()
            guard !changed.isEmpty else { return false }
            try await AuditTrail.record(action: active ? "webhook_subscription_resumed" : "webhook_subscription_paused", enquiryID: nil, actorID: actor,
                                        changes: [FieldChange(field: "Webhook to \(subscription.url)", before: active ? "paused" : "active", after: active ? "active" : "paused")],
                                        at: now, on: db)
            return true
        }
    }

    /// Deletes a subscription with its deliveries and their attempts: a delivery belongs to the
    /// subscription it was for, and the audit trail keeps that the subscription existed. A sender
    /// holding one of its deliveries at that moment finds it gone and records nothing.
    static func delete(_ subscription: WebhookSubscription, by actor: UUID?, at now: Date, on db: any Database) async throws -> Bool {
        try await db.transaction { db -> Bool in
            // Its deliveries locked first (on PostgreSQL), as the sender locks one to record an
            // attempt: whichever comes second finds the other's work done.
            _ = try await db.sql.select().column("id").from(WebhookDeliveries.table).where("subscription_id", .equal, subscription.id).for(.update).all()
            let deliveries = SQLSubquery.select { $0.column("id").from(WebhookDeliveries.table).where("subscription_id", .equal, subscription.id) }
            try await db.sql.delete(from: WebhookDeliveries.attemptsTable).where("delivery_id", .in, deliveries).run()
            try await db.sql.delete(from: WebhookDeliveries.table).where("subscription_id", .equal, subscription.id).run()
            let deleted = try await db.sql.delete(from: table).where("id", .equal, subscription.id).returning("id").all()
            guard !deleted.isEmpty else { return false }
            try await AuditTrail.record(action: "webhook_subscription_deleted", enquiryID: nil, actorID: actor,
                                        changes: described(url: subscription.url, description: subscription.description,
                                                           events: subscription.eventList, before: true),
                                        at: now, on: db)
            return true
        }
    }

    /// A subscription's fields for the audit trail, as added (`before` false) or as removed.
    private static func described(url: String, description: String, events: [WebhookEvent], before: Bool) -> [FieldChange] {
        [("Webhook address", url), ("Description", description), ("Events", events.map(\.rawValue).joined(separator: ", "))]
            .map { FieldChange(field: $0.0, before: before ? $0.1 : "", after: before ? "" : $0.1) }
    }
}
