import Fluent
import Foundation
import PortalCore
@testable import PortalServer
import SQLKit
import Testing
import Vapor

/// Terms of office and elections decide who holds the Member role; a Member shares an enquiry
/// read-only with Members of their division or party, and the share ends with the other's term.
@Suite struct TermsAndSharingTests {
    func userID(_ email: String, on db: any Database) async throws -> UUID {
        try #require(try await User.query(on: db).filter(\.$email == email).first()?.id)
    }

    func setTerm(_ email: String, starts: String? = nil, ends: String? = nil, app: Application) async throws {
        let id = try await userID(email, on: app.db)
        try await app.db.sql.update(User.schema).set("term_starts_on", to: starts).set("term_ends_on", to: ends).where("id", .equal, id).run()
        app.sessionCache.changed(id)
    }

    @Test func aMemberSeesNothingOutsideTheirTerm() async throws {
        try await withApp { app in
            let enquiry = try await Fixtures(app: app).submitted()
            let path = "/enquiries/\(enquiry.id!.uuidString)"
            let signedIn = try await TestBrowser(app).signedIn("member@demo.test")
            #expect(try await signedIn.get(path).status == .ok)

            // The term ended yesterday (the tests' day is Wednesday 17 June 2026).
            try await setTerm("member@demo.test", ends: "2026-06-16", app: app)
            #expect(try await signedIn.get(path).status == .notFound, "a session from before the end sees nothing")
            let dashboard = try await signedIn.get("/enquiries")
            #expect(!dashboard.body.contains(enquiry.reference))
            let refused = try await TestBrowser(app).signIn("member@demo.test")
            #expect(refused.status == .forbidden && refused.mainText.contains("Your term of office as a Member ended on Tuesday 16 June 2026"))

            // A term that has not begun yet.
            try await setTerm("member@demo.test", starts: "2026-06-18", app: app)
            let early = try await TestBrowser(app).signIn("member@demo.test")
            #expect(early.status == .forbidden && early.mainText.contains("has not begun yet"))

            // Today is the first day of the term.
            try await setTerm("member@demo.test", starts: "2026-06-17", ends: "2030-05-05", app: app)
            #expect(try await signedIn.get(path).status == .ok)

            // The user form sets the term, and refuses one that ends before it starts.
            let admin = try await TestBrowser(app).signedIn("admin@demo.test")
            let memberID = try await userID("member@demo.test", on: app.db)
            let form = try await admin.get("/admin/users/\(memberID.uuidString)")
            #expect(form.body.contains("name=\"term-starts\"") && form.body.contains("value=\"2026-06-17\""))
        }
    }

    @Test func aMemberOutOfOfficeHearsNothing() async throws {
        try await withApp { app in
            let f = Fixtures(app: app)
            let taken = try await f.take(try await f.submitted())
            let member = try await userID("member@demo.test", on: app.db)
            func notices() async throws -> Int {
                try await app.db.sql.select().column("id").from("notifications").where("user_id", .equal, member)
                    .where("enquiry_id", .equal, taken.id!).all().count
            }
            let updated = try await f.perform(.postUpdate("The survey is booked."), taken, by: "coordinator@demo.test")
            #expect(try await notices() == 1)
            try await setTerm("member@demo.test", ends: "2026-06-16", app: app)
            _ = try await f.perform(.postUpdate("The survey is done."), updated, by: "coordinator@demo.test")
            #expect(try await notices() == 1, "no notification, and so no email, once the term has ended")
        }
    }

    @Test func recordingAnElectionEndsTheTermsOfThoseLeaving() async throws {
        try await withApp { app in
            let admin = try await TestBrowser(app).signedIn("admin@demo.test")
            let leaving = try await userID("bethan.rees@demo.test", on: app.db)
            let members = try await Elections.members(on: app.db)
            #expect(members.count >= 12)
            // A newly elected Member, whose term begins with the new one.
            try await setTerm("david.okafor@demo.test", starts: "2026-07-06", app: app)

            let missing = try await admin.post("/admin/elections", [("polling-day", "2026-07-02"), ("term-starts", "2026-07-06")])
            #expect(missing.status == .unprocessableEntity && missing.mainText.contains("Say whether Cllr Alex Morgan returned or is leaving office"))
            let backwards = try await admin.post("/admin/elections", [("polling-day", "2026-07-02"), ("term-starts", "2026-07-01")])
            #expect(backwards.mainText.contains("The new term begins after polling day"))
            #expect(try await count("elections", on: app.db) == 0, "nothing recorded")

            var fields = [("polling-day", "2026-07-02"), ("term-starts", "2026-07-06")]
            for member in members where member.id != (try await userID("david.okafor@demo.test", on: app.db)) {
                fields.append(("outcome-\(member.id.uuidString)", member.id == leaving ? "leaving" : "returned"))
            }
            let recorded = try await admin.post("/admin/elections", fields)
            #expect(recorded.status == .seeOther)
            let page = try await admin.get("/admin/elections")
            #expect(page.mainText.contains("Thursday 2 July 2026"))
            let bethan = try #require(try await User.find(leaving, on: app.db))
            #expect(bethan.termEndsOn == "2026-07-05", "in office until the day before the new term")
            let outcomes = try await app.db.sql.select().columns("outcome").from("election_members").all()
                .map { try $0.decode(column: "outcome", as: String.self) }
            #expect(outcomes.filter { $0 == "leaving" }.count == 1 && outcomes.filter { $0 == "elected" }.count == 1)
            #expect(outcomes.filter { $0 == "returned" }.count == members.count - 2)
            let audit = try await app.db.sql.select().column("changes").from("audit_entries").where("action", .equal, "election_recorded").all()
            let changes = try audit.map { try $0.decode(column: "changes", as: String.self) }
            #expect(changes.count == 1 && changes[0].contains("Cllr Bethan Rees"))
        }
    }

