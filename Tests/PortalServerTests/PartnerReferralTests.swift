import Crypto
import Fluent
import Foundation
import NIOConcurrencyHelpers
import PortalCore
@testable import PortalServer
import SQLKit
import Testing
import Vapor

/// Referrals to partner organisations: the demo council refers pest control to a shared
/// regulatory service by email; webhooks go to a receiver on the loopback address.
@Suite struct PartnerReferralTests {
    static let partnerAddress = DemoPartners.partnerEmail
    static let coordinator = "megan.lloyd@demo.test"

    /// A Pest Control enquiry of member@demo.test, in Pollution (Megan Lloyd co-ordinates it).
    func pestControl(_ app: Application, subject: String = "Rats in the garden of number 4", submit: Bool = true) async throws -> Enquiry {
        let fixtures = Fixtures(app: app)
        let member = try await fixtures.user("member@demo.test")
        return try await EnquiryWorkflow.create(
            .init(valid: try await fixtures.valid(subject: subject, area: "Pollution", type: DemoPartners.pestControl, subtype: "Rats and mice"),
                  memberID: member.id!, channel: .portal, submit: submit, submissionKey: nil),
            by: try await fixtures.actor("member@demo.test"), at: app.now, on: app.db)
    }

    struct ReferralRow: Decodable {
        let id: UUID
        let method: String
        let state: String
        let attempts: Int
        let outboxId: UUID?
        let linkToken: String?
        let tokenHash: String
        let outcome: String?
        let outcomeText: String?
        let lastError: String?
    }

