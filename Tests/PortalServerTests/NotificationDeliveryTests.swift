import Fluent
import Foundation
import PortalCore
@testable import PortalServer
import SQLKit
import Testing
import Vapor

/// What reaches people's inboxes, read back from a real SMTP server (aiosmtpd): who hears of each
/// event, their choices of email, daily digests, the council's switch for resident details,
/// password reset links, and the encrypted connections to the mail server.
@Suite struct NotificationDeliveryTests {
    func server(options: [String] = []) throws -> SMTPServer? {
        guard SMTPServer.isInstalled else {
            #expect(ProcessInfo.processInfo.environment["CI"] == nil, "CI must install aiosmtpd")
            print("NotificationDeliveryTests skipped: pip install aiosmtpd to run them")
            return nil
        }
        return try SMTPServer(options: options)
    }

    /// Sends everything due and returns the mail that arrived since the last call.
    final class Inbox: @unchecked Sendable {
        let smtp: SMTPServer
        let app: Application
        let settings: MailSettings
        var seen: Set<String> = []

        init(_ smtp: SMTPServer, _ app: Application) {
            self.smtp = smtp
            self.app = app
            settings = MailSettings(host: "127.0.0.1", port: smtp.port, security: .none)
        }

        func deliver(at now: Date? = nil) async throws -> [SMTPServer.Mail] {
            _ = try await Outbox.deliver(at: now ?? app.now, settings: settings, baseURL: "https://portal.example.gov.uk", group: app.eventLoopGroup,
                                         on: app.db, batch: 100)
            let new = smtp.mails().filter { !seen.contains($0.name) }
            seen.formUnion(new.map(\.name))
            return new
        }
    }

    func withInbox(_ body: (Inbox, Application) async throws -> Void) async throws {
        guard let smtp = try server() else { return }
        try await smtp.start()
        defer { smtp.stop() }
        try await withApp { app in try await body(Inbox(smtp, app), app) }
    }

    func address(_ app: Application, _ id: UUID) async throws -> String {
        try #require(try await User.find(id, on: app.db)).email
    }

    @Test func everyEventEmailsTheRightPeopleOnceWithALinkToTheEnquiry() async throws {
        try await withInbox { inbox, app in
            let fixtures = Fixtures(app: app)
            let highways = try await fixtures.area("Highways")
            let areaCoordinators = try await CoordinatorArea.query(on: app.db).filter(\.$serviceArea.$id == highways).all(\.$user.$id)
            var areaAddresses: Set<String> = []
            for id in areaCoordinators { areaAddresses.insert(try await address(app, id)) }

            /// The one kind of email this step sent, to exactly these people.
            func expectMail(_ event: NotificationEvent, to people: Set<String>, saying words: String, _ enquiry: Enquiry) async throws {
                let mails = try await inbox.deliver()
                #expect(Set(mails.map(\.to)) == people, "\(event)")
                #expect(mails.count == people.count, "one each: \(event)")
                for mail in mails {
                    #expect(mail.subject.hasPrefix("\(event.label): \(enquiry.reference) Street light out on Mill Lane"), "\(mail.subject)")
                    #expect(mail.text.contains(words), "\(event): \(mail.text)")
                    #expect(mail.text.contains("https://portal.example.gov.uk/enquiries/\(enquiry.id!.uuidString)"))
                    #expect(mail.html.contains("href=\"https://portal.example.gov.uk/enquiries/\(enquiry.id!.uuidString)\""))
                    #expect(!mail.text.contains("Pat Jones") && !mail.text.contains("12 Mill Lane"), "no resident details by default")
                }
            }

            var enquiry = try await fixtures.submitted()
            try await expectMail(.newEnquiry, to: areaAddresses, saying: "Cllr Alex Morgan raised a new enquiry.", enquiry)
            enquiry = try await fixtures.take(enquiry)
            #expect(try await inbox.deliver().isEmpty, "taking an enquiry tells nobody")
            enquiry = try await fixtures.perform(.postUpdate("Work is booked for next week."), enquiry, by: "coordinator@demo.test")
            try await expectMail(.update, to: ["member@demo.test"], saying: "sent an update.", enquiry)
            enquiry = try await fixtures.perform(.requestUpdate(""), enquiry, by: "member@demo.test")
            try await expectMail(.memberQuestion, to: ["coordinator@demo.test"], saying: "Cllr Alex Morgan is waiting for a reply.", enquiry)
            enquiry = try await fixtures.ask(enquiry)
            try await expectMail(.questionAsked, to: ["responder@demo.test"], saying: "asked you a question.", enquiry)
            enquiry = try await fixtures.answer(enquiry)
            try await expectMail(.questionAnswered, to: ["coordinator@demo.test"], saying: "answered your question.", enquiry)
            enquiry = try await fixtures.perform(.complete(finalResponse: "The work is done."), enquiry, by: "coordinator@demo.test")
            try await expectMail(.finalResponse, to: ["member@demo.test"], saying: "sent the final response.", enquiry)
            enquiry = try await fixtures.perform(.reopen(reason: "It is broken again."), enquiry, by: "member@demo.test")
            try await expectMail(.reopened, to: ["coordinator@demo.test"], saying: "reopened it.", enquiry)
            _ = try await fixtures.perform(.addNote("Checked on site."), enquiry, by: "coordinator@demo.test")
            #expect(try await inbox.deliver().isEmpty, "a note tells nobody")
            #expect(try await inbox.deliver(at: app.now.addingTimeInterval(7200)).isEmpty, "nothing is sent twice")
        }
    }

