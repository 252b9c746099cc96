import Crypto
import Fluent
import Foundation
import PortalCore
@testable import PortalServer
import SQLKit
import Testing
import Vapor

/// Signed webhooks to council systems: subscriptions made on the administrator's page, deliveries
/// queued with the change that causes them, posted to a real receiver on the loopback address,
/// signed as Standard Webhooks sign them, retried, and delivered once however many senders run.
@Suite struct WebhookTests {
    static let admin = "admin@demo.test"

    /// Adds a subscription on the administrator's page and reads the secret shown that once.
    func subscribe(_ app: Application, url: String, events: [WebhookEvent] = WebhookEvent.allCases,
                   description: String = "Council CRM") async throws -> (id: UUID, secret: String) {
        let admin = try await TestBrowser(app).signedIn(Self.admin)
        try await admin.get(WebhookAdminRoutes.path)
        let page = try await admin.post(WebhookAdminRoutes.path, [("url", url), ("description", description)] + events.map { ("events[]", $0.rawValue) })
        #expect(page.status == .ok)
        let match = try #require(page.body.range(of: #"<code id="signing-secret">whsec_[A-Za-z0-9+/=]+</code>"#, options: .regularExpression))
        let secret = String(page.body[match]).replacingOccurrences(of: #"<code id="signing-secret">"#, with: "").replacingOccurrences(of: "</code>", with: "")
        let id = try #require(try await app.db.sql.select().column("id").from("webhook_subscriptions").where("url", .equal, url)
            .orderBy("created_at", .descending).first()?.decode(column: "id", as: UUID.self))
        return (id, secret)
    }

    struct DeliveryRow: Decodable {
        let id: UUID
        let eventId: UUID
        let event: String
        let state: String
        let attempts: Int
        let lastError: String?
        let payload: String
    }

    func deliveries(_ app: Application) async throws -> [DeliveryRow] {
        try await app.db.sql.select().columns("id", "event_id", "event", "state", "attempts", "last_error", "payload").from("webhook_deliveries")
            .orderBy("created_at").orderBy("event").all(decoding: DeliveryRow.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    /// What a receiver does: the HMAC-SHA256 of `id.timestamp.body` under the secret's key, in base64.
    func expectedSignature(id: String, timestamp: String, body: [UInt8], secret: String) throws -> String {
        #expect(secret.hasPrefix("whsec_"))
        let key = try #require(Data(base64Encoded: String(secret.dropFirst("whsec_".count))))
        #expect(key.count == 32, "32 random bytes")
        let code = HMAC<SHA256>.authenticationCode(for: Array("\(id).\(timestamp).".utf8) + body, using: SymmetricKey(data: key))
        return "v1," + Data(code).base64EncodedString()
    }

    // MARK: Delivery

    /// The vector the Standard Webhooks libraries test themselves with: a receiver using any of
    /// them accepts what the portal signs.
    @Test func signaturesMatchTheStandardWebhooksVector() {
        #expect(WebhookSignature.sign(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: Array(#"{"test": 2432232314}"#.utf8),
                                      secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        #expect(WebhookSignature.sign(id: "x", timestamp: 1, body: [], secret: "not-a-secret") == nil)
        let secret = WebhookSignature.makeSecret()
        #expect(secret.hasPrefix("whsec_") && Data(base64Encoded: String(secret.dropFirst(6)))?.count == 32)
        #expect(secret != WebhookSignature.makeSecret())
    }

    @Test func aWebhookIsSignedWithTheSecretShownOnceAndCarriesNoResidentData() async throws {
        try await WebhookReceiver.with(failing: 0) { receiver in try await withApp { app in
            let (id, secret) = try await subscribe(app, url: "http://127.0.0.1:\(receiver.port)/hook")
            let enquiry = try await Fixtures(app: app).submitted(planted: "9731597315")
            let queued = try await deliveries(app)
            #expect(queued.map(\.event) == ["enquiry.created"] && queued.first?.state == "pending")

            let at = app.now
            #expect(try await WebhookSender(app).deliver(at: at) == .init(sent: 1))
            let request = try #require(receiver.requests.first)
            #expect(receiver.requests.count == 1)
            let webhookID = try #require(request.headers.first(name: "webhook-id"))
            let timestamp = try #require(request.headers.first(name: "webhook-timestamp"))
            #expect(abs(try #require(Double(timestamp)) - at.timeIntervalSince1970) < 5, "Unix seconds of the attempt")
            #expect(request.headers.first(name: "webhook-signature") == (try expectedSignature(id: webhookID, timestamp: timestamp, body: request.body, secret: secret)))
            #expect(request.headers.first(name: .contentType) == "application/json")

            let payload = try Self.decoder.decode(WebhookPayload.self, from: Data(request.body))
            #expect(payload.type == .enquiryCreated && payload.id.uuidString == webhookID)
            #expect(abs(payload.timestamp.timeIntervalSince(enquiry.submittedAt!)) < 1)
            #expect(payload.data.enquiry == .init(id: enquiry.id!, reference: enquiry.reference, status: .submitted,
                                                   serviceArea: .init(id: enquiry.$serviceArea.id, name: "Highways"),
                                                   type: .init(id: enquiry.$type.id, name: "Information Request"),
                                                   urgency: enquiry.urgency, memberId: enquiry.$member.id))
            let text = String(decoding: request.body, as: UTF8.self)
            for personal in ["9731597315", "Pat Jones", "Mill Lane", "pat.", "example.com", "light outside", "Street light"] {
                #expect(!text.contains(personal), "the body holds none of the resident's data nor the enquiry's words: \(personal)")
            }
            #expect(try await deliveries(app).first?.state == "sent")
            #expect(try await WebhookSender(app).deliver(at: at.addingTimeInterval(60)) == .init(), "delivered once")

            // The secret is never shown again, nor written to the audit trail.
            let admin = try await TestBrowser(app).signedIn(Self.admin)
            for path in [WebhookAdminRoutes.path, "\(WebhookAdminRoutes.path)/\(id)"] {
                let page = try await admin.get(path)
                #expect(page.status == .ok && !page.body.contains(secret) && !page.body.contains("whsec_"))
            }
            let audit = try #require(try await AuditEntry.query(on: app.db).filter(\.$action == "webhook_subscription_added").first())
            #expect(audit.changes.contains("/hook") && audit.changes.contains("Council CRM") && !audit.changes.contains(secret))
            #expect(try await count("webhook_subscriptions", on: app.db) == 1)
        } }
    }