    func referrals(_ app: Application) async throws -> [ReferralRow] {
        try await app.db.sql.select().columns("id", "method", "state", "attempts", "outbox_id", "link_token", "token_hash", "outcome", "outcome_text", "last_error")
            .from("partner_referrals").orderBy("created_at").all(decoding: ReferralRow.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// The partner's emails in the outbox: address, message and link, as the sender will send them.
    func partnerMail(_ app: Application) async throws -> [(to: String, message: String, link: String?, userID: UUID?)] {
        try await app.db.sql.select().columns("to_address", "message", "link_path", "user_id").from("outbox")
            .where("kind", .equal, PartnerReferrals.mailKind).all()
            .map { (try $0.decode(column: "to_address", as: String.self), try $0.decode(column: "message", as: String.self),
                    try $0.decode(column: "link_path", as: String?.self), try $0.decode(column: "user_id", as: UUID?.self)) }
    }

    /// The outcome link's token, read from the email waiting in the outbox.
    func token(_ app: Application) async throws -> String {
        let link = try #require(try await partnerMail(app).last?.link)
        #expect(link.hasPrefix("/partner-outcome/"))
        return String(link.dropFirst("/partner-outcome/".count))
    }

    func refusals(_ app: Application) async throws -> [(reason: String, referral: UUID?)] {
        try await app.db.sql.select().columns("reason", "referral_id").from("partner_link_refusals").orderBy("at").all()
            .map { (try $0.decode(column: "reason", as: String.self), try $0.decode(column: "referral_id", as: UUID?.self)) }
    }

    func entries(of enquiry: Enquiry, _ app: Application) async throws -> [EnquiryEntry] {
        try await EnquiryEntry.query(on: app.db).filter(\.$enquiry.$id == enquiry.id!).sort(\.$createdAt).all()
    }

    // MARK: Queueing

    @Test func aReferralIsQueuedOnSubmissionOnceHoweverTheTypeIsConverted() async throws {
        try await withApp { app in
            let fixtures = Fixtures(app: app)
            let draft = try await pestControl(app, submit: false)
            #expect(try await referrals(app).isEmpty, "a draft is not referred")
            var enquiry = try await fixtures.perform(.submit, draft, by: "member@demo.test")
            var rows = try await referrals(app)
            #expect(rows.count == 1)
            #expect(rows.first?.method == "email" && rows.first?.state == "outbox")
            #expect(rows.first?.linkToken == nil, "an email's link lives only in the outbox until sent")
            let mail = try await partnerMail(app)
            #expect(mail.count == 1)
            #expect(mail.first?.to == Self.partnerAddress)
            #expect(mail.first?.userID == nil, "a partner is nobody's account")
            #expect(rows.first?.outboxId != nil)
            #expect(rows.first?.tokenHash == SecureToken.hash(try await token(app)), "only the token's hash is kept with the referral")

            // Converted away and back: still one referral, one email.
            let information = try await fixtures.type("Information Request").requireID()
            let pest = try await fixtures.type(DemoPartners.pestControl)
            enquiry = try await fixtures.perform(.convertType(information, subtype: nil), enquiry, by: Self.coordinator)
            enquiry = try await fixtures.perform(.convertType(try pest.requireID(), subtype: pest.subtypes.first?.id), enquiry, by: Self.coordinator)
            rows = try await referrals(app)
            #expect(rows.count == 1)
            #expect(try await partnerMail(app).count == 1)

            // Another type is not referred.
            _ = try await fixtures.submitted(subject: "Pothole on Mill Lane")
            #expect(try await referrals(app).count == 1)
        }
    }

    @Test func aReferralThatCannotBeWrittenLeavesTheSubmissionUndone() async throws {
        try await withApp { app in
            let fixtures = Fixtures(app: app)
            let draft = try await pestControl(app, submit: false)
            // An address no form would have saved: the referral cannot be written, so neither is the submission.
            try await app.db.sql.update("partners").set("email", to: "not an address").run()
            await #expect(throws: (any Error).self) { _ = try await fixtures.perform(.submit, draft, by: "member@demo.test") }
            let after = try #require(try await Enquiry.find(draft.id!, on: app.db))
            #expect(after.status == .draft)
            #expect(try await referrals(app).isEmpty)
            #expect(try await partnerMail(app).isEmpty)
            #expect(try await count("notifications", on: app.db) == 0, "nor the co-ordinators' notices")
        }
    }

    @Test func aPartnerSharingResidentDetailsGetsThemAndOthersDoNot() async throws {
        try await withApp { app in
            _ = try await pestControl(app, subject: "Rats behind the shops")
            let plain = try #require(try await partnerMail(app).first?.message)
            #expect(plain.contains("Rats behind the shops") && plain.contains("Mill Lane") && plain.contains("Urgency: Normal"))
            #expect(!plain.contains("Pat Jones") && !plain.contains("01234 567890"))
            try await app.db.sql.update("partners").set("shares_resident_details", to: true).run()
            _ = try await pestControl(app, subject: "Wasps in the loft")
            let shared = try #require(try await partnerMail(app).first { $0.message.contains("Wasps in the loft") }?.message)
            #expect(shared.contains("Pat Jones") && shared.contains("01234 567890"))
        }
    }

    // MARK: Email and the link

    @Test func theEmailReachesARealSMTPServerWithTheLinkAndNothingInternal() async throws {
        try await SMTPServer.whileRunning { smtp in try await withApp { app in
            let fixtures = Fixtures(app: app)
            // Raised as an information request, talked about, then converted: the referral comes after notes and questions.
            var enquiry = try await fixtures.submitted(subject: "Rats under the decking")
            enquiry = try await fixtures.perform(.addNote("Internal: the landlord is known to us"), enquiry, by: "coordinator@demo.test")
            enquiry = try await fixtures.perform(.askCoordinator("Private: can you ring me first?"), enquiry, by: "member@demo.test")
            let pest = try await fixtures.type(DemoPartners.pestControl)
            enquiry = try await fixtures.perform(.convertType(try pest.requireID(), subtype: pest.subtypes.first?.id), enquiry, by: "coordinator@demo.test")

            let settings = MailSettings(host: "127.0.0.1", port: smtp.port, security: .none)
            let sent = try await Outbox.deliver(at: app.now, settings: settings, baseURL: "https://portal.example.gov.uk", group: app.eventLoopGroup, on: app.db, batch: 100)
            #expect(sent.failed == 0 && sent.retrying == 0)
            let mail = try #require(smtp.mails().first { $0.to == Self.partnerAddress })
            #expect(mail.subject == "Referral \(enquiry.reference): Rats under the decking")
            for text in [mail.text, mail.html] {
                #expect(text.contains(enquiry.reference) && text.contains("Rats under the decking") && text.contains("out for a week"))
                #expect(text.contains("Pest Control: ") && text.contains("Mill Lane") && text.contains("Urgency: Normal"))
                #expect(!text.contains("landlord is known") && !text.contains("ring me first"), "no notes, no conversation")
                #expect(!text.contains("Pat Jones"))
            }
            let link = try #require(mail.text.range(of: #"https://portal\.example\.gov\.uk/partner-outcome/[A-Za-z0-9_-]{43}"#, options: .regularExpression))
            let path = String(mail.text[link].dropFirst("https://portal.example.gov.uk".count))
            #expect(mail.text.contains("Record the outcome: "))
            #expect(try await partnerMail(app).first?.link == nil, "once sent, the outbox forgets the link")

            // The link works once.
            let partner = TestBrowser(app)
            let page = try await partner.get(path)
            #expect(page.status == .ok)
            #expect(page.headers.first(name: .cacheControl) == "no-store")
            #expect(page.mainText.contains("Rats under the decking") && !page.mainText.contains("landlord"))
            let form = try #require(partner.csrfToken)
            let recorded = try await partner.post(path, [("outcome", "visit_arranged"), ("outcome-text", "Treatment booked for Tuesday."), ("outcome-name", "Jo Bloggs")])
            #expect(recorded.status == .ok)
            #expect(recorded.mainText.contains("Outcome recorded"))
            // The same form sent again, as a second tab or a replay would.
            let again = try await partner.post(path, [("outcome", "dealt_with"), ("outcome-text", "Done."), ("_csrf", form)])
            #expect(again.status == .gone)
            #expect(try await referrals(app).first?.outcome == "visit_arranged")
            #expect(try await refusals(app).map(\.reason) == ["used"])
        } }
    }

    @Test func theLinkRecordsTheOutcomeOnceAndTheMemberHearsOfIt() async throws {
        try await withApp { app in
            let enquiry = try await pestControl(app)
            let path = "/partner-outcome/\(try await token(app))"
            let partner = TestBrowser(app)
            let page = try await partner.get(path)
            #expect(page.status == .ok)
            #expect(page.mainText.contains(enquiry.reference) && page.mainText.contains(DemoPartners.partnerName))

            // Hostile or missing answers come back with the form, and change nothing.
            let refused = try await partner.post(path, [("outcome", "burn_it_down"), ("outcome-text", String(repeating: "x", count: 2001)), ("outcome-name", "Jo\u{7}")])
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.body.contains("error-summary"))
            #expect(refused.mainText.contains("Choose what happened") && refused.mainText.contains("2000 characters or fewer"))
            #expect(refused.mainText.contains("without line breaks"))
            let notForUs = try await partner.post(path, [("outcome", "not_for_us")])
            #expect(notForUs.mainText.contains("Say why it is not for you"))
            #expect(try await referrals(app).first?.outcome == nil)

            let form = try #require(partner.csrfToken)
            let done = try await partner.post(path, [("outcome", "dealt_with"), ("outcome-text", "Bait laid; no further activity."), ("outcome-name", "Jo Bloggs")])
            #expect(done.status == .ok)
            let update = try #require(try await entries(of: enquiry, app).last)
            #expect(update.kind == .update)
            #expect(update.body.contains("Outcome from Shared Regulatory Service: Dealt with.") && update.body.contains("Bait laid") && update.body.contains("Jo Bloggs"))
            let system = try await SystemAccount.partners.actor(at: app.now, on: app.db)
            #expect(update.$author.id == system.user.id, "the partner's own account, not a person's")
            let after = try #require(try await Enquiry.find(enquiry.id!, on: app.db))
            #expect(after.status == .inProgress)
            #expect(after.firstResponseAt != nil, "the partner's outcome is the first response")
            let member = try await Fixtures(app: app).user("member@demo.test").requireID()
            let told = try await app.db.sql.select().column("user_id").from("notifications").where("kind", .equal, "update")
                .where("enquiry_id", .equal, enquiry.id!).all().map { try $0.decode(column: "user_id", as: UUID.self) }
            #expect(told == [member])
            let officers = try await app.db.sql.select().column("user_id").from("notifications").where("kind", .equal, "outside_word")
                .where("enquiry_id", .equal, enquiry.id!).all().map { try $0.decode(column: "user_id", as: UUID.self) }
            let coordinators = try await Notifications.coordinators(of: [after.$serviceArea.id], on: app.db)[after.$serviceArea.id] ?? []
            #expect(!officers.isEmpty && Set(officers) == (after.$handler.id.map { [$0] } ?? coordinators), "whoever handles it hears the outcome too")

            // The Member sees the outcome in the section and the conversation.
            let memberPage = try await TestBrowser(app).signedIn("member@demo.test").get("/enquiries/\(enquiry.id!)")
            #expect(memberPage.mainText.contains("Partner referral"))
            #expect(memberPage.mainText.contains("Dealt with, recorded") && memberPage.mainText.contains("Jo Bloggs"))
            #expect(!memberPage.body.contains("/partner-referrals/"), "a Member cannot record an outcome")

            // Used: refused, recorded, nothing changed.
            let entriesBefore = try await entries(of: enquiry, app).count
            #expect(try await partner.get(path).status == .gone)
            #expect(try await partner.post(path, [("outcome", "visit_arranged"), ("_csrf", form)]).status == .gone)
            #expect(try await entries(of: enquiry, app).count == entriesBefore)
            let rows = try await refusals(app)
            let referral = try await referrals(app).first?.id
            #expect(rows.map(\.reason) == ["used", "used"])
            #expect(rows.allSatisfy { $0.referral == referral }, "each names the referral")
            let admin = try await TestBrowser(app).signedIn("admin@demo.test").get("/admin/partners")
            #expect(admin.mainText.contains("Used again after its outcome was recorded"))
            #expect(admin.mainText.contains("\(enquiry.reference) to Shared Regulatory Service"))
        }
    }

    @Test func twoFormsSentAtOnceRecordOneOutcome() async throws {
        try await withApp { app in
            let enquiry = try await pestControl(app)
            let token = try await token(app)
            let now = app.now
            async let first = PartnerReferrals.record(.init(outcome: .dealtWith, text: "First", name: nil), by: .link(token: token), at: now, on: app.db)
            async let second = PartnerReferrals.record(.init(outcome: .visitArranged, text: "Second", name: nil), by: .link(token: token), at: now, on: app.db)
            let results = try await [first, second]
            #expect(results.filter { if case .recorded = $0 { true } else { false } }.count == 1)
            #expect(results.contains { if case .refused(.used, _) = $0 { true } else { false } })
            #expect(try await entries(of: enquiry, app).filter { $0.body.hasPrefix("Outcome from") }.count == 1)
        }
    }

    @Test func aForgedLinkIsRefusedRecordedAndBounded() async throws {
        try await withApp { app in
            _ = try await pestControl(app)
            let stranger = TestBrowser(app)
            _ = try await stranger.get("/sign-in")
            let form = try #require(stranger.csrfToken)
            let forged = "/partner-outcome/" + SecureToken.make()
            let page = try await stranger.get(forged)
            #expect(page.status == .notFound)
            #expect(page.mainText.contains("This link does not work") && page.mainText.contains("Nothing has been changed"))
            #expect(try await stranger.get("/partner-outcome/short").status == .notFound)
            #expect(try await stranger.get("/partner-outcome/" + String(repeating: "%0A", count: 20)).status == .notFound)
            #expect(try await stranger.post(forged, [("outcome", "dealt_with"), ("_csrf", form)]).status == .notFound)
            #expect(try await referrals(app).first?.outcome == nil)
            let recorded = try await refusals(app)
            #expect(recorded.count == 4 && recorded.allSatisfy { $0.reason == "unknown" && $0.referral == nil })
            // Trying links without end is stopped by the network address's limit, and stops filling the list.
            var last = page
            for _ in 0..<30 { last = try await stranger.get("/partner-outcome/" + SecureToken.make()) }
            #expect(last.status == .tooManyRequests)
            #expect(try await refusals(app).count == 30)
        }
    }

    @Test func anExpiredLinkIsRefusedButACoordinatorMayStillRecord() async throws {
        let clock = TestClock()
        try await withApp(clock: clock) { app in
            let enquiry = try await pestControl(app)
            let path = "/partner-outcome/\(try await token(app))"
            clock.advance(by: PartnerReferrals.linkLifetime + 60)
            let page = try await TestBrowser(app).get(path)
            #expect(page.status == .gone)
            #expect(page.mainText.contains("This link has expired"))
            #expect(try await refusals(app).map(\.reason) == ["expired"])

            let officer = try await TestBrowser(app).signedIn(Self.coordinator)
            let referral = try #require(try await referrals(app).first)
            _ = try await officer.get("/enquiries/\(enquiry.id!)")
            let done = try await officer.post("/enquiries/\(enquiry.id!)/partner-referrals/\(referral.id)/outcome", [("outcome", "dealt_with")])
            #expect(done.status == .seeOther)
            #expect(try await referrals(app).first?.outcome == "dealt_with")
        }
    }

    // MARK: Co-ordinators

    @Test func aCoordinatorRecordsTheOutcomeOnTheEnquiryPage() async throws {
        try await withApp { app in
            let enquiry = try await pestControl(app)
            let token = try await token(app)
            let referral = try #require(try await referrals(app).first)
            let address = "/enquiries/\(enquiry.id!)/partner-referrals/\(referral.id)/outcome"

            let officer = try await TestBrowser(app).signedIn(Self.coordinator)
            let page = try await officer.get("/enquiries/\(enquiry.id!)")
            #expect(page.mainText.contains("Partner referral") && page.mainText.contains("By email to \(Self.partnerAddress): waiting to be sent"))
            #expect(page.body.contains(address))

            // Someone who may not act on the enquiry may not record, nor learn it exists.
            let member = try await TestBrowser(app).signedIn("member@demo.test")
            _ = try await member.get("/enquiries/\(enquiry.id!)")
            #expect(try await member.post(address, [("outcome", "dealt_with")]).status == .forbidden)
            let other = try await TestBrowser(app).signedIn("coordinator@demo.test")
            _ = try await other.get("/")
            #expect(try await other.post(address, [("outcome", "dealt_with")]).status == .notFound, "Highways co-ordinators do not see Pollution's enquiries")

            let refused = try await officer.post(address, [("outcome", ""), ("outcome-text", "bad\u{0}")])
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.body.contains("error-summary") && refused.mainText.contains("Choose what happened"))
            #expect(try await referrals(app).first?.outcome == nil)

            _ = try await officer.get("/enquiries/\(enquiry.id!)")
            let done = try await officer.post(address, [("outcome", "not_for_us"), ("outcome-text", "They say it is a housing matter.")])
            #expect(done.status == .seeOther)
            let recorded = try #require(try await referrals(app).first)
            #expect(recorded.outcome == "not_for_us" && recorded.outcomeText == "They say it is a housing matter.")
            let update = try #require(try await entries(of: enquiry, app).last)
            #expect(update.$author.id == (try await Fixtures(app: app).user(Self.coordinator).requireID()), "a co-ordinator acts as themselves")
            #expect(update.body.hasPrefix("Outcome from Shared Regulatory Service: Not for us."))
            let after = try await officer.get("/enquiries/\(enquiry.id!)")
            #expect(after.mainText.contains("Not for us, recorded") && after.mainText.contains("by Megan Lloyd for Shared Regulatory Service"))
            #expect(!after.body.contains(address), "recorded once")
            #expect(try await officer.post(address, [("outcome", "dealt_with")]).status == .seeOther)
            #expect(try await referrals(app).first?.outcome == "not_for_us", "a second recording changes nothing")

            // The partner's link no longer works.
            #expect(try await TestBrowser(app).get("/partner-outcome/\(token)").status == .gone)
            #expect(try await refusals(app).map(\.reason) == ["recorded_by_council"])
        }
    }

