import Fluent
import Foundation
import PortalCore
@testable import PortalServer
import SQLKit
import Testing
import Vapor

/// Email through a real SMTP server (aiosmtpd), from the outbox the changes write.
@Suite struct MailTests {
    func server() throws -> SMTPServer? {
        guard SMTPServer.isInstalled else {
            #expect(ProcessInfo.processInfo.environment["CI"] == nil, "CI must install aiosmtpd")
            print("MailTests skipped: pip install aiosmtpd to run them")
            return nil
        }
        return try SMTPServer()
    }

    func outboxStates(_ app: Application) async throws -> [String: Int] {
        var states: [String: Int] = [:]
        for row in try await app.db.sql.select().column("state").from("outbox").all() {
            states[try row.decode(column: "state", as: String.self), default: 0] += 1
        }
        return states
    }

    /// A test app and a running SMTP server, with settings that send to it.
    func withRunningServer(_ body: (SMTPServer, MailSettings, Application) async throws -> Void) async throws {
        guard let smtp = try server() else { return }
        try await smtp.start()
        defer { smtp.stop() }
        try await withApp { app in
            try await body(smtp, MailSettings(host: "127.0.0.1", port: smtp.port, security: .none), app)
        }
    }

    /// The message with its base64 parts decoded, to check what a person reads.
    func readable(_ message: String) -> String {
        let text = message.replacingOccurrences(of: "\r\n", with: "\n")
        return text.components(separatedBy: "\n\n").dropFirst().reduce(text) { all, block in
            let lines = block.components(separatedBy: "\n").prefix { !$0.hasPrefix("--") }.joined()
            return all + (Data(base64Encoded: lines).flatMap { String(data: $0, encoding: .utf8) }.map { "\n" + $0 } ?? "")
        }
    }

    @Test func aNewEnquiryEmailsTheAreasCoordinatorsOnce() async throws {
        try await withRunningServer { smtp, settings, app in
            let fixtures = Fixtures(app: app)
            let enquiry = try await fixtures.submitted(subject: "Pothole on Mill Lane")
            let highways = try await fixtures.area("Highways")
            let coordinators = try await CoordinatorArea.query(on: app.db).filter(\.$serviceArea.$id == highways).all(\.$user.$id)
            let addresses = try await User.query(on: app.db).filter(\.$id ~~ coordinators).all().map(\.email)
            #expect(try await outboxStates(app) == ["pending": coordinators.count])

            let outcome = try await Outbox.deliver(at: app.now, settings: settings, baseURL: "https://portal.example.gov.uk",
                                                   group: app.eventLoopGroup, on: app.db)
            #expect(outcome == .init(sent: coordinators.count))
            #expect(try await Outbox.deliver(at: app.now, settings: settings, baseURL: nil, group: app.eventLoopGroup, on: app.db) == .init())
            let messages = smtp.messages()
            #expect(messages.count == coordinators.count)
            for address in addresses {
                let mail = try #require(messages.first { $0.contains("To: <\(address)>") }, "\(address)")
                let text = readable(mail)
                #expect(mail.contains("Subject: New enquiry: \(enquiry.reference) Pothole on Mill Lane"))
                #expect(text.contains("Cllr Alex Morgan raised a new enquiry."))
                #expect(text.contains("https://portal.example.gov.uk/enquiries/\(enquiry.id!.uuidString)"))
                #expect(!text.contains("Pat Jones") && !text.contains("01234 567890"), "no resident details in email")
            }
            #expect(try await outboxStates(app) == ["sent": coordinators.count])
        }
    }

    @Test func messagesWaitWhileTheServerIsDownAndArriveOnceWhenItIsBack() async throws {
        guard let smtp = try server() else { return }
        try await withApp { app in
            let settings = MailSettings(host: "127.0.0.1", port: smtp.port, security: .none, maxAttempts: 5)
            let fixtures = Fixtures(app: app)
            _ = try await fixtures.submitted()
            let count = try await outboxStates(app)["pending"] ?? 0
            #expect(count > 0)
            let start = app.now
            let down = try await Outbox.deliver(at: start, settings: settings, baseURL: nil, group: app.eventLoopGroup, on: app.db)
            #expect(down == .init(retrying: count))
            // Not due again until the back-off has passed.
            #expect(try await Outbox.deliver(at: start.addingTimeInterval(10), settings: settings, baseURL: nil, group: app.eventLoopGroup, on: app.db) == .init())
            let error = try await app.db.sql.select().column("last_error").from("outbox").first()?.decode(column: "last_error", as: String?.self)
            #expect(error?.contains("could not connect") == true)

            try await smtp.start()
            defer { smtp.stop() }
            let back = try await Outbox.deliver(at: start.addingTimeInterval(31), settings: settings, baseURL: nil, group: app.eventLoopGroup, on: app.db)
            #expect(back == .init(sent: count))
            #expect(try await Outbox.deliver(at: start.addingTimeInterval(3600), settings: settings, baseURL: nil, group: app.eventLoopGroup, on: app.db) == .init())
            #expect(smtp.messages().count == count, "every message once, none twice")
        }
    }

