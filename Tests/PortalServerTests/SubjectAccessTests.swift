import Fluent
import Foundation
import PortalCore
@testable import PortalServer
import SQLKit
import Testing
import Vapor

/// Subject access and erasure requests: the search on each detail (in SQL, on both databases),
/// the page for administrators only, the ZIP file read back by hand and by Python, and erasure
/// through the page, which needs a reason and cannot reach beyond the search.
@Suite struct SubjectAccessTests {
    typealias Field = SubjectAccessQuery.Field

    /// An enquiry of member@demo.test about this resident.
    static func enquiry(_ app: Application, subject: String, name: String?, email: String?, phone: String?, address: String?,
                        submit: Bool = true) async throws -> Enquiry {
        let fixtures = Fixtures(app: app)
        var valid = try await fixtures.valid(subject: subject)
        valid.residentName = name
        valid.residentEmail = email
        valid.residentPhone = phone
        valid.residentAddress = address
        let member = try await fixtures.user("member@demo.test")
        return try await EnquiryWorkflow.create(.init(valid: valid, memberID: try member.requireID(), channel: .portal, submit: submit, submissionKey: nil),
                                                by: try await fixtures.actor("member@demo.test"), at: app.now, on: app.db)
    }

    /// Four residents: two ways of writing Pat Jones's details, a draft about Pat, and Sam Khan.
    struct People {
        let pat: Enquiry, patAgain: Enquiry, patDraft: Enquiry, sam: Enquiry
    }

    static func people(_ app: Application) async throws -> People {
        People(
            pat: try await enquiry(app, subject: "Street light out", name: "Pat Jones", email: "Pat.Jones@Example.com", phone: "01234 567890",
                                   address: "12 Mill Lane\nWrenfield WR1 2AB"),
            patAgain: try await enquiry(app, subject: "Pothole on High Street", name: "Mrs Pat Jones", email: "pj@example.org", phone: "+44 1234 567890",
                                        address: "Flat 3, 4 High Street, Wrenfield, wr12ab"),
            patDraft: try await enquiry(app, subject: "Bins not collected", name: "Jones, Pat", email: nil, phone: nil, address: nil, submit: false),
            sam: try await enquiry(app, subject: "Hedge overgrown", name: "Sam Khan", email: "sam@example.com", phone: "07700 900123",
                                   address: "5 Church Road, Ashby AB1 2CD"))
    }

    static func find(_ values: [Field: String], _ app: Application) async throws -> [UUID: [Field]] {
        let query = try SubjectAccessQuery.parse(values.mapValues { Optional($0) }).get()
        let found = try await SubjectAccessSearch.find(query, on: app.db)
        return Dictionary(uniqueKeysWithValues: found.matches.map { ($0.id, $0.matched) })
    }

