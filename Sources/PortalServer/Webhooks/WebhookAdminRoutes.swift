import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// `/admin/webhooks`: the council systems that hear of enquiries' events. The administrator adds a
/// subscription (its secret shown once, on the page that answers the form), pauses, resumes or
/// deletes it, and reads its recent deliveries with their attempts, sending a failed one again.
enum WebhookAdminRoutes {
    static let path = "/admin/webhooks"
    /// Deliveries a page of a subscription lists, and attempts shown for each.
    static let pageSize = 20
    static let attemptsShown = 15

    struct Form: Content {
        var url: String?
        var description: String?
        var events: [String]?

        var details: WebhookSubscriptionDetails.Form { .init(url: url, description: description, events: events ?? []) }
    }

    struct Listed: Sendable {
        let subscription: WebhookSubscription
        let waiting: Int
        let failed: Int
    }

    struct ListModel {
        var csrfToken: String
        var listed: [Listed]
        var form: Form
        var errors: FormErrors
        var allowPrivate: Bool
    }

    struct Delivery: Decodable, Sendable {
        let id: UUID
        let eventId: UUID
        let event: String
        let enquiryId: UUID
        let reference: String
        let state: String
        let attempts: Int
        let lastError: String?
        let nextAttemptAt: Date
        let sentAt: Date?
        let createdAt: Date
    }

    struct Attempt: Decodable, Sendable {
        let deliveryId: UUID
        let attempt: Int
        let at: Date
        let durationMs: Int
        let statusCode: Int?
        let error: String?
    }

    struct SubscriptionModel {
        var csrfToken: String
        var subscription: WebhookSubscription
        /// Newest first, each with its latest attempts (oldest first) and how many earlier ones are not shown.
        var deliveries: [(delivery: Delivery, attempts: [Attempt], earlier: Int)]
        var total: Int
        var page: Int
    }

    @Sendable static func list(_ request: Request) async throws -> Response {
        try await listPage(request, form: Form(events: WebhookEvent.allCases.map(\.rawValue)), errors: FormErrors())
    }

    private static func listPage(_ request: Request, form: Form, errors: FormErrors) async throws -> Response {
        let model = ListModel(csrfToken: request.csrfToken, listed: try await listed(on: request.db), form: form, errors: errors,
                              allowPrivate: request.application.portal.webhooksAllowPrivate)
        return request.render(WebhookAdminPages.list(model))
    }

    /// Every subscription with its deliveries waiting and failed, in two reads.
    static func listed(on db: any Database) async throws -> [Listed] {
        let counts = try await db.sql.raw("""
            SELECT subscription_id, state, COUNT(*) AS n FROM \(ident: WebhookDeliveries.table)
            WHERE state IN ('pending', 'failed') GROUP BY subscription_id, state
            """).all()
        var waiting: [UUID: Int] = [:], failed: [UUID: Int] = [:]
        for row in counts {
            let id = try row.decode(column: "subscription_id", as: UUID.self), n = try row.decode(column: "n", as: Int.self)
            if try row.decode(column: "state", as: String.self) == "failed" { failed[id] = n } else { waiting[id] = n }
        }
        return try await WebhookSubscriptions.all(on: db).map { Listed(subscription: $0, waiting: waiting[$0.id] ?? 0, failed: failed[$0.id] ?? 0) }
    }

    /// The form checked; a written address of a private network is refused at once, unless allowed
    /// (a name is looked up only when a webhook is sent).
    static func validate(_ form: Form, allowPrivate: Bool) -> Result<WebhookSubscriptionDetails, FormErrors> {
        let checked = WebhookSubscriptionDetails.validate(form.details)
        guard case .success(let details) = checked, !allowPrivate, let host = WebhookDestinations.host(of: details.url),
              let refusal = WebhookDestinations.literalRefusal(host)
        else { return checked }
        var errors = FormErrors()
        errors.add("url", "\(host) is \(refusal): webhooks go only to public addresses")
        return .failure(errors)
    }

    @Sendable static func create(_ request: Request) async throws -> Response {
        let form = try request.content.decode(Form.self)
        switch validate(form, allowPrivate: request.application.portal.webhooksAllowPrivate) {
        case .failure(let errors):
            return try await listPage(request, form: form, errors: errors)
        case .success(let details):
            let (id, secret) = try await WebhookSubscriptions.add(details, by: request.currentUser?.id, at: request.now, on: request.db)
            guard let subscription = try await WebhookSubscriptions.find(id, on: request.db) else { throw Abort(.internalServerError) }
            // The one time the secret is shown: in this answer, which no browser keeps (no-store).
            return request.render(WebhookAdminPages.created(subscription, secret: secret))
        }
    }

    struct PageQuery: Content { var page: String? }