    @Test func aFailedDeliveryIsRetriedLaterWithTheSameIDAndItsAttemptsAreListed() async throws {
        try await WebhookReceiver.with(failing: 1) { receiver in try await withApp { app in
            let (id, secret) = try await subscribe(app, url: "http://127.0.0.1:\(receiver.port)/hook")
            let enquiry = try await Fixtures(app: app).submitted()
            let start = app.now
            #expect(try await WebhookSender(app).deliver(at: start) == .init(retrying: 1))
            let waiting = try #require(try await deliveries(app).first)
            #expect(waiting.state == "pending" && waiting.attempts == 1 && waiting.lastError?.hasPrefix("Answered 500 Internal Server Error") == true)
            #expect(try await WebhookSender(app).deliver(at: start.addingTimeInterval(20)) == .init(), "not before its back-off")
            #expect(try await WebhookSender(app).deliver(at: start.addingTimeInterval(90)) == .init(sent: 1), "after its back-off (30 seconds from the attempt, which may itself take a moment)")

            let requests = receiver.requests
            #expect(requests.count == 2)
            let ids = requests.compactMap { $0.headers.first(name: "webhook-id") }
            #expect(ids.count == 2 && Set(ids).count == 1 && ids.first == waiting.eventId.uuidString, "the same event id on every attempt")
            let timestamps = requests.compactMap { $0.headers.first(name: "webhook-timestamp").flatMap(Int.init) }
            #expect(timestamps.count == 2 && timestamps[1] - timestamps[0] >= 30, "each attempt signed at its own time")
            for request in requests {
                #expect(request.headers.first(name: "webhook-signature")
                        == (try expectedSignature(id: ids[0], timestamp: request.headers.first(name: "webhook-timestamp")!, body: request.body, secret: secret)))
            }

            let admin = try await TestBrowser(app).signedIn(Self.admin)
            let page = try await admin.get("\(WebhookAdminRoutes.path)/\(id)")
            #expect(page.mainText.contains("1 delivery") && page.mainText.contains(enquiry.reference) && page.mainText.contains("Delivered"))
            let first = try #require(try await app.db.sql.select().column("at").from("webhook_attempts").orderBy("at").first()?.decode(column: "at", as: Date.self))
            #expect(page.mainText.contains("\(first.councilText): Answered 500 Internal Server Error"))
            #expect(page.mainText.contains("answered 200"))
            #expect(try await count("webhook_attempts", on: app.db) == 2)
            #expect(accessibilityProblems(page.body) == [])
        } }
    }

    /// Only a 2xx answer is success: a redirect (never followed), a slow answer and a refused
    /// connection are failures, recorded with their reason and retried.
    @Test func aRedirectASlowAnswerAndARefusedConnectionAreRetried() async throws {
        try await WebhookReceiver.with(failing: 1, failure: .found) { receiver in try await withApp { app in
            _ = try await subscribe(app, url: "http://127.0.0.1:\(receiver.port)/hook")
            _ = try await Fixtures(app: app).submitted()
            #expect(try await WebhookSender(app).deliver(at: app.now) == .init(retrying: 1))
            #expect(receiver.requests.count == 1, "the redirect was not followed")
            #expect(try await deliveries(app).first?.lastError == "Answered 302 Found")
        } }
        try await WebhookReceiver.with(failing: 0, delay: .seconds(2)) { receiver in try await withApp { app in
            _ = try await subscribe(app, url: "http://127.0.0.1:\(receiver.port)/hook")
            _ = try await Fixtures(app: app).submitted()
            var sender = WebhookSender(app)
            sender.timeout = .milliseconds(300)
            #expect(try await sender.deliver(at: app.now) == .init(retrying: 1))
            #expect(try await deliveries(app).first?.lastError == "No answer within 300 ms")
            let attempt = try #require(try await app.db.sql.select().columns("status_code", "duration_ms").from("webhook_attempts").first())
            #expect(try attempt.decode(column: "status_code", as: Int?.self) == nil)
            #expect(try attempt.decode(column: "duration_ms", as: Int.self) >= 250, "the time it waited")
        } }
        try await withApp { app in
            let closed = SMTPServer.freePort()
            _ = try await subscribe(app, url: "http://127.0.0.1:\(closed)/hook")
            _ = try await Fixtures(app: app).submitted()
            #expect(try await WebhookSender(app).deliver(at: app.now) == .init(retrying: 1))
            #expect(try await deliveries(app).first?.lastError == "The connection was refused")
        }
    }

    @Test func twoSendersAtOnceDeliverEachEventOnce() async throws {
        try await WebhookReceiver.with(failing: 0) { receiver in try await withApp { app in
            _ = try await subscribe(app, url: "http://127.0.0.1:\(receiver.port)/hook")
            let fixtures = Fixtures(app: app)
            for index in 0..<6 { _ = try await fixtures.submitted(subject: "Pothole number \(index)") }
            let now = app.now
            async let first = WebhookSender(app).deliver(at: now)
            async let second = WebhookSender(app).deliver(at: now)
            let outcomes = try await [first, second]
            #expect(outcomes.map(\.sent).reduce(0, +) == 6 && outcomes.allSatisfy { $0.retrying == 0 && $0.failed == 0 })
            let ids = receiver.requests.compactMap { $0.headers.first(name: "webhook-id") }
            #expect(ids.count == 6 && Set(ids).count == 6, "one request per webhook-id")
            #expect(try await count("webhook_attempts", on: app.db) == 6)
        } }
    }

    @Test func aPrivateAddressIsRefusedAtDeliveryUnlessTheSettingAllowsIt() async throws {
        try await WebhookReceiver.with(failing: 0) { receiver in
            try await withApp(adjust: { $0.webhooksAllowPrivate = false }) { app in
                let admin = try await TestBrowser(app).signedIn(Self.admin)
                try await admin.get(WebhookAdminRoutes.path)
                // An address written out is refused at once.
                for (url, kind) in [("http://127.0.0.1:\(receiver.port)/hook", "a loopback address"), ("http://169.254.169.254/latest", "a link-local address"),
                                    ("http://10.1.2.3/hook", "a private network address"), ("http://[::1]:\(receiver.port)/hook", "a loopback address"),
                                    ("http://2130706433:\(receiver.port)/hook", "a loopback address")] {
                    let page = try await admin.post(WebhookAdminRoutes.path, [("url", url), ("description", "Internal"), ("events[]", "enquiry.created")])
                    #expect(page.status == .unprocessableEntity && page.mainText.contains(kind), "\(url)")
                }
                #expect(try await count("webhook_subscriptions", on: app.db) == 0)
                // A name is looked up when a webhook is sent, and refused there.
                let (id, _) = try await subscribe(app, url: "http://localhost:\(receiver.port)/hook")
                _ = try await Fixtures(app: app).submitted()
                #expect(try await WebhookSender(app).deliver(at: app.now) == .init(retrying: 1))
                #expect(receiver.requests.isEmpty)
                let refused = try #require(try await deliveries(app).first)
                #expect(refused.lastError?.contains("localhost") == true && refused.lastError?.contains("a loopback address") == true)
                #expect(refused.lastError?.contains("PORTAL_WEBHOOKS_ALLOW_PRIVATE") == true)
                let page = try await admin.get("\(WebhookAdminRoutes.path)/\(id)")
                #expect(page.mainText.contains("Retrying") && page.mainText.contains("a loopback address"))
            }
        }
    }

    @Test func theSettingLetsWebhooksGoToTheLoopbackAddressByName() async throws {
        try await WebhookReceiver.with(failing: 0) { receiver in try await withApp { app in
            #expect(app.portal.webhooksAllowPrivate)
            _ = try await subscribe(app, url: "http://127.0.0.1:\(receiver.port)/hook")
            _ = try await Fixtures(app: app).submitted()
            #expect(try await WebhookSender(app).deliver(at: app.now) == .init(sent: 1))
        } }
        #expect(try PortalConfiguration.fromEnvironment(["PORTAL_WEBHOOKS_ALLOW_PRIVATE": "true"], demoMode: false).webhooksAllowPrivate)
        #expect(try !PortalConfiguration.fromEnvironment([:], demoMode: false).webhooksAllowPrivate, "refused unless set")
        #expect(try PortalConfiguration.fromEnvironment([:], demoMode: true).webhooksAllowPrivate, "the demo sets it")
        #expect(throws: ConfigurationError.self) { try PortalConfiguration.fromEnvironment(["PORTAL_WEBHOOKS_ALLOW_PRIVATE": "maybe"], demoMode: false) }
    }

    // MARK: Queuing

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

    // MARK: Administration

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