    // MARK: Webhooks

    static let secret = "a-shared-secret-of-some-length"

    /// Points the demo partner at a webhook.
    func useWebhook(_ app: Application, port: Int) async throws {
        try await app.db.sql.update("partners").set("webhook_url", to: "http://127.0.0.1:\(port)/hook").set("webhook_secret", to: Self.secret).run()
    }

    @Test func aWebhookIsSignedAndRetriedAfterAFailure() async throws {
        try await WebhookReceiver.with(failing: 1) { receiver in try await withApp { app in
            try await useWebhook(app, port: receiver.port)
            let enquiry = try await pestControl(app)
            #expect(try await partnerMail(app).isEmpty, "a partner with a webhook is not emailed")
            #expect(try await referrals(app).first?.method == "webhook")
            #expect(try await referrals(app).first?.linkToken != nil)
            let client = app.outsideHTTP
            let start = app.now
            #expect(try await PartnerWebhooks.deliver(at: start, baseURL: "https://portal.example.gov.uk", client: client, on: app.db) == .init(retrying: 1))
            #expect(try await referrals(app).first?.lastError?.contains("answered 500") == true)
            #expect(try await PartnerWebhooks.deliver(at: start.addingTimeInterval(10), baseURL: nil, client: client, on: app.db) == .init(), "not before its back-off")
            #expect(try await PartnerWebhooks.deliver(at: start.addingTimeInterval(31), baseURL: "https://portal.example.gov.uk", client: client, on: app.db) == .init(sent: 1))
            #expect(try await PartnerWebhooks.deliver(at: start.addingTimeInterval(3600), baseURL: nil, client: client, on: app.db) == .init())

            let requests = receiver.requests
            #expect(requests.count == 2)
            let delivered = try #require(requests.last)
            let signature = try #require(delivered.headers.first(name: PartnerWebhooks.signatureHeader))
            let parts = Dictionary(uniqueKeysWithValues: signature.split(separator: ",").map { part in
                let pair = part.split(separator: "=", maxSplits: 1)
                return (String(pair[0]), String(pair[1]))
            })
            let timestamp = try #require(parts["t"])
            let expected = HMAC<SHA256>.authenticationCode(for: Array("\(timestamp).".utf8) + delivered.body, using: SymmetricKey(data: Array(Self.secret.utf8)))
            #expect(parts["v1"] == expected.map { String(format: "%02x", $0) }.joined(), "HMAC-SHA256 of the timestamp and body under the secret")
            #expect(abs(Double(timestamp)! - start.addingTimeInterval(31).timeIntervalSince1970) < 2)
            #expect(delivered.headers.first(name: .contentType) == "application/json")

            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            let body = try decoder.decode(PartnerWebhooks.Body.self, from: Data(delivered.body))
            #expect(body.enquiry.reference == enquiry.reference && body.enquiry.subject == "Rats in the garden of number 4")
            #expect(body.enquiry.subtype == "Rats and mice" && body.enquiry.resident == nil)
            #expect(body.partner == DemoPartners.partnerName)
            #expect(body.outcomeLink.hasPrefix("https://portal.example.gov.uk/partner-outcome/"))
            #expect(try await referrals(app).first?.linkToken == nil, "once delivered, only the hash is kept")
            #expect(try await referrals(app).first?.state == "sent")

            // The link it carried works.
            let path = String(body.outcomeLink.dropFirst("https://portal.example.gov.uk".count))
            let partner = TestBrowser(app)
            #expect(try await partner.get(path).status == .ok)
            #expect(try await partner.post(path, [("outcome", "visit_arranged")]).status == .ok)
        } }
    }