    @Sendable static func show(_ request: Request) async throws -> Response {
        let subscription = try await find(request)
        let page = try request.pageNumber((try? request.query.decode(PageQuery.self))?.page)
        return request.render(WebhookAdminPages.subscription(try await query(subscription, page: page, csrfToken: request.csrfToken, on: request.db)))
    }

    /// A page of a subscription's deliveries, newest first, with their attempts: three reads.
    static func query(_ subscription: WebhookSubscription, page: Int, csrfToken: String, on db: any Database) async throws -> SubscriptionModel {
        let total = try await db.sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from(WebhookDeliveries.table)
            .where("subscription_id", .equal, subscription.id).first()?.decode(column: "n", as: Int.self) ?? 0
        let deliveries = try await db.sql.raw("""
            SELECT d.id, d.event_id, d.event, d.enquiry_id, e.reference, d.state, d.attempts, d.last_error, d.next_attempt_at, d.sent_at, d.created_at
            FROM \(ident: WebhookDeliveries.table) d JOIN \(ident: Enquiry.schema) e ON e.id = d.enquiry_id
            WHERE d.subscription_id = \(bind: subscription.id)
            ORDER BY d.created_at DESC, d.id LIMIT \(literal: pageSize) OFFSET \(literal: (page - 1) * pageSize)
            """).all(decoding: Delivery.self, keyDecodingStrategy: .convertFromSnakeCase)
        var attempts: [UUID: [Attempt]] = [:]
        if !deliveries.isEmpty {
            for attempt in try await db.sql.select().columns("delivery_id", "attempt", "at", "duration_ms", "status_code", "error")
                .from(WebhookDeliveries.attemptsTable).where("delivery_id", .in, SQLBind.group(deliveries.map(\.id))).orderBy("at").orderBy("attempt")
                .all(decoding: Attempt.self, keyDecodingStrategy: .convertFromSnakeCase) {
                attempts[attempt.deliveryId, default: []].append(attempt)
            }
        }
        return SubscriptionModel(csrfToken: csrfToken, subscription: subscription, deliveries: deliveries.map { delivery in
            let all = attempts[delivery.id] ?? []
            return (delivery, Array(all.suffix(attemptsShown)), max(0, all.count - attemptsShown))
        }, total: total, page: page)
    }

    @Sendable static func pause(_ request: Request) async throws -> Response {
        try await setActive(false, request)
    }

    @Sendable static func resume(_ request: Request) async throws -> Response {
        try await setActive(true, request)
    }

    private static func setActive(_ active: Bool, _ request: Request) async throws -> Response {
        let subscription = try await find(request)
        let changed = try await WebhookSubscriptions.setActive(active, subscription, by: request.currentUser?.id, at: request.now, on: request.db)
        return request.seeOther("\(path)/\(subscription.id.uuidString)", flash: !changed
            ? "The subscription was already \(active ? "active" : "paused")."
            : active ? "The subscription is active again: webhooks held while it was paused go now."
                     : "The subscription is paused: nothing is sent to it, and events are not kept for it, until it is resumed.")
    }

    @Sendable static func delete(_ request: Request) async throws -> Response {
        let subscription = try await find(request)
        let deleted = try await WebhookSubscriptions.delete(subscription, by: request.currentUser?.id, at: request.now, on: request.db)
        return request.seeOther(path, flash: deleted ? "The subscription “\(subscription.description)” has been deleted, with its deliveries." : "That subscription had already been deleted.")
    }

    /// Sends a failed delivery again, due at once, its attempts counted afresh.
    @Sendable static func retry(_ request: Request) async throws -> Response {
        let subscription = try await find(request)
        guard let id = request.parameters.get("deliveryID", as: UUID.self) else { throw Abort(.notFound) }
        let now = request.now
        let retried = try await request.db.transaction { db -> Bool in
            let ids = try await WebhookDeliveries.queue.retryFailed(at: now, on: db) { $0.where("id", .equal, id).where("subscription_id", .equal, subscription.id) }
            guard !ids.isEmpty else { return false }
            let event = try await db.sql.select().columns("event", "event_id").from(WebhookDeliveries.table).where("id", .equal, id).first()
            try await AuditTrail.record(action: "webhook_delivery_retried", enquiryID: nil, actorID: request.currentUser?.id,
                                        detail: "The \(try event?.decode(column: "event", as: String.self) ?? "") webhook \(try event?.decode(column: "event_id", as: UUID.self).uuidString ?? "") to \(subscription.url) will be sent again",
                                        at: now, on: db)
            return true
        }
        return request.seeOther("\(path)/\(subscription.id.uuidString)", flash: retried
            ? "The webhook will be sent again within a minute."
            : "That webhook is not waiting to be sent again: it may have been sent, or retried already.")
    }

    private static func find(_ request: Request) async throws -> WebhookSubscription {
        guard let id = request.parameters.get("subscriptionID", as: UUID.self),
              let subscription = try await WebhookSubscriptions.find(id, on: request.db)
        else { throw Abort(.notFound) }
        return subscription
    }
}
