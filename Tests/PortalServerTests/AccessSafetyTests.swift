import Fluent
import Foundation
import PortalCore
@testable import PortalServer
import SQLKit
import Testing
import Vapor

/// Access rules that hold on every way in: search and export as on pages, drafts to their
/// authors, a form key to its author, documents by one set of rules, names that match contents.
@Suite struct AccessSafetyTests {
    @Test func aFormerMemberNoLongerSearchesOrExportsTheirEnquiries() async throws {
        try await withApp { app in
            let enquiry = try await Fixtures(app: app).submitted(subject: "Overgrown hedge on Station Road")
            let browser = TestBrowser(app)
            try await browser.signIn("member@demo.test")
            #expect(try await browser.get("/search?q=hedge").mainText.contains("Overgrown hedge"))
            // The administrator makes them a responder only.
            try await app.db.sql.update(User.schema).set("is_member", to: false).set("is_responder", to: true)
                .where("email", .equal, "member@demo.test").run()
            let userID = try await Fixtures(app: app).user("member@demo.test").requireID()
            app.sessionCache.changed(userID)
            #expect(try await browser.get("/enquiries/\(enquiry.id!.uuidString)").status == .notFound, "the page is refused")
            #expect(!(try await browser.get("/search?q=hedge&scope=mine")).mainText.contains("Overgrown hedge"))
            #expect(!(try await browser.get("/search?q=hedge")).mainText.contains("Overgrown hedge"))
            let csv = try await browser.get("/search/export.csv?q=hedge&scope=mine")
            #expect(!csv.body.contains("Overgrown hedge") && !csv.body.contains(enquiry.reference))
        }
    }

    @Test func aSubmissionKeyBelongsToTheOneWhoSentIt() async throws {
        try await withApp { app in
            let key = UUID().uuidString
            let first = TestBrowser(app)
            try await first.signIn("member@demo.test")
            try await first.get("/enquiries/new")
            let made = try await first.post("/enquiries", try await CaseworkTests().fields(app, subject: "Alex's enquiry", key: key))
            let firstPath = try #require(made.location)
            let other = TestBrowser(app)
            try await other.signIn("bethan.rees@demo.test")
            try await other.get("/enquiries/new")
            let second = try await other.post("/enquiries", try await CaseworkTests().fields(app, subject: "Bethan's enquiry", key: key))
            #expect(second.status == .seeOther)
            #expect(second.location != firstPath, "sent to someone else's enquiry")
            #expect(try await Enquiry.query(on: app.db).count() == 2)
            #expect(try await Enquiry.query(on: app.db).filter(\.$subject == "Bethan's enquiry").count() == 1)
            // The same person sending twice still gets one enquiry.
            try await first.get("/enquiries/new")
            let again = try await first.post("/enquiries", try await CaseworkTests().fields(app, subject: "Alex's enquiry", key: key))
            #expect(again.location == firstPath)
            #expect(try await Enquiry.query(on: app.db).count() == 2)
        }
    }

    @Test func aSavedSearchNeverWritesAHeader() async throws {
        try await withApp { app in
            let browser = TestBrowser(app)
            try await browser.signIn("member@demo.test")
            try await browser.get("/search?q=light")
            let page = try await browser.post("/search/saved", [("name", "Lights"), ("query", "q=light\r\nSet-Cookie: planted=1\r\nX-Evil: yes")])
            #expect(page.status == .seeOther)
            let location = try #require(page.location)
            #expect(!location.contains(where: { $0.isNewline || $0 == " " || $0.asciiValue.map { $0 < 0x20 } == true }), "\(location.debugDescription)")
            #expect(!page.headers.contains(name: "X-Evil"))
            #expect(!page.headers[.setCookie].contains { $0.contains("planted") })
            let saved = try await app.db.sql.select().column("query").from("saved_searches").all().map { try $0.decode(column: "query", as: String.self) }
            #expect(saved.allSatisfy { !$0.contains("\r") && !$0.contains("\n") }, "\(saved)")
        }
    }