    @Test func theOfficerWhoRaisedItForAMemberHearsOfItsUpdatesOnlyIfTheyAsked() async throws {
        try await withInbox { inbox, app in
            let fixtures = Fixtures(app: app)
            let member = try await fixtures.user("member@demo.test").requireID()
            let raiser = try await fixtures.actor("responder@demo.test")
            var sentTo: [Bool: Set<String>] = [:]
            for follows in [false, true] {
                var enquiry = try await EnquiryWorkflow.create(
                    .init(valid: try await fixtures.valid(), memberID: member, channel: .phone, submit: true, raiserFollows: follows, submissionKey: nil),
                    by: raiser, at: app.now, on: app.db)
                _ = try await inbox.deliver()
                enquiry = try await fixtures.take(enquiry)
                _ = try await fixtures.perform(.postUpdate("Work is booked for next week."), enquiry, by: "coordinator@demo.test")
                sentTo[follows] = Set(try await inbox.deliver().map(\.to))
            }
            #expect(sentTo[false] == ["member@demo.test"])
            #expect(sentTo[true] == ["member@demo.test", "responder@demo.test"])

            let officer = TestBrowser(app)
            try await officer.signIn("responder@demo.test")
            let form = try await officer.get("/enquiries/new")
            #expect(form.body.contains("name=\"follow\""), "the form for raising on a Member's behalf offers it")
            #expect(form.mainText.contains("Tell me about its updates and final response too"))
        }
    }

    @Test func eachPersonChoosesHowTheyHearOfEachKindOfEvent() async throws {
        try await withInbox { inbox, app in
            let fixtures = Fixtures(app: app)
            let member = TestBrowser(app)
            try await member.signIn("member@demo.test")
            let settings = try await member.get("/notifications/settings")
            #expect(settings.status == .ok)
            #expect(settings.mainText.contains("Final response") && !settings.mainText.contains("Question for you"),
                    "a Member is asked only about what Members hear of")
            #expect(settings.body.contains("id=\"update\" name=\"update\" type=\"radio\" value=\"immediate\" checked"), "email straight away until they choose")

            let refused = try await member.post("/notifications/settings", [("update", "weekly"), ("final_response", "digest")])
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.body.contains("class=\"error-summary\"") && refused.mainText.contains("Choose how to hear of “update”"))
            #expect(refused.body.contains("value=\"digest\" checked"), "what was chosen is kept")

            let saved = try await member.post("/notifications/settings", [("update", "in_app"), ("final_response", "digest"), ("closed_after_follow_up", "immediate")])
            #expect(saved.status == .seeOther)
            #expect(try await member.get("/notifications/settings").body.contains("name=\"update\" type=\"radio\" value=\"in_app\" checked"))