/// What the portal's pages promise to assistive technology, checked in the HTML: one main
/// heading, every field with its label, an error summary whose links reach their fields, and
/// every button with words.
func accessibilityProblems(_ html: String) -> [String] {
    var problems: [String] = []
    func all(_ pattern: String) -> [[String]] {
        let expression = try! NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators])
        return expression.matches(in: html, range: NSRange(html.startIndex..., in: html)).map { match in
            (0..<match.numberOfRanges).map { Range(match.range(at: $0), in: html).map { String(html[$0]) } ?? "" }
        }
    }
    let ids = Set(all(#"\sid="([^"]+)""#).map { $0[1] })
    let labelled = Set(all(#"<label[^>]*\sfor="([^"]+)""#).map { $0[1] })
    if all("<h1[\\s>]").count != 1 { problems.append("not one h1") }
    for field in all(#"<(input|select|textarea)\b([^>]*)>"#) {
        let attributes = field[2]
        if attributes.contains("type=\"hidden\"") || attributes.contains("type=\"submit\"") { continue }
        guard let id = try! NSRegularExpression(pattern: #"\sid="([^"]+)""#).firstMatch(in: attributes, range: NSRange(attributes.startIndex..., in: attributes))
            .flatMap({ Range($0.range(at: 1), in: attributes) }).map({ String(attributes[$0]) })
        else { problems.append("a field without an id: \(field[0])"); continue }
        if !labelled.contains(id) { problems.append("no label for \(id)") }
    }
    for target in all(#"class="error-summary".*?</div>"#).flatMap({ summary in
        try! NSRegularExpression(pattern: ##"href="#([^"]+)""##).matches(in: summary[0], range: NSRange(summary[0].startIndex..., in: summary[0]))
            .compactMap { Range($0.range(at: 1), in: summary[0]).map { String(summary[0][$0]) } }
    }) where !ids.contains(target) {
        problems.append("the error summary links to #\(target), which is not on the page")
    }
    for button in all(#"<button[^>]*>(.*?)</button>"#) where button[1].replacingOccurrences(of: "<[^>]+>", with: "", options: .regularExpression)
        .trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
        problems.append("a button without words")
    }
    return problems
}