    @Test func aMemberSharesWithinTheirDivisionOrPartyAndNeverBeyond() async throws {
        try await withApp { app in
            let f = Fixtures(app: app)
            let enquiry = try await f.submitted()
            let path = "/enquiries/\(enquiry.id!.uuidString)"
            let owner = try await TestBrowser(app).signedIn("member@demo.test")
            let admin = try await TestBrowser(app).signedIn("admin@demo.test")

            // The Green Party: Alex Morgan (the owner) and David Okafor, of another division.
            #expect(try await admin.post("/admin/elections/parties", [("name", "Green Party")]).status == .seeOther)
            #expect(try await admin.post("/admin/elections/parties", [("name", "green party")]).mainText.contains("already on the list"))
            let party = try #require(try await Parties.all(on: app.db).first)
            for email in ["member@demo.test", "david.okafor@demo.test"] {
                try await app.db.sql.update(User.schema).set("party_id", to: party.id).where("id", .equal, try await userID(email, on: app.db)).run()
            }
            let david = try await userID("david.okafor@demo.test", on: app.db)
            let bethan = try await userID("bethan.rees@demo.test", on: app.db)

            let page = try await owner.get(path)
            #expect(page.mainText.contains("Share with another Member") && page.body.contains(david.uuidString) && !page.body.contains(bethan.uuidString),
                    "only Members of the division or party are offered")
            let beyond = try await owner.post("\(path)/sharing", [("member", bethan.uuidString)])
            #expect(beyond.status == .seeOther)
            #expect(try await count("enquiry_shares", on: app.db) == 0, "another division, another party: refused")
            #expect(try await owner.post("\(path)/sharing", [("member", david.uuidString)]).status == .seeOther)
            #expect(try await owner.post("\(path)/sharing", [("member", david.uuidString)]).status == .seeOther)
            #expect(try await count("enquiry_shares", on: app.db) == 1, "sharing twice shares once")

            let reader = try await TestBrowser(app).signedIn("david.okafor@demo.test")
            let shared = try await reader.get(path)
            #expect(shared.status == .ok && shared.mainText.contains("Cllr Alex Morgan shared this enquiry with you"))
            #expect(!shared.mainText.contains("What you can do"), "read only: no actions")
            let acted = try await reader.post("\(path)/act", [("action", "close"), ("body", "")])
            #expect(acted.status == .forbidden || acted.status == .notFound)
            #expect(try await Enquiry.find(enquiry.id, on: app.db)?.status == .submitted)
            #expect(try await reader.post("\(path)/sharing", [("member", bethan.uuidString)]).status == .forbidden, "only its Member shares it")
            let tab = try await reader.get("/enquiries?tab=shared")
            #expect(tab.mainText.contains("Shared with you (1)") && tab.body.contains(enquiry.reference))
            // Completed, it waits for its own Member's word, not the reader's.
            try await app.db.sql.update(Enquiry.schema).set("status", to: EnquiryStatus.completed.rawValue).set("follow_up_until", to: "2026-06-24")
                .where("id", .equal, enquiry.id!).run()
            let waiting = try await reader.get("/enquiries?tab=shared").mainText
            #expect(waiting.contains("unless its Member confirms or reopens it") && !waiting.contains("unless you confirm"))
            try await app.db.sql.update(Enquiry.schema).set("status", to: EnquiryStatus.submitted.rawValue).set("follow_up_until", to: SQLLiteral.null)
                .where("id", .equal, enquiry.id!).run()
            let other = try await TestBrowser(app).signedIn("bethan.rees@demo.test")
            #expect(try await other.get(path).status == .notFound)
            let officer = try await TestBrowser(app).signedIn("coordinator@demo.test")
            #expect(try await officer.get(path).mainText.contains("Shared with Cllr David Okafor"))

            // The share ends with David's term, though the row remains until the handover.
            try await setTerm("david.okafor@demo.test", ends: "2026-06-16", app: app)
            #expect(try await reader.get(path).status == .notFound)
            try await setTerm("david.okafor@demo.test", app: app)
            #expect(try await reader.get(path).status == .ok)

            // The owner stops sharing.
            #expect(try await owner.post("\(path)/sharing/\(david.uuidString)/stop", []).status == .seeOther)
            #expect(try await reader.get(path).status == .notFound)
            let audit = try await app.db.sql.select().column("action").from("audit_entries").where("enquiry_id", .equal, enquiry.id!)
                .all().map { try $0.decode(column: "action", as: String.self) }
            #expect(audit.filter { $0 == "share" }.count == 1 && audit.filter { $0 == "unshare" }.count == 1)
            #expect(try await AuditTrail.verify(on: app.db) == .intact(entries: try await count("audit_entries", on: app.db)))
        }
    }
}