    @Test func twoSendersNeverDeliverAWebhookTwice() async throws {
        try await WebhookReceiver.with(failing: 0) { receiver in try await withApp { app in
            try await useWebhook(app, port: receiver.port)
            for index in 0..<4 { _ = try await pestControl(app, subject: "Rats at number \(index)") }
            let now = app.now
            async let first = PartnerWebhooks.deliver(at: now, baseURL: nil, client: app.outsideHTTP, on: app.db)
            async let second = PartnerWebhooks.deliver(at: now, baseURL: nil, client: app.outsideHTTP, on: app.db)
            let outcomes = try await [first, second]
            #expect(outcomes.map(\.sent).reduce(0, +) == 4)
            let deliveries = receiver.requests.compactMap { $0.headers.first(name: "X-Portal-Delivery") }
            #expect(deliveries.count == 4 && Set(deliveries).count == 4)
        } }
    }

    @Test func aFailedWebhookIsShownToAdministratorsWhoRetryIt() async throws {
        try await WebhookReceiver.with(failing: .max) { receiver in try await withApp { app in
            try await useWebhook(app, port: receiver.port)
            let enquiry = try await pestControl(app)
            var at = app.now
            for _ in 1..<PartnerWebhooks.maxAttempts {
                #expect(try await PartnerWebhooks.deliver(at: at, baseURL: nil, client: app.outsideHTTP, on: app.db) == .init(retrying: 1))
                at = at.addingTimeInterval(3600)
            }
            #expect(try await PartnerWebhooks.deliver(at: at, baseURL: nil, client: app.outsideHTTP, on: app.db) == .init(failed: 1))
            let failed = try #require(try await referrals(app).first)
            #expect(failed.state == "failed" && failed.attempts == PartnerWebhooks.maxAttempts)
            #expect(failed.linkToken == nil, "a link that never went is not kept")
            #expect(failed.lastError == "The partner answered 500 Internal Server Error")

            let admin = try await TestBrowser(app).signedIn("admin@demo.test")
            let page = try await admin.get("/admin/partners")
            #expect(page.mainText.contains("Failed") && page.mainText.contains(enquiry.reference) && page.mainText.contains("answered 500"))
            let officerPage = try await TestBrowser(app).signedIn(Self.coordinator).get("/enquiries/\(enquiry.id!)")
            #expect(officerPage.mainText.contains("By webhook: not sent, after \(PartnerWebhooks.maxAttempts) attempts"))
            let memberPage = try await TestBrowser(app).signedIn("member@demo.test").get("/enquiries/\(enquiry.id!)")
            #expect(memberPage.mainText.contains("By webhook: not sent") && !memberPage.mainText.contains("answered 500"), "no errors for the Member")

            let member = try await TestBrowser(app).signedIn("member@demo.test")
            #expect(try await member.post("/admin/partners/referrals/\(failed.id)/retry", []).status == .forbidden)
            #expect(try await admin.post("/admin/partners/referrals/\(failed.id)/retry", []).status == .seeOther)
            let retried = try #require(try await referrals(app).first)
            #expect(retried.state == "pending" && retried.attempts == 0)
            let token = try #require(retried.linkToken)
            #expect(retried.tokenHash == SecureToken.hash(token) && retried.tokenHash != failed.tokenHash, "a new link")
            #expect(try await AuditEntry.query(on: app.db).filter(\.$action == "partner_referral_retried").count() == 1)
            #expect(try await admin.post("/admin/partners/referrals/\(failed.id)/retry", []).status == .seeOther)
            #expect(try await referrals(app).first?.tokenHash == retried.tokenHash, "a second retry changes nothing")
        } }
    }

