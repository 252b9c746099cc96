import Fluent
import Foundation
import PortalCore
@testable import PortalServer
import SQLKit
import Testing
import Vapor

/// Webhooks are queued in the transaction of the change that causes them, as few statements as
/// possible for many enquiries.
extension WebhookTests {
    @Test func eachChangeQueuesItsEventInItsOwnTransaction() async throws {
        try await withApp { app in
            let fixtures = Fixtures(app: app)
            _ = try await WebhookSubscriptions.add(.init(url: "https://crm.example.org/hook", description: "CRM", events: WebhookEvent.allCases),
                                                   by: nil, at: app.now, on: app.db)
            _ = try await WebhookSubscriptions.add(.init(url: "https://closures.example.org/hook", description: "Closures only", events: [.enquiryClosed]),
                                                   by: nil, at: app.now, on: app.db)
            let draft = try await fixtures.submitted(submit: false)
            #expect(try await deliveries(app).isEmpty, "a draft is nobody else's yet")
            var enquiry = try await fixtures.perform(.submit, draft, by: "member@demo.test")
            enquiry = try await fixtures.take(enquiry)
            enquiry = try await fixtures.perform(.addNote("Called the contractor"), enquiry, by: "coordinator@demo.test")
            enquiry = try await fixtures.ask(enquiry)
            enquiry = try await fixtures.answer(enquiry)
            enquiry = try await fixtures.perform(.complete(finalResponse: "Fixed."), enquiry, by: "coordinator@demo.test")
            enquiry = try await fixtures.perform(.reopen(reason: "Out again"), enquiry, by: "member@demo.test")
            enquiry = try await fixtures.perform(.complete(finalResponse: "Fixed again."), enquiry, by: "coordinator@demo.test")
            enquiry = try await fixtures.perform(.close(note: ""), enquiry, by: "member@demo.test")
            let rows = try await deliveries(app)
            let payloads = try rows.map { try Self.decoder.decode(WebhookPayload.self, from: Data($0.payload.utf8)) }
            #expect(payloads.map(\.type.rawValue) == ["enquiry.created", "enquiry.updated", "enquiry.updated", "enquiry.updated", "question.answered", "enquiry.completed",
                            "enquiry.reopened", "enquiry.completed", "enquiry.closed", "enquiry.closed"])
            #expect(Set(rows.filter { $0.event == "enquiry.closed" }.map(\.eventId)).count == 1, "one event, one id, for both subscriptions")
            #expect(payloads.map(\.data.enquiry.status) == [.submitted, .inProgress, .inProgress, .inProgress, .inProgress, .completed, .inProgress, .completed, .closed, .closed])
            let question = try #require(try await ResponderQuestion.query(on: app.db).filter(\.$enquiry.$id == enquiry.id!).first()?.id)
            #expect(payloads.first { $0.type == .questionAnswered }?.data.questionId == question)
            #expect(payloads.filter { $0.type != .questionAnswered }.allSatisfy { $0.data.questionId == nil })
            for personal in ["Called the contractor", "Depth?", "300 mm", "Fixed.", "Out again"] {
                #expect(!rows.contains { $0.payload.contains(personal) }, "nobody's words: \(personal)")
            }

            // A change rolled back leaves no delivery, as it leaves no change.
            struct RolledBack: Error {}
            let before = try await deliveries(app).count
            let actor = try await fixtures.actor("member@demo.test")
            let closed = try #require(enquiry.id)
            await #expect(throws: RolledBack.self) {
                try await app.db.transaction { db in
                    let loaded = try await EnquiryWorkflow.load(closed, for: actor, on: db)
                    try await EnquiryWorkflow.perform(.reopen(reason: "Still out"), on: loaded, by: actor, at: app.now, on: db)
                    #expect(try await count("webhook_deliveries", on: db) == before + 1, "written inside the change's transaction")
                    throw RolledBack()
                }
            }
            #expect(try await deliveries(app).count == before)
            #expect(try await Enquiry.find(closed, on: app.db)?.status == .closed)
        }
    }

    /// A change of a thousand enquiries at once (an outside system's updates, a handover) queues
    /// its webhooks with one read of the subscriptions, one of names, and one insert for 3,000 rows.
    @Test func queuingForAThousandEnquiriesTakesOneReadOfSubscriptionsAndOneInsert() async throws {
        try await withApp { app in
            try await VolumeSeed.run(count: 1_000, years: 1, seed: 11, now: app.now, on: app.db) { _ in }
            let admin = try await Fixtures(app: app).actor(Self.admin)
            let ids = try await app.db.sql.select().column("id").from("enquiries").where("status", .notEqual, "draft").limit(1_000).all()
                .map { try $0.decode(column: "id", as: UUID.self) }
            #expect(ids.count == 1_000)
            /// Adds a note to every one of them in one change, as an administrator; how long it took.
            func noteOnEach() async throws -> Duration {
                let loaded = try await EnquiryWorkflow.load(ids, for: admin, on: app.db)
                let requests = ids.compactMap { loaded[$0] }.map { EnquiryWorkflow.Request(loaded: $0, change: .addNote("Checked in the annual review")) }
                return try await ContinuousClock().measure { try await EnquiryWorkflow.perform(requests, by: admin, at: app.now, on: app.db) }
            }
            let without = try await noteOnEach()
            #expect(try await count("webhook_deliveries", on: app.db) == 0)
            for index in 0..<3 {
                _ = try await WebhookSubscriptions.add(.init(url: "https://system\(index).example.org/hook", description: "System \(index)", events: WebhookEvent.allCases),
                                                       by: nil, at: app.now, on: app.db)
            }
            let with = try await noteOnEach()
            #expect(try await count("webhook_deliveries", on: app.db) == 3_000)

            // The queuing alone, in a transaction as a change makes it; then its statements counted
            // (outside a transaction, where the log sees them).
            let happened = try await Enquiry.query(on: app.db).filter(\.$id ~~ ids).all().map { WebhookEvents.Happened(.enquiryUpdated, $0) }
            let queued = try await ContinuousClock().measure {
                try await app.db.transaction { db in try await WebhookEvents.queue(happened, at: app.now, on: db) }
            }
            let log = LogCapture()
            log.install(in: app, level: .debug)
            try await WebhookEvents.queue(happened, at: app.now, on: app.db)
            let statements = log.lines.filter { $0.level == .debug }.compactMap { $0.metadata["sql"] }
            #expect(statements.filter { $0.contains("webhook_subscriptions") }.count == 1, "one read of the subscriptions: \(statements)")
            #expect(statements.filter { $0.contains("INSERT INTO \"webhook_deliveries\"") }.count == 1, "3,000 rows in one statement")
            #expect(statements.count == 3, "subscriptions, names, insert: \(statements)")
            #expect(try await count("webhook_deliveries", on: app.db) == 9_000)
            print("webhooks: a note on 1,000 enquiries in one change took \(without) without subscriptions, \(with) with 3 (3,000 deliveries); queuing alone \(queued)")
            #expect(queued < .seconds(10))
        }
    }
}
