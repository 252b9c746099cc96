import Crypto
import Fluent
import Foundation
@testable import PortalServer
import SQLKit
import Testing
import Vapor

private func hex(_ bytes: [UInt8]) -> String { SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() }

@Suite struct DocumentTests {
    @Test func aMemberAddsDocumentsAndEveryoneEntitledDownloadsThem() async throws {
        try await withApp { app in
            let enquiry = try await Fixtures(app: app).submitted()
            let path = "/enquiries/\(enquiry.id!.uuidString)"
            let member = TestBrowser(app)
            try await member.signIn("member@demo.test")
            try await member.get(path)
            // Larger than one stored chunk, so it is split and put back together.
            let plan = SampleFiles.pdf(600_000)
            let added = try await member.upload("\(path)/documents", fields: [("attach-to", "enquiry")],
                                                files: [("photo.png", SampleFiles.png), ("Site plan.pdf", plan)])
            #expect(added.status == .seeOther)
            let page = try await member.get(path)
            #expect(page.mainText.contains("2 documents have been added: photo.png, Site plan.pdf."))
            #expect(page.mainText.contains("photo.png") && page.mainText.contains("608 bytes"))
            #expect(page.mainText.contains("Site plan.pdf") && page.mainText.contains("586 KB"))

            let rows = try await app.db.sql.select().columns("id", "name", "sha256", "content_type", "state", "scan").from("documents").all()
            #expect(rows.count == 2)
            let planRow = try #require(rows.first { (try? $0.decode(column: "name", as: String.self)) == "Site plan.pdf" })
            #expect(try planRow.decode(column: "sha256", as: String.self) == hex(plan))
            #expect(try planRow.decode(column: "content_type", as: String.self) == "application/pdf")
            #expect(try planRow.decode(column: "scan", as: String.self) == "no_scanner")
            let planID = try planRow.decode(column: "id", as: UUID.self)

            let download = try await member.get("\(path)/documents/\(planID.uuidString)")
            #expect(download.status == .ok)
            #expect(download.bytes == plan)
            #expect(download.headers.first(name: .contentType) == "application/pdf")
            #expect(download.headers.first(name: .contentDisposition)?.hasPrefix("attachment; filename=\"Site plan.pdf\"") == true)
            #expect(download.headers.first(name: "X-Content-Type-Options") == "nosniff")

            let coordinator = TestBrowser(app)
            try await coordinator.signIn("coordinator@demo.test")
            #expect(try await coordinator.get("\(path)/documents/\(planID.uuidString)").bytes == plan)
            let audit = try await AuditEntry.query(on: app.db).filter(\.$action == "document_added").all()
            #expect(audit.count == 2)
            #expect(audit.contains { $0.detail.contains(hex(plan)) })

            // Another Member, and a made-up document id, get "not found".
            let other = TestBrowser(app)
            try await other.signIn("peter.ashworth@demo.test")
            #expect(try await other.get("\(path)/documents/\(planID.uuidString)").status == .notFound)
            #expect(try await member.get("\(path)/documents/\(UUID().uuidString)").status == .notFound)
        }
    }

