import Fluent
import Foundation
import PortalCore
@testable import PortalServer
import SQLKit
import Testing
import Vapor

/// What reaches the mail server: never a line a person's text could forge, whatever was typed.
@Suite struct MailSafetyTests {
    static let smuggled = "P\r\n.\r\nMAIL FROM:<forged@evil.test>\r\nRCPT TO:<victim@outside.test>\r\nDATA\r\nReply-To: a@evil.test\r\n\r\nhi\r\n.\r\n"

    /// Every line break is CRLF, the only lone dot is the one that ends DATA, and no line a
    /// person's text could have made starts a command or a header.
    func expectSafeOnTheWire(_ wire: String) {
        #expect(!wire.replacingOccurrences(of: "\r\n", with: "").contains(where: { $0 == "\r" || $0 == "\n" }), "bare CR or LF")
        let lines = wire.components(separatedBy: "\r\n")
        #expect(lines.filter { $0 == "." }.count == 1 && lines.dropLast().last == ".", "one lone dot, at the end")
        let headers = lines.prefix { !$0.isEmpty }
        for line in headers {
            #expect(line.first == " " || line.range(of: #"^[A-Za-z-]+: "#, options: .regularExpression) != nil, "header line: \(line)")
            #expect(line.count <= 998)
        }
        #expect(!headers.contains { $0.hasPrefix("Reply-To") || $0.hasPrefix("Bcc") }, "an injected header")
        #expect(!lines.contains { $0.hasPrefix("MAIL FROM") || $0.hasPrefix("RCPT TO") || $0 == "DATA" })
    }

    @Test func aSubjectWithLineBreaksIsEncodedAndTheBodyIsStuffed() throws {
        let message = MailMessage(to: "coordinator@demo.test", subject: Self.smuggled,
                                  text: "First\n.\nSecond\r.\r\n..\r\n", html: "<p>.</p>\n.\n")
        let wire = try SMTPClient.encode(message, from: "Member Portal <portal@localhost>", date: TestClock.ordinaryWorkingDay)
        expectSafeOnTheWire(wire)
        let long = MailMessage(to: "coordinator@demo.test", subject: String(repeating: "Pothole é ", count: 60), text: "x", html: "x")
        expectSafeOnTheWire(try SMTPClient.encode(long, from: "Member Portal <portal@localhost>", date: TestClock.ordinaryWorkingDay))
    }

    @Test func anAddressWithALineBreakIsNeverWritten() throws {
        let message = MailMessage(to: "coordinator@demo.test>\r\nRCPT TO:<victim@outside.test", subject: "Hello", text: "x", html: "x")
        #expect(throws: (any Error).self) { try SMTPClient.encode(message, from: "Member Portal <portal@localhost>", date: TestClock.ordinaryWorkingDay) }
        let sender = MailMessage(to: "coordinator@demo.test", subject: "Hello", text: "x", html: "x")
        #expect(throws: (any Error).self) { try SMTPClient.encode(sender, from: "Portal <p@x.test>\r\nBcc: victim@outside.test", date: TestClock.ordinaryWorkingDay) }
    }

    @Test func anInjectedSubjectReachesTheMailServerAsOneMessagePerRecipient() async throws {
        try await SMTPServer.whileRunning { smtp in try await withApp { app in
            let fixtures = Fixtures(app: app)
            // The form refuses such a subject; the mail must be safe even if one got past it.
            var valid = try await fixtures.valid()
            valid.subject = Self.smuggled
            let enquiry = try await EnquiryWorkflow.create(
                .init(valid: valid, memberID: try await fixtures.user("member@demo.test").requireID(),
                      channel: .portal, submit: true, submissionKey: nil),
                by: try await fixtures.actor("member@demo.test"), at: app.now, on: app.db)
            let pending = try await app.db.sql.select().column("to_address").from("outbox").all().map { try $0.decode(column: "to_address", as: String.self) }
            #expect(!pending.isEmpty)
            // A row whose address was tampered with is refused, never sent.
            try await app.db.sql.update("outbox").set("to_address", to: "coordinator@demo.test>\r\nRCPT TO:<victim@outside.test")
                .where("to_address", .equal, pending[0]).run()
            let settings = MailSettings(host: "127.0.0.1", port: smtp.port, security: .none, maxAttempts: 1)
            let outcome = try await Outbox.deliver(at: app.now, settings: settings, baseURL: nil, group: app.eventLoopGroup, on: app.db)
            #expect(outcome.sent == pending.count - 1 && outcome.failed == 1)
            let received = smtp.messages()
            #expect(received.count == pending.count - 1, "no smuggled message")
            for raw in received {
                let headers = raw.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n")[0].components(separatedBy: "\n")
                #expect(!headers.contains { $0.hasPrefix("Reply-To") || $0.hasPrefix("To: <victim") }, "\(headers)")
            }
            #expect(enquiry.reference.hasPrefix("ENQ-"))
        } }
    }

    @Test func singleLineFieldsRefuseControlCharactersWithAMessage() async throws {
        try await withApp { app in
            let member = TestBrowser(app)
            try await member.signIn("member@demo.test")
            try await member.get("/enquiries/new")
            for field in ["subject", "resident-name", "location", "resident-phone"] {
                let form = try await CaseworkTests().fields(app).map { $0.0 == field ? (field, "Mill Lane\r\nReply-To: a@evil.test") : $0 }
                let page = try await member.post("/enquiries", form)
                #expect(page.status == .unprocessableEntity, "\(field)")
                #expect(page.mainText.contains("must be one line"), "\(field): \(page.mainText.prefix(300))")
            }
            let tab = try await CaseworkTests().fields(app).map { $0.0 == "subject" ? ("subject", "Pothole\u{0}") : $0 }
            #expect(try await member.post("/enquiries", tab).status == .unprocessableEntity)
            #expect(try await Enquiry.query(on: app.db).count() == 0)

            let admin = TestBrowser(app)
            try await admin.signIn("admin@demo.test")
            try await admin.get("/admin/users/new")
            let user = try await admin.post("/admin/users", [("name", "Eve\r\nBcc: x@evil.test"), ("email", "eve@demo.test"), ("roles", "responder"),
                                                              ("password", "a long passphrase")])
            #expect(user.mainText.contains("must be one line"))
            try await admin.get("/admin/calendar")
            let closure = try await admin.post("/admin/calendar/closures", [("day", "2031-12-29"), ("name", "Christmas\nclosure")])
            #expect(closure.mainText.contains("must be one line"))

            try await member.get("/search?q=light")
            let saved = try await member.post("/search/saved", [("name", "Lights\r\nX-Evil: 1"), ("query", "q=light")])
            #expect(try await app.db.sql.select().column("id").from("saved_searches").all().isEmpty)
            if let location = saved.location { try await member.get(location) }
            #expect(member.lastPage.contains("must be one line"))
        }
    }
}