            var enquiry = try await fixtures.submitted()
            _ = try await inbox.deliver()
            enquiry = try await fixtures.take(enquiry)
            enquiry = try await fixtures.perform(.postUpdate("Work is booked for next week."), enquiry, by: "coordinator@demo.test")
            _ = try await fixtures.perform(.complete(finalResponse: "The work is done."), enquiry, by: "coordinator@demo.test")
            #expect(try await inbox.deliver().isEmpty, "the update is in the portal only; the final response waits for the digest")
            let held = try await app.db.sql.select().column("kind").from("outbox").where("state", .equal, "held").all()
                .map { try $0.decode(column: "kind", as: String.self) }
            #expect(held == ["final_response"])
            let listed = try await member.get("/notifications")
            #expect(listed.mainText.contains("sent an update") && listed.mainText.contains("sent the final response"), "both are in the portal")
        }
    }

    @Test func aDailyDigestGathersEachPersonsHeldMessagesOnceAtTheCouncilsTime() async throws {
        try await withInbox { inbox, app in
            let fixtures = Fixtures(app: app)
            let memberID = try await fixtures.user("member@demo.test").requireID()
            try await NotificationPreferences.save([.update: .digest, .finalResponse: .digest], for: memberID, on: app.db)
            var enquiry = try await fixtures.submitted()
            enquiry = try await fixtures.take(enquiry)
            enquiry = try await fixtures.perform(.postUpdate("Work is booked for next week."), enquiry, by: "coordinator@demo.test")
            enquiry = try await fixtures.perform(.complete(finalResponse: "The work is done."), enquiry, by: "coordinator@demo.test")
            _ = try await inbox.deliver()

            // Both written at 08:00 on a summer day (UK time, an hour ahead of UTC).
            let clock = WorkingDayClock(calendar: WorkingCalendar(nation: .englandAndWales))
            let day = try #require(CivilDate(year: 2026, month: 6, day: 10))
            let at = { (dayOffset: Int, hour: Int, minute: Int) in
                clock.startOfDay(CivilDate(dayNumber: day.dayNumber + dayOffset)).addingTimeInterval(TimeInterval(hour * 3600 + minute * 60))
            }
            try await app.db.sql.update("outbox").set("created_at", to: at(0, 8, 0)).where("state", .equal, "held").run()
            #expect(try await app.db.sql.select().column("id").from("outbox").where("state", .equal, "held").all().count == 2)

            let sevenAM = 7 * 60
            #expect(try await Outbox.gatherDigests(at: at(0, 20, 0), digestAt: sevenAM, clock: clock, on: app.db) == 0, "not before the next 07:00")
            #expect(try await Outbox.gatherDigests(at: at(1, 6, 59), digestAt: sevenAM, clock: clock, on: app.db) == 0)
            let digestTime = at(1, 7, 0)
            async let first = Outbox.gatherDigests(at: digestTime, digestAt: sevenAM, clock: clock, on: app.db)
            async let second = Outbox.gatherDigests(at: digestTime, digestAt: sevenAM, clock: clock, on: app.db)
            #expect(try await first + second == 1, "two instances gather one digest")
            #expect(try await Outbox.gatherDigests(at: at(1, 7, 10), digestAt: sevenAM, clock: clock, on: app.db) == 0)

            let mails = try await inbox.deliver()
            #expect(mails.count == 1)
            let digest = try #require(mails.first)
            #expect(digest.to == "member@demo.test")
            #expect(digest.subject == "Your daily Member Portal email: 2 notifications")
            let update = try #require(digest.text.range(of: "* Update: \(enquiry.reference)"))
            let final = try #require(digest.text.range(of: "* Final response: \(enquiry.reference)"))
            #expect(update.lowerBound < final.lowerBound, "oldest first")
            #expect(digest.text.contains("https://portal.example.gov.uk/enquiries/\(enquiry.id!.uuidString)"))
            #expect(digest.html.contains("<li><strong>Update</strong>"))
            #expect(digest.text.contains("https://portal.example.gov.uk/notifications/settings"))

            // Something after today's digest waits for tomorrow's.
            _ = try await fixtures.perform(.reopen(reason: "It is broken again."), enquiry, by: "member@demo.test")
            enquiry = try await Enquiry.find(enquiry.id, on: app.db)!
            _ = try await fixtures.perform(.complete(finalResponse: "The work is done."), enquiry, by: "coordinator@demo.test")
            try await app.db.sql.update("outbox").set("created_at", to: at(1, 7, 30)).where("state", .equal, "held").run()
            #expect(try await Outbox.gatherDigests(at: at(1, 23, 0), digestAt: sevenAM, clock: clock, on: app.db) == 0)
            #expect(try await Outbox.gatherDigests(at: at(2, 7, 5), digestAt: sevenAM, clock: clock, on: app.db) == 1)
            let next = try await inbox.deliver().filter { $0.to == "member@demo.test" }
            #expect(next.map(\.subject) == ["Your daily Member Portal email: 1 notification"])
        }
    }

    @Test func residentDetailsStayOutOfEmailUnlessTheCouncilSwitchesThemOn() async throws {
        try await withInbox { inbox, app in
            let fixtures = Fixtures(app: app)
            _ = try await fixtures.submitted(subject: "Before")
            let before = try await inbox.deliver()
            #expect(!before.isEmpty && before.allSatisfy { !$0.text.contains("Pat Jones") && !$0.text.contains("01234 567890") })

            let admin = TestBrowser(app)
            try await admin.signIn("admin@demo.test")
            let page = try await admin.get("/admin/email")
            #expect(page.mainText.contains("Include the resident's details in emails about an enquiry"))
            let wrongTime = try await admin.post("/admin/email/settings", [("resident-details", "on"), ("digest-at", "25:00"), ("version", "1")])
            #expect(wrongTime.status == .unprocessableEntity)
            #expect(wrongTime.mainText.contains("Enter the time of the daily email as hours and minutes"))
            #expect(wrongTime.body.contains("value=\"25:00\""), "what was typed is kept")
            #expect(try await CouncilMailSettings.load(on: app.db) == .standard, "nothing saved")

            #expect(try await admin.post("/admin/email/settings", [("resident-details", "on"), ("digest-at", "06:30"), ("version", "1")]).status == .seeOther)
            #expect(try await CouncilMailSettings.load(on: app.db) == CouncilMailSettings(residentDetails: true, digestAt: 390, version: 2))
            let stale = try await admin.post("/admin/email/settings", [("digest-at", "08:00"), ("version", "1")])
            #expect(stale.status == .conflict, "a second administrator's stale form does not overwrite the first")
            let audit = try await AuditEntry.query(on: app.db).filter(\.$action == "mail_settings").count()
            #expect(audit == 1)

            _ = try await fixtures.submitted(subject: "After")
            let after = try await inbox.deliver()
            #expect(!after.isEmpty && after.allSatisfy { $0.text.contains("Resident: Pat Jones") && $0.text.contains("Phone: 01234 567890") })
            #expect(after.allSatisfy { $0.html.contains("Address: 12 Mill Lane, Wrenfield") })
            let inApp = try await app.db.sql.select().column("message").from("notifications").all()
                .map { try $0.decode(column: "message", as: String.self) }
            #expect(inApp.allSatisfy { !$0.contains("Pat Jones") }, "the in-app list is unchanged")
        }
    }

    @Test func aPasswordResetLinkWorksOnceAndExpires() async throws {
        try await withInbox { inbox, app in
            let signIn = try await TestBrowser(app).get("/sign-in")
            #expect(signIn.body.contains("href=\"/password-reset\""))
            let elsewhere = TestBrowser(app)
            try await elsewhere.signIn("member@demo.test")

            let browser = TestBrowser(app)
            _ = try await browser.get("/password-reset")
            let blank = try await browser.post("/password-reset", [("email", "")])
            #expect(blank.status == .unprocessableEntity && blank.mainText.contains("Enter your email address"))
            let unknown = try await browser.post("/password-reset", [("email", "nobody@demo.test")])
            _ = try await browser.get("/password-reset")
            let known = try await browser.post("/password-reset", [("email", "Member@Demo.test ")])
            #expect(known.mainText.contains("Check your email"))
            #expect(unknown.mainText.replacingOccurrences(of: "nobody@demo.test", with: "member@demo.test") == known.mainText,
                    "the same answer whether or not there is an account")

            let mails = try await inbox.deliver()
            #expect(mails.map(\.to) == ["member@demo.test"])
            let mail = try #require(mails.first)
            #expect(mail.subject == "Reset your Member Portal password")
            let found = try #require(mail.text.range(of: "/password-reset/[A-Za-z0-9_-]{43}", options: .regularExpression))
            let path = String(mail.text[found])
            let token = String(path.dropFirst("/password-reset/".count))
            let stored = try await app.db.sql.select().column("token_hash").from("password_resets").all()
                .map { try $0.decode(column: "token_hash", as: String.self) }
            #expect(stored.count == 1 && !stored.contains(token), "only a hash of the token is kept")
            let kept = try await app.db.sql.select().column("link_path").from("outbox").where("kind", .equal, "password_reset").all()
            #expect(try kept.allSatisfy { try $0.decodeNil(column: "link_path") }, "the sent link is not kept in the outbox")

            let form = try await browser.get(path)
            #expect(form.status == .ok && form.mainText.contains("Choose a new password"))
            let short = try await browser.post(path, [("password", "short"), ("confirm", "short")])
            #expect(short.status == .unprocessableEntity && short.mainText.contains("at least 10 characters"))
            let mismatch = try await browser.post(path, [("password", "a long new passphrase"), ("confirm", "a different one")])
            #expect(mismatch.status == .unprocessableEntity && mismatch.mainText.contains("Enter the same password twice"))
            let changed = try await browser.post(path, [("password", "a long new passphrase"), ("confirm", "a long new passphrase")])
            #expect(changed.status == .seeOther && changed.location == "/sign-in")

            #expect(try await TestBrowser(app).signIn("member@demo.test").status == .unauthorized, "the old password no longer works")
            #expect(try await TestBrowser(app).signIn("member@demo.test", password: "a long new passphrase").status == .seeOther)
            #expect(try await elsewhere.get("/").status == .seeOther, "every session of the account has ended")
            #expect(try await browser.get(path).status == .gone, "the link works once")
            _ = try await browser.get("/password-reset")
            #expect(try await browser.post(path, [("password", "another passphrase"), ("confirm", "another passphrase")]).status == .gone)
            #expect(try await AuditEntry.query(on: app.db).filter(\.$action == "password_reset").count() == 1)

            // A fresh link stops working after an hour.
            try await PasswordResets.request(for: "member@demo.test", at: app.now, on: app.db)
            let second = try #require(try await inbox.deliver().first)
            let secondPath = String(second.text[try #require(second.text.range(of: "/password-reset/[A-Za-z0-9_-]{43}", options: .regularExpression))])
            try await app.db.sql.update("password_resets").set("expires_at", to: app.now.addingTimeInterval(-1)).where(SQLColumn("used_at"), .is, SQLLiteral.null).run()
            #expect(try await browser.get(secondPath).status == .gone)
            #expect(try await browser.get("/password-reset/not-a-token").status == .gone)

            // At most three links an hour.
            for _ in 0..<3 { try await PasswordResets.request(for: "member@demo.test", at: app.now, on: app.db) }
            let count = try await app.db.sql.select().column("id").from("password_resets").all().count
            #expect(count == 3, "the first link, the second, and one more within the hour")
        }
    }

    /// The mail server on STARTTLS or TLS, with a certificate the portal is told to trust, and a password.
    func secureServer(_ mode: String) throws -> (SMTPServer, String)? {
        let (certificate, key) = try SMTPServer.makeCertificate()
        guard let smtp = try server(options: [mode, certificate, key, "--auth", "portal:secret"]) else { return nil }
        return (smtp, certificate)
    }

    @Test(arguments: [MailSettings.Security.starttls, .tls])
    func sendsOverAnEncryptedConnectionWithAPassword(_ security: MailSettings.Security) async throws {
        guard let (smtp, certificate) = try secureServer(security == .tls ? "--tls" : "--starttls") else { return }
        try await smtp.start()
        defer { smtp.stop() }
        try await withApp { app in
            _ = try await Fixtures(app: app).submitted()
            let pending = try await app.db.sql.select().column("id").from("outbox").all().count
            var settings = MailSettings(host: "localhost", port: smtp.port, security: security, username: "portal", password: "wrong")
            settings.caFile = certificate
            let refused = try await Outbox.deliver(at: app.now, settings: settings, baseURL: nil, group: app.eventLoopGroup, on: app.db)
            #expect(refused == .init(retrying: pending), "a wrong password is refused")
            let error = try await app.db.sql.select().column("last_error").from("outbox").first()?.decode(column: "last_error", as: String.self)
            #expect(error?.contains("535") == true, "\(error ?? "")")

            var untrusted = settings
            untrusted.caFile = nil
            untrusted.password = "secret"
            let unverified = try await Outbox.deliver(at: app.now.addingTimeInterval(60), settings: untrusted, baseURL: nil, group: app.eventLoopGroup, on: app.db)
            #expect(unverified == .init(retrying: pending), "a certificate nobody vouches for is refused")
            #expect(smtp.messages().isEmpty)

            settings.password = "secret"
            let sent = try await Outbox.deliver(at: app.now.addingTimeInterval(600), settings: settings, baseURL: nil, group: app.eventLoopGroup, on: app.db)
            #expect(sent == .init(sent: pending))
            #expect(smtp.mails().count == pending)
            #expect(smtp.mails().allSatisfy { $0.subject.hasPrefix("New enquiry: ") })
        }
    }
}