    @Test func twoSendersSendEachMessageOnce() async throws {
        try await withRunningServer { smtp, settings, app in
            let fixtures = Fixtures(app: app)
            for index in 0..<4 { _ = try await fixtures.submitted(subject: "Enquiry \(index)") }
            let count = try await outboxStates(app)["pending"] ?? 0
            let now = app.now
            async let first = Outbox.deliver(at: now, settings: settings, baseURL: nil, group: app.eventLoopGroup, on: app.db, batch: 100)
            async let second = Outbox.deliver(at: now, settings: settings, baseURL: nil, group: app.eventLoopGroup, on: app.db, batch: 100)
            let outcomes = try await [first, second]
            #expect(outcomes.map(\.sent).reduce(0, +) == count)
            #expect(smtp.messages().count == count)
        }
    }

    @Test func aMessageThatKeepsFailingIsShownToAdministratorsWhoRetryIt() async throws {
        try await withApp { app in
            let settings = MailSettings(host: "127.0.0.1", port: SMTPServer.freePort(), security: .none, maxAttempts: 2)
            let fixtures = Fixtures(app: app)
            _ = try await fixtures.submitted()
            let count = try await outboxStates(app)["pending"] ?? 0
            let now = app.now
            #expect(try await Outbox.deliver(at: now, settings: settings, baseURL: nil, group: app.eventLoopGroup, on: app.db) == .init(retrying: count))
            #expect(try await Outbox.deliver(at: now.addingTimeInterval(60), settings: settings, baseURL: nil, group: app.eventLoopGroup, on: app.db) == .init(failed: count))
            let admin = TestBrowser(app)
            try await admin.signIn("admin@demo.test")
            let page = try await admin.get("/admin/email")
            #expect(page.mainText.contains("Failed"))
            #expect(page.mainText.contains("No SMTP server is configured"), "the test app has none configured")
            #expect(try await admin.post("/admin/email/retry", []).status == .seeOther)
            #expect(try await outboxStates(app) == ["pending": count])
            let member = TestBrowser(app)
            try await member.signIn("member@demo.test")
            #expect(try await member.get("/admin/email").status == .forbidden)
        }
    }

    @Test func respondersNeverReceiveResidentDetailsByEmail() async throws {
        try await withApp { app in
            try await app.db.sql.update("council_mail_settings").set("resident_details", to: true).where("id", .equal, 1).run()
            let fixtures = Fixtures(app: app)
            let enquiry = try await fixtures.submitted()
            _ = try await fixtures.take(enquiry)
            try await app.db.sql.delete(from: "outbox").run()
            _ = try await fixtures.ask(enquiry)
            let rows = try await app.db.sql.select().columns("to_address", "message").from("outbox").all()
            let toResponder = try rows.filter { try $0.decode(column: "to_address", as: String.self) == "responder@demo.test" }
            #expect(toResponder.count == 1)
            for row in toResponder {
                let message = try row.decode(column: "message", as: String.self)
                #expect(!message.contains("Pat Jones") && !message.contains("01234 567890") && !message.contains("pat@example.com")
                        && !message.contains("12 Mill Lane"), "\(message)")
            }
            // The Member's side still gets them when the council chose so.
            try await app.db.sql.delete(from: "outbox").run()
            _ = try await fixtures.perform(.postUpdate("Fixed"), enquiry, by: "coordinator@demo.test")
            let toMember = try await app.db.sql.select().column("message").from("outbox").where("to_address", .equal, "member@demo.test").all()
            #expect(try toMember.contains { try $0.decode(column: "message", as: String.self).contains("Pat Jones") })
        }
    }
}