    @Test func aNewEnquiryCarriesItsDocuments() async throws {
        try await withApp { app in
            let member = TestBrowser(app)
            try await member.signIn("member@demo.test")
            let form = try await member.get("/enquiries/new")
            #expect(form.body.contains("enctype=\"multipart/form-data\""))
            #expect(form.body.contains("formaction=\"/enquiries?intent=draft&amp;_csrf="))
            let fields = try await CaseworkTests().fields(app, subject: "Flooded footpath by the ford").filter { $0.0 != "intent" }
            let created = try await member.upload("/enquiries?intent=submit", fields: fields,
                                                  files: [("flood.png", SampleFiles.png), ("letter.pdf", SampleFiles.pdf())])
            #expect(created.status == .seeOther)
            let location = try #require(created.location)
            let page = try await member.get(location)
            #expect(page.mainText.contains("has been submitted"))
            #expect(page.mainText.contains("flood.png") && page.mainText.contains("letter.pdf"))
            let enquiry = try #require(try await Enquiry.query(on: app.db).filter(\.$subject == "Flooded footpath by the ford").first())
            #expect(enquiry.status == .submitted)
            #expect(try await DocumentStore.visible(on: enquiry.id!, on: app.db).count == 2)

            // A form with mistakes comes back with them, and nothing is kept.
            try await member.get("/enquiries/new")
            let wrong = try await member.upload("/enquiries?intent=submit", fields: fields.filter { $0.0 != "subject" } + [("subject", "")],
                                                files: [("flood.png", SampleFiles.png)])
            #expect(wrong.status == .unprocessableEntity)
            #expect(wrong.mainText.contains("Enter a subject") || wrong.mainText.contains("Enter the subject"))
            #expect(try await count("documents", on: app.db) == 2)

            // A good form with a bad file: the enquiry is kept, the page says why its file was not.
            try await member.get("/enquiries/new")
            let fields2 = try await CaseworkTests().fields(app, subject: "Sign knocked down")
            let half = try await member.upload("/enquiries?intent=draft", fields: fields2.filter { $0.0 != "intent" },
                                               files: [("sign.svg", SampleFiles.svg)])
            #expect(half.status == .unsupportedMediaType)
            #expect(half.mainText.contains("was saved, but its documents were not: sign.svg is not a kind of file"))
            let draft = try #require(try await Enquiry.query(on: app.db).filter(\.$subject == "Sign knocked down").first())
            #expect(draft.status == .draft, "the button pressed decides, through the form's address")
            #expect(try await count("documents", on: app.db) == 2)
        }
    }

