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

    @Test func theSettingLetsWebhooksGoToTheLoopbackAddress() async throws {
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
}
