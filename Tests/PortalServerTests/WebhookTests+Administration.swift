import Fluent
import Foundation
import PortalCore
@testable import PortalServer
import SQLKit
import Testing
import Vapor

/// The administrator's pages: the form and its refusals, pausing, deleting, sending again, and the
/// deliveries a page at a time.
extension WebhookTests {
    @Test func badInputOnTheFormGetsTheErrorSummaryAndWritesNothing() async throws {
        try await withApp { app in
            let admin = try await TestBrowser(app).signedIn(Self.admin)
            let home = try await admin.get("/")
            #expect(home.body.contains("href=\"/admin/webhooks\""))
            let empty = try await admin.get(WebhookAdminRoutes.path)
            #expect(empty.status == .ok && empty.mainText.contains("No subscriptions yet"))
            #expect(accessibilityProblems(empty.body) == [])
            let events = [("events[]", "enquiry.created")]
            func refusal(_ fields: [(String, String)], field: String, says message: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
                let page = try await admin.post(WebhookAdminRoutes.path, fields)
                #expect(page.status == .unprocessableEntity, sourceLocation: sourceLocation)
                #expect(page.body.contains("class=\"error-summary\"") && page.body.contains("<a href=\"#\(field)\">"), sourceLocation: sourceLocation)
                #expect(page.mainText.contains(message), "\(message)", sourceLocation: sourceLocation)
                #expect(page.body.contains("<title>Error: "), sourceLocation: sourceLocation)
                #expect(accessibilityProblems(page.body) == [], sourceLocation: sourceLocation)
                #expect(try await count("webhook_subscriptions", on: app.db) == 0, sourceLocation: sourceLocation)
                #expect(try await AuditEntry.query(on: app.db).filter(\.$action == "webhook_subscription_added").count() == 0, sourceLocation: sourceLocation)
            }
            let good = [("description", "CRM")]
            try await refusal(good + events, field: "url", says: "Enter the address to post to")
            try await refusal([("url", "javascript:alert(1)")] + good + events, field: "url", says: "must start with https:// or http://")
            try await refusal([("url", "https://user:secret@crm.example.org/hook")] + good + events, field: "url", says: "Leave the user name and password out")
            try await refusal([("url", "https://crm.example.org@10.0.0.1/hook")] + good + events, field: "url", says: "Leave the user name and password out")
            try await refusal([("url", "https://crm.example.org/hook\u{7}")] + good + events, field: "url", says: "one line of text")
            try await refusal([("url", "https://crm.example.org/" + String(repeating: "a", count: 2_000))] + good + events, field: "url", says: "2000 characters or fewer")
            try await refusal([("url", "https://crm.example.org\\@evil.example/hook")] + good + events, field: "url", says: "as a full web address")
            try await refusal([("url", "https://crm.example.org/hook"), ("description", "Line\nbreak")] + events, field: "description", says: "one line of text")
            try await refusal([("url", "https://crm.example.org/hook"), ("description", "CRM\u{202E}")] + events, field: "description", says: "one line of text")
            try await refusal([("url", "https://crm.example.org/hook")] + good, field: "events", says: "Choose at least one event")
            try await refusal([("url", "https://crm.example.org/hook")] + good + [("events[]", "enquiry.deleted")], field: "events", says: "Choose events from the list")
            // What was typed comes back escaped.
            let typed = try await admin.post(WebhookAdminRoutes.path, [("url", "https://crm.example.org/\"><script>"), ("description", "<b>CRM</b>")])
            #expect(!typed.body.contains("\"><script>") && !typed.body.contains("<b>CRM</b>"))

            let member = try await TestBrowser(app).signedIn("member@demo.test")
            #expect(try await member.get(WebhookAdminRoutes.path).status == .forbidden)
            #expect(try await member.post(WebhookAdminRoutes.path, [("url", "https://crm.example.org/hook")] + good + events).status == .forbidden)
            #expect(try await count("webhook_subscriptions", on: app.db) == 0)

            let created = try await admin.post(WebhookAdminRoutes.path, [("url", "https://crm.example.org/hook")] + good + events)
            #expect(created.status == .ok && created.mainText.contains("This is the only time the secret is shown"))
            #expect(created.headers.first(name: .cacheControl) == "no-store")
            #expect(accessibilityProblems(created.body) == [])
        }
    }