    @Test func aMemberCannotOpenEditOrSubmitAnOfficersDraftForThem() async throws {
        try await withApp { app in
            let draft = try await Fixtures(app: app).submitted(subject: "Officer's unfinished note", by: "coordinator@demo.test", submit: false)
            let path = "/enquiries/\(draft.id!.uuidString)"
            let member = TestBrowser(app)
            try await member.signIn("member@demo.test")
            #expect(try await member.get(path).status == .notFound)
            #expect(try await member.get("\(path)/edit").status == .notFound)
            #expect(!(try await member.get("/enquiries?tab=drafts")).mainText.contains("Officer's unfinished note"))
            #expect(!(try await member.get("/search?q=unfinished&status=draft")).mainText.contains("Officer's unfinished note"))
            try await member.get("/enquiries/new")
            let submit = try await member.post("\(path)/edit", try await CaseworkTests().fields(app, subject: "Taken over").filter { $0.0 != "submission-key" }
                                                + [("version", "\(draft.version)")])
            #expect(submit.status == .notFound)
            #expect(try await Enquiry.find(draft.id, on: app.db)?.status == .draft)
            #expect(try await Enquiry.find(draft.id, on: app.db)?.subject == "Officer's unfinished note")
            let officer = TestBrowser(app)
            try await officer.signIn("coordinator@demo.test")
            #expect(try await officer.get(path).status == .ok, "the author still works on it")
        }
    }

    @Test func filesSentWithAnActionFollowTheDocumentRules() async throws {
        try await withApp { app in
            let enquiry = try await Fixtures(app: app).submitted()
            let path = "/enquiries/\(enquiry.id!.uuidString)"
            let member = TestBrowser(app)
            try await member.signIn("member@demo.test")
            try await member.get(path)
            let closed = try await member.upload("\(path)/act", fields: [("action", "close"), ("body", "Sorted, thank you.")],
                                                 files: [("after.png", SampleFiles.png)])
            #expect(try await Enquiry.find(enquiry.id, on: app.db)?.status == .closed)
            #expect(try await DocumentStore.visible(on: enquiry.id!, on: app.db).isEmpty, "a file kept on a closed enquiry")
            #expect(closed.mainText.contains("Its documents were not added"), "\(closed.mainText.prefix(300))")

            let second = try await Fixtures(app: app).submitted(subject: "Second")
            let coordinator = TestBrowser(app)
            try await coordinator.signIn("coordinator@demo.test")
            try await coordinator.get("/enquiries/\(second.id!.uuidString)")
            let taken = try await coordinator.upload("/enquiries/\(second.id!.uuidString)/act", fields: [("action", "take")],
                                                     files: [("plan.pdf", SampleFiles.pdf())])
            #expect(try await Enquiry.find(second.id, on: app.db)?.status == .inProgress)
            #expect(try await DocumentStore.visible(on: second.id!, on: app.db).isEmpty, "taking an enquiry carries no file")
            #expect(taken.mainText.contains("Its documents were not added"))
        }
    }

    @Test func aFileNameMustAgreeWithWhatTheFileIs() async throws {
        try await withApp { app in
            let enquiry = try await Fixtures(app: app).submitted()
            let path = "/enquiries/\(enquiry.id!.uuidString)"
            let member = TestBrowser(app)
            try await member.signIn("member@demo.test")
            let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0] + Array("<html><script>alert(1)</script></html>".utf8)
            let gif = Array("GIF89a<script>alert(1)</script>".utf8)
            for (name, bytes) in [("Highways-report.html", jpeg), ("invoice.pdf.exe", SampleFiles.pdf()), ("map.svg", SampleFiles.png),
                                  ("photo", jpeg), ("notes.txt", SampleFiles.png), ("pic.jpg", SampleFiles.png), ("anim.htm", gif)] {
                try await member.get(path)
                let page = try await member.upload("\(path)/documents", fields: [("attach-to", "enquiry")], files: [(name, bytes)])
                #expect(page.status == .unsupportedMediaType, "\(name)")
                #expect(page.mainText.contains(name) && page.mainText.contains("name"), "\(name): \(page.mainText.prefix(400))")
            }
            #expect(try await DocumentStore.visible(on: enquiry.id!, on: app.db).isEmpty)
            try await member.get(path)
            let good = try await member.upload("\(path)/documents", fields: [("attach-to", "enquiry")],
                                               files: [("Photo.JPEG", jpeg), ("scan.pdf", SampleFiles.pdf()), ("site.png", SampleFiles.png)])
            #expect(good.status == .seeOther)
            #expect(try await DocumentStore.visible(on: enquiry.id!, on: app.db).count == 3)
        }
    }
}