    // MARK: Administration

    @Test func theAdministratorAddsAPartnerAndBadAnswersAreRefused() async throws {
        try await withApp { app in
            let admin = try await TestBrowser(app).signedIn("admin@demo.test")
            let home = try await admin.get("/")
            #expect(home.body.contains("href=\"/admin/partners\""))
            _ = try await admin.get("/admin/partners/new")
            let information = try await Fixtures(app: app).type("Information Request").requireID()
            let partnersBefore = try await count("partners", on: app.db)

            func refusal(_ fields: [(String, String)], says message: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
                let page = try await admin.post("/admin/partners", fields)
                #expect(page.status == .unprocessableEntity, sourceLocation: sourceLocation)
                #expect(page.mainText.contains(message), "\(message)", sourceLocation: sourceLocation)
                #expect(try await count("partners", on: app.db) == partnersBefore, sourceLocation: sourceLocation)
            }
            let good = [("name", "Housing Association"), ("email", "referrals@housing.example.org")]
            try await refusal([("name", ""), ("email", "referrals@housing.example.org")], says: "Enter the partner's name")
            try await refusal([("name", "Line\nbreak"), ("email", "referrals@housing.example.org")], says: "must be one line of text")
            try await refusal([("name", "Housing Association"), ("email", "not an address")], says: "Enter an email address in the correct format")
            try await refusal([("name", DemoPartners.partnerName), ("email", "a@b.example")], says: "A partner with this name already exists")
            try await refusal(good + [("webhook-url", "ftp://housing.example.org/in"), ("webhook-secret", Self.secret)], says: "must start with https:// or http://")
            try await refusal(good + [("webhook-url", "housing.example.org/in"), ("webhook-secret", Self.secret)], says: "Enter the webhook address as a full web address")
            try await refusal(good + [("webhook-url", "https://"), ("webhook-secret", Self.secret)], says: "has no host name")
            try await refusal(good + [("webhook-url", "https://user:pw@housing.example.org/in"), ("webhook-secret", Self.secret)], says: "Leave the user name and password out")
            try await refusal(good + [("webhook-url", "https://housing.example.org/in\u{1}"), ("webhook-secret", Self.secret)], says: "one line of text")
            try await refusal(good + [("webhook-url", "https://housing.example.org/in")], says: "Enter the secret")
            try await refusal(good + [("webhook-url", "https://housing.example.org/in"), ("webhook-secret", "short")], says: "16 to 200 characters")
            try await refusal(good + [("webhook-secret", Self.secret)], says: "only used with a webhook address")
            try await refusal(good + [("types[]", "not-a-type")], says: "Choose enquiry types from the list")
            try await refusal(good + [("types[]", "\(information)/\(UUID())")], says: "Choose enquiry types from the list")

            let added = try await admin.post("/admin/partners", good + [("webhook-url", "https://housing.example.org/in"), ("webhook-secret", Self.secret),
                                                                          ("types[]", information.uuidString)])
            #expect(added.status == .seeOther)
            let partner = try #require(try await Partners.all(on: app.db).first { $0.name == "Housing Association" })
            #expect(partner.webhookSecret == Self.secret && partner.isActive)
            #expect(try await Partners.takes(on: app.db)[partner.id] == [PartnerTake(typeID: information, subtypeID: nil)])
            let audit = try #require(try await AuditEntry.query(on: app.db).filter(\.$action == "partner_added").first())
            #expect(audit.changes.contains("Housing Association") && !audit.changes.contains(Self.secret), "audited, without the secret")

            // The secret is never shown back in full, and an empty field keeps it.
            let edit = try await admin.get("/admin/partners/\(partner.id)")
            #expect(!edit.body.contains(Self.secret) && edit.body.contains("…" + Self.secret.suffix(4)))
            let kept = try await admin.post("/admin/partners/\(partner.id)", good + [("webhook-url", "https://housing.example.org/v2"), ("version", "1")])
            #expect(kept.status == .seeOther)
            #expect(try await Partners.find(partner.id, on: app.db)?.webhookSecret == Self.secret)
            #expect(try await Partners.find(partner.id, on: app.db)?.webhookUrl == "https://housing.example.org/v2")
            let stale = try await admin.post("/admin/partners/\(partner.id)", good + [("version", "1")])
            #expect(stale.status == .conflict, "someone saved since this form was drawn")

            // Deactivated, it is sent nothing more.
            _ = try await admin.get("/admin/partners/\(partner.id)")
            #expect(try await admin.post("/admin/partners/\(partner.id)/deactivate", []).status == .seeOther)
            _ = try await Fixtures(app: app).submitted(subject: "When is bin day?")
            #expect(try await referrals(app).isEmpty)
            #expect(try await AuditEntry.query(on: app.db).filter(\.$action == "partner_deactivated").count() == 1)

            let member = try await TestBrowser(app).signedIn("member@demo.test")
            #expect(try await member.get("/admin/partners").status == .forbidden)
            #expect(try await member.post("/admin/partners", good).status == .forbidden)
        }
    }
}