    @Test func eachDetailFindsItsEnquiriesInSQLAndSaysWhichMatched() async throws {
        try await withApp { app in
            let people = try await Self.people(app)
            let pat = try people.pat.requireID(), again = try people.patAgain.requireID(), draft = try people.patDraft.requireID()
            let sam = try people.sam.requireID()
            #expect(try await Self.find([.name: "jones PAT"], app) == [pat: [.name], again: [.name], draft: [.name]], "every word, any order, any case; drafts too")
            #expect(try await Self.find([.name: "J_nes"], app) == [:], "an underscore is not a wildcard")
            #expect(try await Self.find([.name: "Pat%"], app) == [:], "nor a percent sign")
            #expect(try await Self.find([.email: "PAT.JONES@example.COM"], app) == [pat: [.email]])
            #expect(try await Self.find([.email: "jones@example.com"], app) == [:], "an email address matches whole")
            #expect(try await Self.find([.phone: "01234-567-890"], app) == [pat: [.phone], again: [.phone]], "digits alone; 0… and +44… alike")
            #expect(try await Self.find([.phone: "+44 (1234) 567890"], app) == [pat: [.phone], again: [.phone]])
            #expect(try await Self.find([.postcode: "wr1 2ab"], app) == [pat: [.postcode], again: [.postcode]], "without case or spaces")
            #expect(try await Self.find([.address: "mill lane 12"], app) == [pat: [.address]])
            #expect(try await Self.find([.address: "wrenfield"], app) == [pat: [.address], again: [.address]], "across the address's lines")
            #expect(try await Self.find([.name: "Sam Khan", .postcode: "WR12AB"], app) == [sam: [.name], pat: [.postcode], again: [.postcode]],
                    "any detail finds an enquiry")
            #expect(try await Self.find([.name: "Pat Jones", .email: "pat.jones@example.com", .phone: "01234567890"], app)
                    == [pat: [.name, .email, .phone], again: [.name, .phone], draft: [.name]])
            // Among given enquiries only: a form naming Sam's enquiry does not bring it into a search for Pat.
            let query = try SubjectAccessQuery.parse([.name: "Pat Jones"]).get()
            #expect(try await SubjectAccessSearch.find(query, among: [pat, sam], on: app.db).matches.map(\.id) == [pat])
            // Newest first, and a bound that says there were more.
            let bounded = try await SubjectAccessSearch.find(query, limit: 2, on: app.db)
            #expect(bounded.matches.map(\.id) == [draft, again] && bounded.more)
        }
    }

    @Test func onlyAdministratorsReachThePage() async throws {
        try await withApp { app in
            for email in ["member@demo.test", "coordinator@demo.test", "responder@demo.test"] {
                let browser = try await TestBrowser(app).signedIn(email)
                #expect(try await browser.get(SubjectAccessRoutes.path).status == .forbidden, "\(email)")
                for step in ["", "/export", "/erase", "/erase/confirm"] {
                    let page = try await browser.post(SubjectAccessRoutes.path + step, [(Field.name.key, "Pat Jones"), ("reason", "test")])
                    #expect(page.status == .forbidden, "\(email) \(step)")
                }
                #expect(try await browser.get("/").body.contains(SubjectAccessRoutes.path) == false, "\(email) is not offered it")
            }
            let signedOut = try await TestBrowser(app).get(SubjectAccessRoutes.path)
            #expect(signedOut.status == .seeOther && signedOut.location?.hasPrefix("/sign-in") == true)
            let admin = try await TestBrowser(app).signedIn("admin@demo.test")
            #expect(try await admin.get("/").body.contains("href=\"\(SubjectAccessRoutes.path)\""), "linked from the administrator's home page")
            let page = try await admin.get(SubjectAccessRoutes.path)
            #expect(page.status == .ok)
            for field in Field.allCases { #expect(page.body.contains("<label class=\"label\" for=\"\(field.key)\">\(field.label)</label>")) }
        }
    }

    @Test func badSearchesAreRefusedWithAnErrorSummaryAndKeptAsTyped() async throws {
        try await withApp { app in
            let admin = try await TestBrowser(app).signedIn("admin@demo.test")
            try await admin.get(SubjectAccessRoutes.path)
            let empty = try await admin.post(SubjectAccessRoutes.path, Field.allCases.map { ($0.key, " ") })
            #expect(empty.status == .unprocessableEntity)
            #expect(empty.mainText.contains("There is a problem") && empty.mainText.contains("Enter at least one of the person's name"))
            #expect(empty.body.contains("<title>Error: "))
            let bad = try await admin.post(SubjectAccessRoutes.path, [
                (Field.name.key, "Pat\u{7}Jones"), (Field.email.key, "pat"), (Field.phone.key, "call me"), (Field.postcode.key, "WR1"),
                (Field.address.key, String(repeating: "a", count: 301)),
            ])
            #expect(bad.status == .unprocessableEntity)
            let text = bad.mainText
            #expect(text.contains("The name must be one line of text, without line breaks, tabs or other control characters"))
            #expect(text.contains("Enter an email address in the correct format"))
            #expect(text.contains("Enter a phone number using digits"))
            #expect(text.contains("Enter a full postcode"))
            #expect(text.contains("The address must be 300 characters or fewer"))
            #expect(bad.body.contains("href=\"#\(Field.postcode.key)\""), "the summary links to the field")
            #expect(bad.body.contains("value=\"WR1\""), "what was typed comes back")
        }
    }

    @Test func theResultsListEachEnquiryWithWhatMatched() async throws {
        try await withApp { app in
            let people = try await Self.people(app)
            let admin = try await TestBrowser(app).signedIn("admin@demo.test")
            try await admin.get(SubjectAccessRoutes.path)
            let page = try await admin.post(SubjectAccessRoutes.path, [(Field.name.key, "Pat Jones"), (Field.postcode.key, "WR1 2AB")])
            #expect(page.status == .ok)
            #expect(page.mainText.contains("3 enquiries found"))
            for enquiry in [people.pat, people.patAgain, people.patDraft] {
                #expect(page.body.contains("value=\"\(try enquiry.requireID().uuidString)\" checked"))
                #expect(page.mainText.contains(enquiry.reference))
            }
            #expect(!page.mainText.contains(people.sam.reference))
            #expect(page.mainText.contains("Name, Postcode") && page.mainText.contains("Draft"))
            #expect(!page.body.contains("href=\"/enquiries/\(try people.patDraft.requireID().uuidString)\""), "a draft is not linked")
            #expect(page.body.contains("type=\"hidden\" name=\"\(Field.postcode.key)\" value=\"WR1 2AB\""), "the search travels with the form")
            let none = try await admin.post(SubjectAccessRoutes.path, [(Field.email.key, "nobody@example.com")])
            #expect(none.mainText.contains("0 enquiries found") && none.mainText.contains("No enquiry's resident matches"))
        }
    }

    /// Pat's enquiry with a conversation and documents: one on the enquiry larger than a stored
    /// chunk, two of the same name, one with a name no file system should take, and one on an
    /// internal note, which a Member does not see.
    static func patWithDocuments(_ app: Application) async throws -> (People, pdf: [UInt8]) {
        let people = try await Self.people(app)
        let fixtures = Fixtures(app: app)
        var pat = try await fixtures.take(people.pat)
        pat = try await fixtures.perform(.postUpdate("We have sent an inspector to Mill Lane."), pat, by: "coordinator@demo.test")
        _ = try await fixtures.perform(.addNote("Officers only: spoke to the lighting team."), pat, by: "coordinator@demo.test")
        let path = "/enquiries/\(try pat.requireID().uuidString)"
        let member = try await TestBrowser(app).signedIn("member@demo.test")
        try await member.get(path)
        let pdf = SampleFiles.pdf(600_000)
        let added = try await member.upload("\(path)/documents", fields: [("attach-to", "enquiry")],
                                            files: [("Site plan.pdf", pdf), ("letter.txt", SampleFiles.text), ("Letter.TXT", Array("second".utf8)),
                                                    ("odd.txt", Array("odd".utf8))])
        #expect(added.status == .seeOther)
        // A name from before the upload rules, or from elsewhere.
        try await app.db.sql.update("documents").set("name", to: "../..\\evil\u{1}\u{202E}txt.exe").where("name", .equal, "odd.txt").run()
        let coordinator = try await TestBrowser(app).signedIn("coordinator@demo.test")
        try await coordinator.get(path)
        let note = try await coordinator.upload("\(path)/act", fields: [("action", "add_note"), ("body", "Internal photo.")],
                                                files: [("internal.txt", Array("officers only".utf8))])
        #expect(note.status == .seeOther)
        return (people, pdf)
    }

    @Test func theDownloadIsAZipOfTheSummaryTheJSONAndTheDocumentsBytes() async throws {
        try await withApp { app in
            let (people, pdf) = try await Self.patWithDocuments(app)
            let admin = try await TestBrowser(app).signedIn("admin@demo.test")
            try await admin.get(SubjectAccessRoutes.path)
            let search = [(Field.name.key, "Pat Jones"), (Field.email.key, "pat.jones@example.com")]
            try await admin.post(SubjectAccessRoutes.path, search)
            // Pat's two enquiries ticked, the draft unticked, and Sam's added to the form by hand.
            let ticked = [people.pat, people.patAgain, people.sam].map { ("enquiries[]", $0.id!.uuidString) }
            let download = try await admin.post("\(SubjectAccessRoutes.path)/export", search + ticked)
            #expect(download.status == .ok)
            #expect(download.headers.first(name: .contentType) == "application/zip")
            let disposition = try #require(download.headers.first(name: .contentDisposition))
            #expect(disposition.range(of: #"^attachment; filename="subject-access-\d{4}-\d{2}-\d{2}-\d{4}\.zip"$"#, options: .regularExpression) != nil, "\(disposition)")
            #expect(download.headers.first(name: .cacheControl) == "no-store")

            let zip = ZipReader(download.bytes)
            #expect(zip.problems == [])
            let reference = people.pat.reference
            let names = zip.entries.map(\.name)
            // The summary and the JSON first; the documents by when they were added, then by name (as the database sorts them).
            #expect(Array(names.prefix(2)) == ["summary.html", "enquiries.json"])
            let documents = Set(names.dropFirst(2))
            #expect(documents.count == 4 && documents.isSuperset(of: ["documents/\(reference)/Site plan.pdf", "documents/\(reference)/_.._evil__txt.exe"]), "\(names)")
            #expect(documents.intersection(["documents/\(reference)/letter.txt", "documents/\(reference)/Letter (2).TXT",
                                            "documents/\(reference)/Letter.TXT", "documents/\(reference)/letter (2).txt"]).count == 2,
                    "two files called letter.txt but for case, made unique: \(names)")
            #expect(zip.entries.allSatisfy { $0.flags & 0x0800 != 0 }, "names are marked UTF-8")
            #expect(zip["documents/\(reference)/Site plan.pdf"]?.bytes == pdf, "the document's exact bytes, from its chunks")
            #expect(Set(zip.entries.filter { $0.name.lowercased().contains("letter") }.map(\.bytes)) == [SampleFiles.text, Array("second".utf8)])
            let python = try ZipReader.python(download.bytes)
            #expect(python.names == names && python.badEntry == nil, "Python's zipfile reads it and every CRC-32 holds")

            let html = String(decoding: try #require(zip["summary.html"]).bytes, as: UTF8.self)
            #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en-GB\">") && html.hasSuffix("</html>\n"))
            #expect(html.contains("<title>Enquiries held by") && html.contains("<style>") && !html.contains("<script") && !html.contains("http"))
            for text in ["Pat Jones", "Pat.Jones@Example.com", "01234 567890", "12 Mill Lane\nWrenfield WR1 2AB", reference, people.patAgain.reference,
                         "We have sent an inspector to Mill Lane.", "href=\"documents/\(reference)/Site%20plan.pdf\""] {
                #expect(html.contains(text), "summary.html holds \(text)")
            }
            for hidden in ["Officers only", "internal.txt", people.sam.reference, people.patDraft.reference] {
                #expect(!html.contains(hidden), "summary.html leaves out \(hidden)")
            }
            let jsonBytes = try #require(zip["enquiries.json"]).bytes
            let json = try #require(try JSONSerialization.jsonObject(with: Data(jsonBytes)) as? [String: Any])
            let enquiries = try #require(json["enquiries"] as? [[String: Any]])
            #expect(enquiries.compactMap { $0["reference"] as? String } == [people.patAgain.reference, reference])
            let first = try #require(enquiries.last)
            #expect((first["resident"] as? [String: Any])?["email"] as? String == "Pat.Jones@Example.com")
            let conversation = try #require(first["conversation"] as? [[String: Any]])
            #expect(conversation.contains { ($0["text"] as? String) == "We have sent an inspector to Mill Lane." })
            #expect(!conversation.contains { ($0["kind"] as? String) == "note" })
            let files = try #require(first["documents"] as? [[String: Any]]).compactMap { $0["file"] as? String }
            #expect(Set(files) == Set(names.dropFirst(2)), "the JSON names each document's place in the archive")

            // The trail records the download without the words searched for.
            let entry = try #require(try await AuditEntry.query(on: app.db).filter(\.$action == "subject_access_export").first())
            #expect(entry.actorID == (try await Fixtures(app: app).user("admin@demo.test")).id && entry.enquiryID == nil)
            #expect(entry.detail.contains("2 enquiries with 4 documents") && entry.detail.contains("found by name and email address"))
            #expect(entry.detail.contains(reference) && entry.detail.contains(people.patAgain.reference) && !entry.detail.contains(people.sam.reference))
            #expect(!entry.detail.contains("Jones") && !entry.detail.lowercased().contains("pat.jones"), "\(entry.detail)")
            guard case .intact = try await AuditTrail.verify(on: app.db) else { Issue.record("the trail no longer verifies"); return }

            // Nothing ticked that the search finds: refused on the page, nothing sent or recorded.
            let nothing = try await admin.post("\(SubjectAccessRoutes.path)/export", search + [("enquiries[]", people.sam.id!.uuidString)])
            #expect(nothing.status == .unprocessableEntity && nothing.mainText.contains("Select at least one enquiry to download"))
            #expect(try await AuditEntry.query(on: app.db).filter(\.$action == "subject_access_export").count() == 1)
        }
    }

    @Test func erasingNeedsAReasonStaysInsideTheSearchAndSaysWhenItWasDoneAlready() async throws {
        try await withApp { app in
            let sqliteFile: String? = if case .sqlite(let path) = app.portal.database { path } else { nil }
            if sqliteFile != nil { _ = try await app.db.sql.raw("PRAGMA journal_mode = WAL").all() }
            let planted = ResidentErasureTests.planted
            let pat = try await Self.enquiry(app, subject: "Street light out", name: "Pat Jones \(planted)", email: "pat.\(planted)@example.com",
                                             phone: "01234 \(planted)", address: "12 Mill Lane \(planted)\nWrenfield WR1 2AB")
            let sam = try await Self.enquiry(app, subject: "Hedge overgrown", name: "Sam Khan", email: "sam@example.com", phone: nil, address: nil)
            let admin = try await TestBrowser(app).signedIn("admin@demo.test")
            try await admin.get(SubjectAccessRoutes.path)
            let search = [(Field.postcode.key, "WR1 2AB")]
            try await admin.post(SubjectAccessRoutes.path, search)
            // Sam's enquiry added to the form by hand is not offered, nor erased.
            let chosen = [pat, sam].map { ("enquiries[]", $0.id!.uuidString) }
            let confirm = try await admin.post("\(SubjectAccessRoutes.path)/erase", search + chosen)
            #expect(confirm.status == .ok)
            #expect(confirm.mainText.contains("Erase the resident's personal data from 1 enquiry") && confirm.mainText.contains("This cannot be undone"))
            #expect(confirm.mainText.contains(pat.reference) && !confirm.mainText.contains(sam.reference))
            #expect(confirm.body.contains("<label class=\"label\" for=\"reason\">"))

            let refused = try await admin.post("\(SubjectAccessRoutes.path)/erase/confirm", search + chosen + [("reason", "  ")])
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.mainText.contains("There is a problem") && refused.mainText.contains("Enter the reason for erasing"))
            #expect(refused.body.contains("href=\"#reason\""))
            #expect(try await Enquiry.find(pat.id, on: app.db)?.residentName == "Pat Jones \(planted)", "nothing erased without a reason")
            let twoLines = try await admin.post("\(SubjectAccessRoutes.path)/erase/confirm", search + chosen + [("reason", "one\ntwo")])
            #expect(twoLines.status == .unprocessableEntity && twoLines.mainText.contains("on one line"))

            let done = try await admin.post("\(SubjectAccessRoutes.path)/erase/confirm", search + chosen + [("reason", "Erasure request of 3 March")])
            #expect(done.status == .seeOther && done.location == SubjectAccessRoutes.path)
            let after = try await admin.get(SubjectAccessRoutes.path)
            #expect(after.mainText.contains("The resident's personal data has been erased from 1 enquiry: \(pat.reference)."), "\(after.mainText)")
            #expect(after.mainText.contains("1 enquiry no longer matches the search and was left alone."))
            let erased = try #require(try await Enquiry.find(pat.id, on: app.db))
            #expect(erased.residentName == nil && erased.residentEmail == nil && erased.residentPhone == nil && erased.residentAddress == nil)
            #expect(erased.details.hasSuffix("Erasure request of 3 March"))
            #expect(try await ResidentErasureTests.whereFound(planted, app) == [], "the planted string is nowhere")
            for file in sqliteFile.map({ [$0, $0 + "-wal"] }) ?? [] {
                #expect((FileManager.default.contents(atPath: file) ?? Data()).range(of: Data(planted.utf8)) == nil, "nor in \(file), byte for byte")
            }
            let untouched = try #require(try await Enquiry.find(sam.id, on: app.db))
            #expect(untouched.residentName == "Sam Khan" && untouched.residentEmail == "sam@example.com")

            // Pressed again (the back button): harmless, and it says so.
            let again = try await admin.post("\(SubjectAccessRoutes.path)/erase/confirm", search + [("enquiries[]", pat.id!.uuidString), ("reason", "Again")])
            #expect(again.status == .seeOther)
            let said = try await admin.get(SubjectAccessRoutes.path)
            #expect(said.mainText.contains("Nothing more to erase: the personal data of this enquiry had already been erased."), "\(said.mainText)")

            let entries = try await AuditEntry.query(on: app.db).filter(\.$action ~~ ["subject_access_erasure", "erase_resident_data"]).all()
            #expect(entries.filter { $0.action == "erase_resident_data" }.map(\.enquiryID) == [pat.id])
            let whole = try #require(entries.first { $0.action == "subject_access_erasure" })
            #expect(whole.detail.contains("from 1 enquiry") && whole.detail.contains("found by postcode") && whole.detail.contains(pat.reference))
            #expect(!whole.detail.contains("WR1") && !whole.detail.contains(planted))
            guard case .intact = try await AuditTrail.verify(on: app.db) else { Issue.record("the trail no longer verifies"); return }
        }
    }
}