    @Test func updatesAndAnswersCarryTheirDocuments() async throws {
        try await withApp { app in
            let fixtures = Fixtures(app: app)
            let coordinatorID = try await fixtures.user("coordinator@demo.test").requireID()
            let responderID = try await fixtures.user("responder@demo.test").requireID()
            var enquiry = try await fixtures.submitted()
            enquiry = try await fixtures.perform(.askResponders([responderID], question: "Depth?"), enquiry, by: "coordinator@demo.test")
            let question = try #require(try await ResponderQuestion.query(on: app.db).first()).id!
            let path = "/enquiries/\(enquiry.id!.uuidString)"

            let coordinator = TestBrowser(app)
            try await coordinator.signIn("coordinator@demo.test")
            let page = try await coordinator.get(path)
            #expect(page.body.contains("action=\"\(path)/act?_csrf="), "the update form streams")
            let sent = try await coordinator.upload("\(path)/act", fields: [("action", "post_update"), ("body", "Plan of the works attached.")],
                                                    files: [("works plan.pdf", SampleFiles.pdf())])
            #expect(sent.status == .seeOther)
            let update = try #require(try await EnquiryEntry.query(on: app.db).filter(\.$kind == .update).first())
            let stored = try #require(try await app.db.sql.select().columns("attached_kind", "attached_id").from("documents")
                .where("name", .equal, "works plan.pdf").first())
            #expect(try stored.decode(column: "attached_kind", as: String.self) == "entry")
            #expect(try stored.decode(column: "attached_id", as: UUID.self) == update.id)
            let member = TestBrowser(app)
            try await member.signIn("member@demo.test")
            #expect(try await member.get(path).mainText.contains("works plan.pdf"))

            // The update is sent even when its file is refused; the page says so.
            try await coordinator.get(path)
            let half = try await coordinator.upload("\(path)/act", fields: [("action", "post_update"), ("body", "Second update.")],
                                                    files: [("map.svg", SampleFiles.svg)])
            #expect(half.status == .unsupportedMediaType)
            #expect(half.mainText.contains("Your update has been sent to the Member. Its documents were not added: map.svg is not a kind of file"))
            #expect(try await EnquiryEntry.query(on: app.db).filter(\.$kind == .update).count() == 2)

            // An empty update with a file: the form comes back, nothing is kept.
            try await coordinator.get(path)
            let empty = try await coordinator.upload("\(path)/act", fields: [("action", "post_update"), ("body", "")], files: [("x.pdf", SampleFiles.pdf())])
            #expect(empty.status == .unprocessableEntity)
            #expect(empty.mainText.contains("Write the update for the Member"))
            #expect(try await DocumentStore.visible(on: enquiry.id!, on: app.db).count == 1)

            let responder = TestBrowser(app)
            try await responder.signIn("responder@demo.test")
            try await responder.get(path)
            let answered = try await responder.upload("\(path)/act", fields: [("action", "answer_question"), ("question", question.uuidString),
                                                                              ("body", "300 mm; photo attached.")],
                                                      files: [("depth.png", SampleFiles.png)])
            #expect(answered.status == .seeOther)
            let photo = try #require(try await app.db.sql.select().columns("attached_kind", "attached_id").from("documents")
                .where("name", .equal, "depth.png").first())
            #expect(try photo.decode(column: "attached_kind", as: String.self) == "question")
            #expect(try photo.decode(column: "attached_id", as: UUID.self) == question)
            #expect(try await ResponderQuestion.find(question, on: app.db)?.state == .answered)
        }
    }

    @Test func badUploadsAreRefusedWithAReasonAndKeepNothing() async throws {
        try await withApp { app in
            app.portal.documents.maxFileBytes = 100_000
            let enquiry = try await Fixtures(app: app).submitted()
            let path = "/enquiries/\(enquiry.id!.uuidString)"
            let member = TestBrowser(app)
            try await member.signIn("member@demo.test")
            let cases: [(String, [(name: String, data: [UInt8])], HTTPStatus, String)] = [
                ("oversized", [("big.pdf", SampleFiles.pdf(300_000))], .payloadTooLarge, "big.pdf is larger than the 98 KB limit"),
                ("empty", [("empty.pdf", [])], .badRequest, "empty.pdf is empty"),
                ("disallowed type", [("drawing.svg", SampleFiles.svg)], .unsupportedMediaType, "drawing.svg is not a kind of file the portal accepts"),
                ("content not matching its name", [("photo.png", SampleFiles.text)], .unsupportedMediaType, "photo.png is not a kind of file"),
                ("path traversal", [("../../etc/passwd.txt", SampleFiles.text)], .badRequest, "may not contain folder names"),
                ("NUL in the name", [("notes\u{0}.txt", SampleFiles.text)], .badRequest, "control characters"),
                ("one good, one bad", [("ok.png", SampleFiles.png), ("bad.svg", SampleFiles.svg)], .unsupportedMediaType, "bad.svg is not a kind"),
                ("nothing chosen", [], .badRequest, "Choose one or more files to add"),
            ]
            for (what, files, status, message) in cases {
                try await member.get(path)
                let page = try await member.upload("\(path)/documents", fields: [("attach-to", "enquiry")], files: files)
                #expect(page.status == status, "\(what)")
                #expect(page.mainText.contains("There is a problem"), "\(what)")
                #expect(page.mainText.contains(message), "\(what): \(page.mainText.prefix(300))")
                #expect(try await count("documents", on: app.db) == 0, "\(what) kept a record")
                #expect(try await count("document_chunks", on: app.db) == 0, "\(what) kept bytes")
            }
            // Eleven files at once is one too many.
            try await member.get(path)
            let many = try await member.upload("\(path)/documents", files: (0..<11).map { ("p\($0).png", SampleFiles.png) })
            #expect(many.mainText.contains("Add at most 10 files at a time"))
            #expect(try await count("documents", on: app.db) == 0)
            // Without the page's token, nothing is read.
            let forged = try await TestBrowser(app).upload("\(path)/documents", files: [("x.png", SampleFiles.png)])
            #expect(forged.status == .forbidden)
        }
    }

    @Test func documentsFollowWhatTheyAreAttachedTo() async throws {
        try await withApp { app in
            let fixtures = Fixtures(app: app)
            var enquiry = try await fixtures.submitted()
            let coordinatorID = try await fixtures.user("coordinator@demo.test").requireID()
            let responderID = try await fixtures.user("responder@demo.test").requireID()
            enquiry = try await fixtures.perform(.addNote("Internal"), enquiry, by: "coordinator@demo.test")
            enquiry = try await fixtures.perform(.askResponders([responderID], question: "Check it?"), enquiry, by: "coordinator@demo.test")
            let note = try #require(try await EnquiryEntry.query(on: app.db).filter(\.$kind == .note).first()).id!
            let question = try #require(try await ResponderQuestion.query(on: app.db).first()).id!
            let path = "/enquiries/\(enquiry.id!.uuidString)"
            let coordinator = TestBrowser(app)
            try await coordinator.signIn("coordinator@demo.test")
            for (target, name) in [("enquiry", "main.png"), ("entry:\(note.uuidString)", "note.png"), ("question:\(question.uuidString)", "question.png")] {
                try await coordinator.get(path)
                #expect(try await coordinator.upload("\(path)/documents", fields: [("attach-to", target)], files: [(name, SampleFiles.png)]).status == .seeOther)
            }
            func id(_ name: String) async throws -> String {
                try #require(try await app.db.sql.select().column("id").from("documents").where("name", .equal, name).first()?.decode(column: "id", as: UUID.self)).uuidString
            }
            let member = TestBrowser(app)
            try await member.signIn("member@demo.test")
            let memberPage = try await member.get(path)
            #expect(memberPage.mainText.contains("main.png"))
            #expect(!memberPage.mainText.contains("note.png"), "a Member never sees a document on an internal note")
            #expect(try await member.get("\(path)/documents/\(try await id("note.png"))").status == .notFound)
            #expect(try await member.get("\(path)/documents/\(try await id("question.png"))").status == .notFound)

            let responder = TestBrowser(app)
            try await responder.signIn("responder@demo.test")
            #expect(try await responder.get("\(path)/documents/\(try await id("main.png"))").status == .ok)
            #expect(try await responder.get("\(path)/documents/\(try await id("question.png"))").status == .ok)
            #expect(try await responder.get("\(path)/documents/\(try await id("note.png"))").status == .notFound)
            // A responder adds to their own question only.
            try await responder.get(path)
            #expect(try await responder.upload("\(path)/documents", fields: [("attach-to", "question:\(question.uuidString)")],
                                               files: [("answer.pdf", SampleFiles.pdf())]).status == .seeOther)
            try await responder.get(path)
            let refused = try await responder.upload("\(path)/documents", fields: [("attach-to", "entry:\(note.uuidString)")],
                                                     files: [("sneaky.pdf", SampleFiles.pdf())])
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.mainText.contains("Choose what to attach the documents to"))
        }
    }

    @Test func renamingAndRemovingAreRecordedAndRemovalErasesTheBytes() async throws {
        try await withApp { app in
            let enquiry = try await Fixtures(app: app).submitted()
            let path = "/enquiries/\(enquiry.id!.uuidString)"
            let member = TestBrowser(app)
            try await member.signIn("member@demo.test")
            try await member.get(path)
            try await member.upload("\(path)/documents", files: [("IMG_0001.png", SampleFiles.png)])
            let id = try #require(try await app.db.sql.select().column("id").from("documents").first()?.decode(column: "id", as: UUID.self))
            try await member.get(path)
            let bad = try await member.post("\(path)/documents/\(id.uuidString)/rename", [("name", "../secret.png")])
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.mainText.contains("IMG_0001.png was not renamed: The file name may not contain folder names"))
            try await member.get(path)
            #expect(try await member.post("\(path)/documents/\(id.uuidString)/rename", [("name", "Pothole by the school.png")]).status == .seeOther)
            #expect(try await member.get(path).mainText.contains("Pothole by the school.png"))
            let renamed = try #require(try await AuditEntry.query(on: app.db).filter(\.$action == "document_renamed").first())
            #expect(renamed.decodedChanges == [FieldChange(field: "Document name", before: "IMG_0001.png", after: "Pothole by the school.png")])

            // Someone else's Member page cannot remove it; the owner can.
            let other = TestBrowser(app)
            try await other.signIn("peter.ashworth@demo.test")
            try await other.get("/")
            #expect(try await other.post("\(path)/documents/\(id.uuidString)/remove", []).status == .notFound)
            try await member.get(path)
            #expect(try await member.post("\(path)/documents/\(id.uuidString)/remove", []).status == .seeOther)
            #expect(try await count("document_chunks", on: app.db) == 0, "the bytes are erased")
            #expect(try await member.get("\(path)/documents/\(id.uuidString)").status == .notFound)
            #expect(!(try await member.get(path).mainText.contains("Pothole by the school.png")))
            #expect(try await AuditEntry.query(on: app.db).filter(\.$action == "document_removed").count() == 1)
        }
    }

    /// An edit conflict lists what changed since the form's version; document entries on the same
    /// trail do not change the enquiry and must not shift that count.
    @Test func documentEntriesDoNotDisturbWhatChangedSinceAVersion() async throws {
        try await withApp { app in
            let fixtures = Fixtures(app: app)
            var enquiry = try await fixtures.submitted()
            try await AuditTrail.record(action: "document_added", enquiryID: enquiry.id!, actorID: nil,
                                        changes: [FieldChange(field: "Document", before: "", after: "plan.pdf")], at: app.now, on: app.db)
            enquiry = try await fixtures.perform(.editDetails(try await fixtures.valid(subject: "Street light out on Mill Lane (two columns)")),
                                                 enquiry, by: "coordinator@demo.test")
            #expect(enquiry.version == 2)
            #expect(try await AuditTrail.changes(toEnquiry: enquiry.id!, since: 2, on: app.db).isEmpty)
            #expect(try await AuditTrail.changes(toEnquiry: enquiry.id!, since: 1, on: app.db).map(\.field).contains("Subject"))
        }
    }

    @Test func anUploadCutOffLeavesNothingVisibleAndIsSweptAway() async throws {
        try await withApp { app in
            let enquiry = try await Fixtures(app: app).submitted()
            let member = try await Fixtures(app: app).user("member@demo.test").requireID()
            // What a dropped connection leaves: a row still "incoming" and some of its bytes.
            let id = try await DocumentStore.begin(enquiryID: enquiry.id!, name: "half.pdf", addedBy: member, at: app.now.addingTimeInterval(-90_000), on: app.db)
            try await DocumentStore.append(ByteBuffer(bytes: SampleFiles.pdf()), to: id, seq: 0, on: app.db)
            #expect(try await DocumentStore.visible(on: enquiry.id!, on: app.db).isEmpty)
            #expect(try await DocumentStore.find(id, on: enquiry.id!, on: app.db) == nil)
            // A younger one may still be arriving on another instance, and is left alone.
            let young = try await DocumentStore.begin(enquiryID: enquiry.id!, name: "arriving.pdf", addedBy: member, at: app.now, on: app.db)
            #expect(try await DocumentStore.sweepAbandoned(olderThan: app.now.addingTimeInterval(-86_400), on: app.db) == 1)
            #expect(try await count("document_chunks", on: app.db) == 0)
            #expect(try await app.db.sql.select().column("id").from("documents").all().map { try $0.decode(column: "id", as: UUID.self) } == [young])
        }
    }
}