    @Test func pausingHoldsWebhooksAndDeletingTakesItsDeliveriesWithIt() async throws {
        try await WebhookReceiver.with(failing: 0) { receiver in try await withApp { app in
            let (id, _) = try await subscribe(app, url: "http://127.0.0.1:\(receiver.port)/hook")
            let fixtures = Fixtures(app: app)
            let admin = try await TestBrowser(app).signedIn(Self.admin)
            let held = try await fixtures.submitted(subject: "Held while paused")
            try await admin.get("\(WebhookAdminRoutes.path)/\(id)")
            #expect(try await admin.post("\(WebhookAdminRoutes.path)/\(id)/pause", []).status == .seeOther)
            _ = try await fixtures.submitted(subject: "Raised while paused")
            #expect(try await deliveries(app).count == 1, "nothing is kept for a paused subscription")
            #expect(try await WebhookSender(app).deliver(at: app.now) == .init(), "what waits is held")
            let paused = try await admin.get("\(WebhookAdminRoutes.path)/\(id)")
            #expect(paused.mainText.contains("Paused") && paused.mainText.contains("Waiting"))
            #expect(try await admin.post("\(WebhookAdminRoutes.path)/\(id)/resume", []).status == .seeOther)
            #expect(try await WebhookSender(app).deliver(at: app.now) == .init(sent: 1))
            let payload = try Self.decoder.decode(WebhookPayload.self, from: Data(try #require(receiver.requests.first).body))
            #expect(payload.data.enquiry.reference == held.reference)
            for action in ["webhook_subscription_paused", "webhook_subscription_resumed"] {
                #expect(try await AuditEntry.query(on: app.db).filter(\.$action == action).count() == 1, "\(action)")
            }

            try await admin.get("\(WebhookAdminRoutes.path)/\(id)")
            #expect(try await admin.post("\(WebhookAdminRoutes.path)/\(id)/delete", []).status == .seeOther)
            #expect(try await count("webhook_subscriptions", on: app.db) == 0)
            #expect(try await count("webhook_deliveries", on: app.db) == 0)
            #expect(try await count("webhook_attempts", on: app.db) == 0)
            let deleted = try #require(try await AuditEntry.query(on: app.db).filter(\.$action == "webhook_subscription_deleted").first())
            #expect(deleted.changes.contains("/hook"))
            #expect(try await admin.get("\(WebhookAdminRoutes.path)/\(id)").status == .notFound)
            _ = try await fixtures.submitted(subject: "After deletion")
            #expect(try await deliveries(app).isEmpty)
        } }
    }

    @Test func aDeliveryFailingForADayIsGivenUpAndTheAdministratorSendsItAgain() async throws {
        // The back-off of this queue alone reaches about a day; the others keep theirs.
        let queue = WebhookDeliveries.queue
        let span = queue.lastAttempt(of: WebhookDeliveries.maxAttempts)
        #expect(span > 23 * 3600 && span < 26 * 3600, "the last attempt \(span / 3600) hours after the first")
        #expect(Outbox.queue.backOff(afterAttempt: 20) == 3600 && PartnerWebhooks.queue.backOff(afterAttempt: 20) == 3600)

        try await WebhookReceiver.with(failing: WebhookDeliveries.maxAttempts) { receiver in try await withApp { app in
            let (id, _) = try await subscribe(app, url: "http://127.0.0.1:\(receiver.port)/hook")
            let enquiry = try await Fixtures(app: app).submitted()
            var at = app.now
            for _ in 1..<WebhookDeliveries.maxAttempts {
                #expect(try await WebhookSender(app).deliver(at: at) == .init(retrying: 1))
                at = at.addingTimeInterval(4 * 3600 + 60)
            }
            #expect(try await WebhookSender(app).deliver(at: at) == .init(failed: 1))
            let failed = try #require(try await deliveries(app).first)
            #expect(failed.state == "failed" && failed.attempts == WebhookDeliveries.maxAttempts)

            let admin = try await TestBrowser(app).signedIn(Self.admin)
            let list = try await admin.get(WebhookAdminRoutes.path)
            #expect(list.mainText.contains("0 waiting, 1 failed"))
            let page = try await admin.get("\(WebhookAdminRoutes.path)/\(id)")
            #expect(page.mainText.contains("Failed") && page.mainText.contains("Given up after \(WebhookDeliveries.maxAttempts) attempts"))
            #expect(page.mainText.contains("Send again the enquiry.created webhook of \(enquiry.reference)"))
            let retry = "\(WebhookAdminRoutes.path)/\(id)/deliveries/\(failed.id)/retry"
            let member = try await TestBrowser(app).signedIn("member@demo.test")
            #expect(try await member.post(retry, []).status == .forbidden)
            #expect(try await admin.post(retry, []).status == .seeOther)
            #expect(try await AuditEntry.query(on: app.db).filter(\.$action == "webhook_delivery_retried").count() == 1)
            let again = try #require(try await deliveries(app).first)
            #expect(again.state == "pending" && again.attempts == 0)
            #expect(try await WebhookSender(app).deliver(at: at.addingTimeInterval(1)) == .init(sent: 1))
            let ids = Set(receiver.requests.compactMap { $0.headers.first(name: "webhook-id") })
            #expect(ids == [failed.eventId.uuidString], "sent again under the same id")
            #expect(try await admin.post(retry, []).status == .seeOther)
            #expect(try await deliveries(app).first?.state == "sent", "a delivered webhook is not sent again")
        } }
    }

    @Test func theDeliveriesArePagedAndOldDeliveredOnesForgotten() async throws {
        try await WebhookReceiver.with(failing: 0) { receiver in try await withApp { app in
            let (id, _) = try await subscribe(app, url: "http://127.0.0.1:\(receiver.port)/hook", events: [.enquiryCreated])
            let fixtures = Fixtures(app: app)
            for index in 0..<(WebhookAdminRoutes.pageSize + 3) { _ = try await fixtures.submitted(subject: "Enquiry \(index)") }
            #expect(try await WebhookSender(app).deliver(at: app.now) == .init(sent: WebhookAdminRoutes.pageSize + 3))
            let admin = try await TestBrowser(app).signedIn(Self.admin)
            let first = try await admin.get("\(WebhookAdminRoutes.path)/\(id)")
            #expect(first.mainText.contains("\(WebhookAdminRoutes.pageSize + 3) deliveries") && first.mainText.contains("Page 1 of 2"))
            #expect(first.body.components(separatedBy: "<tr>").count - 2 == WebhookAdminRoutes.pageSize)
            let second = try await admin.get("\(WebhookAdminRoutes.path)/\(id)?page=2")
            #expect(second.mainText.contains("Page 2 of 2") && second.body.components(separatedBy: "<tr>").count - 2 == 3)
            #expect(try await admin.get("\(WebhookAdminRoutes.path)/\(id)?page=x").status == .badRequest)

            try await WebhookSender(app).forgetDelivered(at: app.now.addingTimeInterval(WebhookDeliveries.keptFor - 60))
            #expect(try await count("webhook_deliveries", on: app.db) == WebhookAdminRoutes.pageSize + 3)
            try await WebhookSender(app).forgetDelivered(at: app.now.addingTimeInterval(WebhookDeliveries.keptFor + 60))
            #expect(try await count("webhook_deliveries", on: app.db) == 0)
            #expect(try await count("webhook_attempts", on: app.db) == 0)
        } }
    }
}
