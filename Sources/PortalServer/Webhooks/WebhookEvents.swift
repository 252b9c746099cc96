import Fluent
import Foundation
import PortalCore
import SQLKit

/// What a webhook says happened: the event, its id (the `webhook-id` header too), when, and the
/// enquiry's facts a receiving system routes and files by. Never a resident's personal data nor
/// anyone's words (no subject, details, update or answer): the receiver fetches what it may see
/// through the API. Erasing a resident's data therefore has nothing to remove from webhooks.
struct WebhookPayload: Codable, Equatable, Sendable {
    let type: WebhookEvent
    let id: UUID
    let timestamp: Date
    let data: Facts

    struct Facts: Codable, Equatable, Sendable {
        let enquiry: EnquiryFacts
        /// The question answered, for `question.answered`.
        var questionId: UUID?
    }

    struct EnquiryFacts: Codable, Equatable, Sendable {
        let id: UUID
        let reference: String
        let status: EnquiryStatus
        let serviceArea: Named
        let type: Named
        let urgency: Urgency
        let memberId: UUID
    }

    /// A record of the council's own lists (a service area, an enquiry type), by id and name.
    struct Named: Codable, Equatable, Sendable {
        let id: UUID
        let name: String
    }
}

/// Queues webhooks inside the transaction of the change that causes them, so a delivery exists
/// exactly when its change does: one row an event and subscription taking it, written with one
/// read of the subscriptions, one of the names the bodies carry, and inserts of many rows a
/// statement, however many enquiries the change touched.
enum WebhookEvents {
    /// Something that happened to an enquiry, as it stands after the change.
    struct Happened: Sendable {
        let event: WebhookEvent
        let enquiry: Enquiry
        var questionID: UUID?

        init(_ event: WebhookEvent, _ enquiry: Enquiry, questionID: UUID? = nil) {
            self.event = event
            self.enquiry = enquiry
            self.questionID = questionID
        }

        /// The event a change made through `EnquiryWorkflow` is, if any.
        init?(_ change: EnquiryChange, _ enquiry: Enquiry) {
            guard let event = WebhookEvent(change.action) else { return nil }
            var question: UUID?
            if case .answerQuestion(let id, _) = change { question = id }
            self.init(event, enquiry, questionID: question)
        }
    }

    static let columns = ["id", "subscription_id", "event_id", "event", "enquiry_id", "payload", "state", "attempts", "next_attempt_at", "created_at"]

    static func queue(_ happened: [Happened], at now: Date, on db: any Database) async throws {
        guard !happened.isEmpty else { return }
        let subscriptions = try await WebhookSubscriptions.active(on: db)
        let wanted = Set(subscriptions.flatMap(\.events))
        let events = happened.filter { wanted.contains($0.event) }
        guard !events.isEmpty else { return }
        let names = try await names(areas: Set(events.map { $0.enquiry.$serviceArea.id }), types: Set(events.map { $0.enquiry.$type.id }), on: db)
        var rows: [[any SQLExpression]] = []
        for item in events {
            let enquiry = item.enquiry
            let enquiryID = try enquiry.requireID()
            let payload = WebhookPayload(
                type: item.event, id: UUID(), timestamp: now,
                data: .init(enquiry: .init(id: enquiryID, reference: enquiry.reference, status: enquiry.status,
                                           serviceArea: .init(id: enquiry.$serviceArea.id, name: names[enquiry.$serviceArea.id] ?? ""),
                                           type: .init(id: enquiry.$type.id, name: names[enquiry.$type.id] ?? ""),
                                           urgency: enquiry.urgency, memberId: enquiry.$member.id),
                            questionId: item.questionID))
            let body = String(decoding: try OutsideSystems.jsonEncoder.encode(payload), as: UTF8.self)
            for subscription in subscriptions where subscription.events.contains(item.event) {
                rows.append([SQLBind(UUID()), SQLBind(subscription.id), SQLBind(payload.id), SQLBind(item.event.rawValue), SQLBind(enquiryID),
                             SQLBind(body), SQLBind("pending"), SQLBind(0), SQLBind(now), SQLBind(now)])
            }
        }
        try await BulkInsert.rows(into: WebhookDeliveries.table, columns: columns, rows: rows, on: db)
    }

    /// The names of these service areas and enquiry types, by id, in one read.
    private static func names(areas: Set<UUID>, types: Set<UUID>, on db: any Database) async throws -> [UUID: String] {
        let rows = try await db.sql.raw("""
            SELECT id, name FROM \(ident: ServiceArea.schema) WHERE id IN (\(binds: Array(areas)))
            UNION ALL SELECT id, name FROM \(ident: EnquiryType.schema) WHERE id IN (\(binds: Array(types)))
            """).all()
        return Dictionary(try rows.map { (try $0.decode(column: "id", as: UUID.self), try $0.decode(column: "name", as: String.self)) },
                          uniquingKeysWith: { first, _ in first })
    }
}
