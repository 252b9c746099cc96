import Fluent
import Foundation
import PortalCore
@testable import PortalServer
import SQLKit
import Testing
import Vapor

/// Search on the database the suite runs on (SQLite FTS5 or PostgreSQL tsvector): the index in
/// step with every change, stemming and marking, the access policy on results, counts and
/// exports, filters, saved searches and the CSV.
@Suite struct SearchTests {
    func viewer(_ fixtures: Fixtures, _ email: String, _ scope: SearchScope) async throws -> EnquirySearch.Viewer {
        let actor = try await fixtures.actor(email)
        return EnquirySearch.Viewer(access: actor.viewer, scope: scope)
    }

    func find(_ app: Application, _ fields: [String: String], as viewer: EnquirySearch.Viewer) async throws -> EnquirySearch.Results {
        let (criteria, errors) = SearchCriteria.parse(fields)
        #expect(errors.isEmpty)
        let data = try await ReferenceData.load(on: app.db)
        let clock = try await ServiceLevelSettings.load(on: app.db).clock
        return try await EnquirySearch.search(criteria, viewer: viewer, data: data, clock: clock, now: app.now, on: app.db) { _ in
            try await PeopleDirectory.load(on: app.db)
        }
    }

    func references(_ results: EnquirySearch.Results) -> Set<String> { Set(results.hits.map(\.row.reference)) }

    @Test func theIndexFollowsEveryChangeInItsOwnTransaction() async throws {
        try await withApp { app in
            let fixtures = Fixtures(app: app)
            let officer = try await viewer(fixtures, "coordinator@demo.test", .officer)
            let member = try await viewer(fixtures, "member@demo.test", .mine)
            var enquiry = try await fixtures.submitted(subject: "Collapsed culvert under the bridleway")
            #expect(references(try await find(app, ["q": "culvert"], as: officer)) == [enquiry.reference])
            #expect(references(try await find(app, ["q": "culvert"], as: member)) == [enquiry.reference])

            enquiry = try await fixtures.take(enquiry)
            enquiry = try await fixtures.perform(.editDetails(try await fixtures.valid(subject: "Collapsed drain under the bridleway")),
                                                 enquiry, by: "coordinator@demo.test")
            #expect(try await find(app, ["q": "culvert"], as: officer).total == 0, "the old words are gone")
            #expect(references(try await find(app, ["q": "drain bridleway"], as: officer)) == [enquiry.reference])

            enquiry = try await fixtures.perform(.addNote("Landowner disputes the easement."), enquiry, by: "coordinator@demo.test")
            #expect(references(try await find(app, ["q": "easement"], as: officer)) == [enquiry.reference], "officers search notes")
            #expect(try await find(app, ["q": "easement"], as: member).total == 0, "Members never search notes")

            enquiry = try await fixtures.perform(.postUpdate("Jetting crew booked."), enquiry, by: "coordinator@demo.test")
            #expect(references(try await find(app, ["q": "jetting"], as: member)) == [enquiry.reference], "Members search updates")

            // The audit trail's table taken away: the change fails after its entry is written, and
            // everything it wrote goes with it.
            try await app.db.sql.raw("ALTER TABLE audit_entries RENAME TO audit_entries_away").run()
            await #expect(throws: (any Error).self) {
                _ = try await fixtures.perform(.postUpdate("Tarmacadam ordered."), enquiry, by: "coordinator@demo.test")
            }
            try await app.db.sql.raw("ALTER TABLE audit_entries_away RENAME TO audit_entries").run()
            #expect(try await EnquiryEntry.query(on: app.db).filter(\.$body == "Tarmacadam ordered.").count() == 0)
            #expect(try await find(app, ["q": "tarmacadam"], as: officer).total == 0, "a rolled-back change leaves nothing in the index")
        }
    }

    @Test func stemmingPhrasesRankingAndMarkedWords() async throws {
        try await withApp { app in
            let fixtures = Fixtures(app: app)
            let officer = try await viewer(fixtures, "admin@demo.test", .officer)
            let flooded = try await fixtures.submitted(subject: "Road flooded at the ford")
            let detail = try await fixtures.submitted(subject: "Ford crossing sign missing")
            let found = try await find(app, ["q": "flooding ford"], as: officer)
            #expect(references(found) == [flooded.reference], "flooding finds flooded; every word is required")
            let hit = try #require(found.hits.first)
            #expect(hit.subject?.runs == ["Road ", "flooded", " at the ", "ford", ""], "the matched words are marked, the reference is not")

            let ranked = try await find(app, ["q": "ford"], as: officer)
            #expect(Set(ranked.hits.prefix(2).map(\.row.reference)) == [flooded.reference, detail.reference])
            #expect(try await find(app, ["q": "ford", "sort": "newest"], as: officer).hits.map(\.row.reference) == [detail.reference, flooded.reference])
            #expect(try await find(app, ["q": "ford", "sort": "oldest"], as: officer).hits.map(\.row.reference) == [flooded.reference, detail.reference])
            // Words that match many enquiries take another plan on PostgreSQL, with the same results.
            let clock = try await ServiceLevelSettings.load(on: app.db).clock
            for sort in ["relevance", "newest", "oldest"] {
                let criteria = SearchCriteria.parse(["q": "ford", "sort": sort]).criteria
                let usual = try await EnquirySearch.page(criteria, viewer: officer, clock: clock, now: app.now, on: app.db).map(\.id)
                let dense = try await EnquirySearch.page(criteria, viewer: officer, clock: clock, now: app.now, on: app.db, dense: true).map(\.id)
                #expect(usual == dense && usual.count == 2, "\(sort)")
            }
            #expect(references(try await find(app, ["q": "\"sign missing\""], as: officer)) == [detail.reference])
            #expect(try await find(app, ["q": "\"missing sign\""], as: officer).total == 0, "a phrase keeps its order")
            #expect(references(try await find(app, ["q": flooded.reference.lowercased()], as: officer)) == [flooded.reference])

            let page = try await TestBrowser(app).signedIn("admin@demo.test").get("/search?q=flooding+ford")
            #expect(page.body.contains("Road <mark>flooded</mark> at the <mark>ford</mark>"))
            let hostile = try await TestBrowser(app).signedIn("admin@demo.test").get("/search?q=%22%29+OR+*+%7Bofficer_text%7D+%3A+%27")
            #expect(hostile.status == .ok, "nothing typed breaks the query")
        }
    }

    @Test func theCountAndPageAgreeWithCountingAndPagingApart() async throws {
        try await withApp { app in
            try await DemoEnquiries.load(on: app.db, at: app.now)
            let officer = try await viewer(Fixtures(app: app), "admin@demo.test", .officer)
            let clock = try await ServiceLevelSettings.load(on: app.db).clock
            var checked = 0
            for fields in [["q": "road"], ["q": "road", "status": "closed"], ["q": "road", "status": "draft"]] {
                let criteria = SearchCriteria.parse(fields).criteria
                let counted = try await EnquirySearch.matching(criteria, viewer: officer, clock: clock, now: app.now, on: app.db)
                    .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "total").first()?.decode(column: "total", as: Int.self) ?? -1
                if fields["status"] == "draft" { #expect(counted == 0, "officers never find drafts") } else { #expect(counted > 0) }
                let pages = (counted + EnquirySearch.pageSize - 1) / EnquirySearch.pageSize
                for sort in ["relevance", "newest", "oldest"] {
                    var seen: [UUID] = []
                    for page in 1...(pages + 1) {
                        let asked = fields.merging(["sort": sort, "page": String(page)]) { $1 }
                        let results = try await find(app, asked, as: officer)
                        #expect(results.total == counted && !results.capped, "\(asked)")
                        let apart = try await EnquirySearch.page(SearchCriteria.parse(asked).criteria, viewer: officer, clock: clock, now: app.now, on: app.db)
                        #expect(results.hits.map(\.row.id) == apart.map(\.id), "\(asked)")
                        seen += results.hits.map(\.row.id)
                        checked += 1
                    }
                    #expect(seen.count == counted && Set(seen).count == counted, "every match once, over every page: \(fields) \(sort)")
                }
            }
            #expect(checked > 20)
        }
    }

    @Test func theAccessPolicyAppliesToEveryResultCountAndExport() async throws {
        try await withApp { app in
            let fixtures = Fixtures(app: app)
            let member = try await fixtures.user("member@demo.test")
            // The demo's own enquiries, and one of another Member, one in another area, and a draft.
            let own = try await fixtures.submitted(subject: "Verge parking damage")
            let otherMember = try await fixtures.user("bethan.rees@demo.test")
            let theirs = try await EnquiryWorkflow.create(
                .init(valid: try await fixtures.valid(subject: "Verge parking on the green"), memberID: otherMember.requireID(), channel: .phone,
                      submit: true, submissionKey: nil), by: try await fixtures.actor("coordinator@demo.test"), at: app.now, on: app.db)
            let elsewhere = try await EnquiryWorkflow.create(
                .init(valid: try await fixtures.valid(subject: "Verge parking near the library", area: "Libraries & Learning"),
                      memberID: member.requireID(), channel: .portal, submit: true, submissionKey: nil),
                by: try await fixtures.actor("member@demo.test"), at: app.now, on: app.db)
            let draft = try await fixtures.submitted(subject: "Verge parking draft", submit: false)

            let mine = try await find(app, ["q": "verge parking"], as: try await viewer(fixtures, "member@demo.test", .mine))
            #expect(references(mine) == [own.reference, elsewhere.reference, draft.reference], "a Member's own, their draft included")
            #expect(mine.total == 3)
            let highways = try await find(app, ["q": "verge parking"], as: try await viewer(fixtures, "coordinator@demo.test", .officer))
            #expect(references(highways) == [own.reference, theirs.reference], "a co-ordinator's areas, no drafts")
            let admin = try await find(app, ["q": "verge parking"], as: try await viewer(fixtures, "admin@demo.test", .officer))
            #expect(references(admin) == [own.reference, theirs.reference, elsewhere.reference])
            let responder = try await find(app, ["q": "verge parking"], as: try await viewer(fixtures, "responder@demo.test", .asked))
            #expect(responder.total == 0, "a responder sees only what they were asked about")
            _ = try await fixtures.ask(try await fixtures.take(own))
            #expect(references(try await find(app, ["q": "verge"], as: try await viewer(fixtures, "responder@demo.test", .asked))) == [own.reference])

            // The page and the export hold to the same policy, whatever the address asks for.
            let browser = try await TestBrowser(app).signedIn("member@demo.test")
            let page = try await browser.get("/search?q=verge+parking&scope=officer")
            #expect(page.mainText.contains("3 enquiries found") && !page.body.contains(theirs.reference))
            let csv = try await browser.get("/search/export.csv?q=verge+parking&scope=officer")
            #expect(csv.headers.first(name: .contentType) == "text/csv; charset=utf-8")
            let lines = csv.body.split(separator: "\r\n")
            #expect(lines.count == 4, "a header and three rows")
            #expect(!csv.body.contains(theirs.reference) && !csv.body.contains("Pat Jones"), "no one else's enquiry, no resident details")
        }
    }

    @Test func filtersNarrowAndBadInputIsExplained() async throws {
        try await withApp { app in
            try await DemoEnquiries.load(on: app.db, at: app.now)
            let fixtures = Fixtures(app: app)
            let admin = try await viewer(fixtures, "admin@demo.test", .officer)
            let all = try await find(app, [:], as: admin).total
            #expect(all > 250, "the demo's enquiries")
            let highways = try await fixtures.area("Highways")
            let inHighways = try await find(app, ["area": highways.uuidString], as: admin).total
            #expect(inHighways > 0 && inHighways < all)
            let closed = try await find(app, ["area": highways.uuidString, "status": "closed"], as: admin)
            #expect(closed.total > 0 && closed.total < inHighways)
            #expect(closed.hits.allSatisfy { $0.row.status == .closed && $0.row.serviceArea == "Highways" })
            let overdue = try await find(app, ["deadline": "overdue"], as: admin)
            #expect(overdue.total > 0 && overdue.hits.allSatisfy { $0.row.deadline?.standing.isOverdue == true })

            let clock = try await ServiceLevelSettings.load(on: app.db).clock
            let today = clock.localDate(of: app.now)
            let monthAgo = CivilDate(dayNumber: today.dayNumber - 30)
            let recent = try await find(app, ["raised-from": monthAgo.iso], as: admin)
            #expect(recent.total > 0 && recent.total < all)
            #expect(recent.hits.allSatisfy { clock.localDate(of: $0.raisedAt) >= monthAgo })
            let phone = try await find(app, ["channel": "phone"], as: admin)
            #expect(phone.total > 0 && phone.total < all)

            // Pages of 25, in a shareable address.
            let browser = try await TestBrowser(app).signedIn("admin@demo.test")
            let second = try await browser.get("/search?area=\(highways.uuidString)&page=2")
            #expect(second.mainText.contains("Showing 26 to 50"))
            let bad = try await browser.get("/search?raised-from=31%2F02%2F2026&status=lost")
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.body.contains("class=\"error-summary\""))
            #expect(bad.mainText.contains("Enter the raised from date as a real date") && bad.mainText.contains("Choose a status from the list"))
        }
    }

    /// Enquiries about an asset: found by its id (in any case, whole) and by the words of its
    /// label, under the same access rule; shown with the asset in the search results, the queue
    /// and the Member's list.
    @Test func anEnquiryIsFoundByItsAssetAndListedWithIt() async throws {
        try await withApp { app in
            let fixtures = Fixtures(app: app)
            _ = try await AssetImport.run(Data("""
                id,type,label,easting,northing
                SL-010023,street light,"Street light SL-010023, Mill Lane",385000,255000
                GY-0042,gully,Gully by the old forge,385200,255000
                """.utf8), layer: AssetImport.Layer(code: "assets", name: "Assets", noun: "asset"), on: app.db)
            let member = try await fixtures.user("member@demo.test")
            func raise(_ subject: String, on reference: String) async throws -> Enquiry {
                var valid = try await fixtures.valid(subject: subject)
                let row = try #require(try await app.db.sql.select().column("layer_id").from("assets").where("reference", .equal, reference).first())
                valid.asset = try #require(try await Places.asset("\(try row.decode(column: "layer_id", as: UUID.self).uuidString)/\(reference)", on: app.db))
                valid.point = valid.asset?.point
                return try await EnquiryWorkflow.create(.init(valid: valid, memberID: member.requireID(), channel: .portal, submit: true, submissionKey: nil),
                                                        by: try await fixtures.actor("member@demo.test"), at: app.now, on: app.db)
            }
            let light = try await raise("Lamp flickers all night", on: "SL-010023")
            let gully = try await raise("Water standing after rain", on: "GY-0042")
            let plain = try await fixtures.submitted(subject: "Pothole by the green")

            let admin = try await viewer(fixtures, "admin@demo.test", .officer)
            #expect(references(try await find(app, ["asset": "sl-010023"], as: admin)) == [light.reference], "in any case")
            #expect(references(try await find(app, ["asset": "GY-0042"], as: admin)) == [gully.reference])
            #expect(try await find(app, ["asset": "SL-01002"], as: admin).total == 0, "the whole id, not a part of it")
            #expect(references(try await find(app, ["q": "SL-010023"], as: admin)) == [light.reference], "the id is in the index")
            #expect(references(try await find(app, ["q": "forge"], as: admin)) == [gully.reference], "and so is the label")
            #expect(references(try await find(app, ["q": "forge"], as: try await viewer(fixtures, "member@demo.test", .mine))) == [gully.reference])
            #expect(try await find(app, ["asset": "SL-010023"], as: try await viewer(fixtures, "bethan.rees@demo.test", .mine)).total == 0,
                    "another Member does not find it")
            let hit = try #require(try await find(app, ["asset": "SL-010023"], as: admin).hits.first)
            #expect(hit.row.asset == "Street light SL-010023, Mill Lane", "a label that gives the id is shown alone")
            #expect(try await find(app, ["asset": "GY-0042"], as: admin).hits.first?.row.asset == "Gully by the old forge (GY-0042)")
            if !EnquirySearch.isPostgres(app.db) {
                let criteria = SearchCriteria.parse(["asset": "SL-010023"]).criteria
                let clock = try await ServiceLevelSettings.load(on: app.db).clock
                let select = EnquirySearch.matching(criteria, viewer: admin, clock: clock, now: app.now, on: app.db).column(EnquirySearch.column("id"))
                let plan = try await app.db.sql.raw("EXPLAIN QUERY PLAN \(select.select)").all().map { try $0.decode(column: "detail", as: String.self) }
                #expect(plan.contains { $0.contains("enquiries_asset") }, "the filter reads its index: \(plan)")
            }

            let browser = try await TestBrowser(app).signedIn("admin@demo.test")
            let results = try await browser.get("/search?asset=sl-010023")
            #expect(results.mainText.contains("1 enquiry found"))
            #expect(results.mainText.contains("Street light SL-010023, Mill Lane"))
            #expect(results.body.contains(#"id="asset""#) && results.body.contains(#"value="sl-010023""#), "the filter keeps what was typed")
            let queue = try await browser.get("/queue")
            #expect(queue.mainText.contains("Lamp flickers all night Street light SL-010023, Mill Lane"))
            #expect(queue.mainText.contains("Gully by the old forge (GY-0042)"))
            #expect(queue.mainText.contains(plain.subject))
            let dashboard = try await TestBrowser(app).signedIn("member@demo.test")
            #expect(try await dashboard.get("/enquiries").mainText.contains("Water standing after rain Gully by the old forge (GY-0042)"))
            let bad = try await browser.get("/search?asset=SL%0A010023")
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.mainText.contains("An asset's id must be one line of text"))
            let long = try await browser.get("/search?asset=\(String(repeating: "X", count: 101))")
            #expect(long.status == .unprocessableEntity && long.mainText.contains("100 characters or fewer"))
        }
    }

    @Test func savedSearchesBelongToTheirOwner() async throws {
        try await withApp { app in
            let browser = try await TestBrowser(app).signedIn("coordinator@demo.test")
            _ = try await browser.get("/search?q=gully&sort=newest")
            let saved = try await browser.post("/search/saved", [("name", "Gullies"), ("query", "q=gully&sort=newest")])
            #expect(saved.status == .seeOther && saved.location == "/search?q=gully&sort=newest")
            let page = try await browser.get("/search")
            #expect(page.body.contains("<a href=\"/search?q=gully&amp;sort=newest\">Gullies</a>"))
            let id = try #require(try await SavedSearches.list(for: try await Fixtures(app: app).user("coordinator@demo.test").requireID(), on: app.db).first?.id)

            let other = try await TestBrowser(app).signedIn("member@demo.test")
            _ = try await other.get("/search")
            #expect(!other.lastPage.contains("Gullies"))
            _ = try await other.post("/search/saved/\(id.uuidString)/remove", [])
            #expect(try await SavedSearches.list(for: try await Fixtures(app: app).user("coordinator@demo.test").requireID(), on: app.db).count == 1,
                    "someone else cannot remove it")
            _ = try await browser.get("/search")
            _ = try await browser.post("/search/saved/\(id.uuidString)/remove", [])
            #expect(try await browser.get("/search").body.contains("Gullies") == false)
            _ = try await browser.get("/search")
            let blank = try await browser.post("/search/saved", [("name", " "), ("query", "q=gully")])
            #expect(blank.status == .seeOther)
            #expect(try await SavedSearches.list(for: try await Fixtures(app: app).user("coordinator@demo.test").requireID(), on: app.db).isEmpty)
        }
    }

    @Test func theExportHoldsEveryRowOfTheSearchSafely() async throws {
        try await withApp { app in
            try await DemoEnquiries.load(on: app.db, at: app.now)
            let fixtures = Fixtures(app: app)
            _ = try await fixtures.submitted(subject: "=HYPERLINK(\"http://bad.example\",\"click\"), with \"quotes\"")
            let browser = try await TestBrowser(app).signedIn("admin@demo.test")
            let csv = try await browser.get("/search/export.csv")
            #expect(csv.headers.first(name: .contentDisposition)?.contains("attachment; filename=\"enquiries-") == true)
            let lines = csv.body.components(separatedBy: "\r\n").filter { !$0.isEmpty }
            let total = try await find(app, [:], as: try await viewer(fixtures, "admin@demo.test", .officer)).total
            #expect(lines.count == total + 1, "every row of the search, across batches")
            #expect(lines[0].hasPrefix("\u{FEFF}Reference,Raised,Status"))
            #expect(csv.body.contains(",\"'=HYPERLINK(\"\"http://bad.example\"\",\"\"click\"\"), with \"\"quotes\"\"\","),
                    "a formula is defused and quotes are doubled")
            #expect(Set(lines.dropFirst().map { $0.prefix(13) }).count == total, "each enquiry once")

            // Batch by batch, each row exactly once, newest first.
            var seen: [SearchExport.Row] = []
            try await SearchExport.forEachBatch(SearchCriteria(), viewer: try await viewer(fixtures, "admin@demo.test", .officer),
                                                clock: try await ServiceLevelSettings.load(on: app.db).clock, now: app.now, on: app.db, batch: 7) { rows in
                #expect(rows.count <= 7)
                seen += rows
            }
            #expect(seen.count == total && Set(seen.map(\.id)).count == total)
            #expect(zip(seen, seen.dropFirst()).allSatisfy { $0.created_at >= $1.created_at })
        }
    }
}
