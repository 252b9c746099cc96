import Fluent
import Foundation
import PortalCore
@testable import PortalServer
import SQLKit
import Testing
import Vapor

/// The heat map on the demo council's casework: its counts by district, division and parish agree
/// with the enquiries themselves and with search under every filter, rates per 1,000 residents
/// follow the populations, the page's table and its CSV hold the same figures, the map reads
/// without colour, and only co-ordinators and administrators see it.
@Suite struct HeatMapTests {
    let reports = ReportTests()

    /// The place of this kind an enquiry is filed under.
    func place(_ enquiry: Enquiry, _ kind: PlaceIndex.Kind) -> UUID? {
        switch kind {
        case .district: enquiry.$district.id
        case .division: enquiry.$division.id
        case .parish: enquiry.$parish.id
        }
    }

    /// The table's rows as the page shows them, each as its cells' text.
    func tableRows(_ body: String) -> [[String]] {
        guard let start = body.range(of: "<tbody>"), let end = body.range(of: "</tbody>", range: start.upperBound..<body.endIndex) else { return [] }
        return body[start.upperBound..<end.lowerBound].components(separatedBy: "</tr>").dropLast().map { row in
            row.components(separatedBy: "</t").dropLast().map { cell in
                String(cell[(cell.lastIndex(of: ">").map(cell.index(after:)) ?? cell.startIndex)...])
                    .replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&amp;", with: "&")
            }
        }
    }

    @Test func countsByDistrictDivisionAndParishAgreeWithTheEnquiriesMade() async throws {
        try await withApp { app in
            try await DemoEnquiries.load(on: app.db, at: app.now)
            // Three enquiries with no division or parish, one of them with no district either.
            let unplaced = try await Enquiry.query(on: app.db).filter(\.$status != .draft).sort(\.$reference).limit(3).all()
            for enquiry in unplaced {
                try await app.db.sql.update(Enquiry.schema).set("division_id", to: SQLLiteral.null).set("parish_id", to: SQLLiteral.null)
                    .where("id", .equal, enquiry.requireID()).run()
            }
            try await app.db.sql.update(Enquiry.schema).set("district_id", to: SQLLiteral.null).where("id", .equal, unplaced[0].requireID()).run()
            let enquiries = try await Enquiry.query(on: app.db).filter(\.$status != .draft).all()
            let context = try await reports.context(app, [:], as: "admin@demo.test")
            for kind in PlaceIndex.Kind.allCases {
                let figures = try await HeatMap.count(kind, context)
                let places = try await Places.listed(kind, on: app.db)
                #expect(figures.rows.map(\.place.id) == places.map(\.id), "every \(kind.label) is in the table, with or without enquiries")
                for row in figures.rows {
                    #expect(row.count == enquiries.filter { place($0, kind) == row.place.id }.count, "\(row.place.name)")
                }
                #expect(figures.notPlaced == enquiries.filter { place($0, kind) == nil }.count)
                #expect(figures.notPlaced == (kind == .district ? 1 : 3))
                #expect(figures.total == enquiries.count)
                let table = figures.table(.count)
                #expect(table.rows.first { $0[0] == "Not placed" }?[2] == String(figures.notPlaced))
                #expect(table.rows.last?[0] == "Total" && table.rows.last?[2] == String(enquiries.count))
                #expect(table.rows.dropLast(2).map { Int($0[2])! } == table.rows.dropLast(2).map { Int($0[2])! }.sorted(by: >), "the most first")
            }
        }
    }

    @Test func theFiltersApplyAsOnSearch() async throws {
        try await withApp { app in
            try await DemoEnquiries.load(on: app.db, at: app.now)
            let fixtures = Fixtures(app: app)
            let year = try await reports.currentYear(app)
            let member = try await fixtures.user("member@demo.test").requireID()
            let safety = try await fixtures.type("Report a Safety Issue").requireID()
            let filterSets: [[String: String]] = [
                ["raised-from": year.from.iso, "raised-to": year.to.iso, "area": try await fixtures.area("Highways").uuidString],
                ["type": safety.uuidString, "status": EnquiryStatus.closed.rawValue],
                ["member": member.uuidString],
            ]
            for fields in filterSets {
                let context = try await reports.context(app, fields, as: "admin@demo.test")
                let figures = try await HeatMap.count(.division, context)
                let total = try await reports.searchTotal(context)
                #expect(figures.total == total && total > 0, "\(fields)")
                #expect(figures.total < (try await HeatMap.count(.division, try await reports.context(app, [:], as: "admin@demo.test")).total))
                for row in figures.rows.prefix(4) {
                    var criteria = context.criteria
                    criteria.divisionID = row.place.id
                    let searched = try await EnquirySearch.search(criteria, viewer: context.viewer, data: context.data, clock: context.clock,
                                                                  now: context.now, on: context.db) { _ in context.people }.total
                    #expect(row.count == searched, "\(row.place.name), \(fields)")
                }
            }
            // The Member filter holds the Member's own division and nothing else.
            let own = try await HeatMap.count(.division, try await reports.context(app, ["member": member.uuidString], as: "admin@demo.test"))
            let division = try #require(try await fixtures.user("member@demo.test").$division.id)
            #expect(own.rows.filter { $0.count > 0 }.map(\.place.id) == [division])

            // A co-ordinator's map holds their service areas only, as their search does.
            let coordinator = try await reports.context(app, [:], as: "coordinator@demo.test")
            let theirs = try await HeatMap.count(.district, coordinator)
            #expect(theirs.total == (try await reports.searchTotal(coordinator)))
            #expect(theirs.total < (try await HeatMap.count(.district, try await reports.context(app, [:], as: "admin@demo.test")).total))
        }
    }

    @Test func ratesPerThousandResidentsFollowThePopulations() async throws {
        try await withApp { app in
            try await DemoEnquiries.load(on: app.db, at: app.now)
            let divisions = try await Places.listed(.division, on: app.db)
            let (first, second) = (divisions[0], divisions[1])
            try await app.db.sql.update("divisions").set("population", to: 7_000).where("id", .equal, first.id).run()
            try await app.db.sql.update("divisions").set("population", to: SQLLiteral.null).where("id", .equal, second.id).run()
            let figures = try await HeatMap.count(.division, try await reports.context(app, [:], as: "admin@demo.test"))
            let row = try #require(figures.rows.first { $0.place.id == first.id })
            #expect(row.count > 0)
            #expect(row.perThousand == (Double(row.count) * 1000 / 7000 * 10).rounded() / 10)
            #expect(figures.rows.first { $0.place.id == second.id }?.perThousand == nil)
            let table = figures.table(.rate)
            #expect(table.columns == ["Division", "Code", "Enquiries", "Residents", "Per 1,000 residents"])
            #expect(table.rows.first { $0[0] == first.name } == [first.name, first.code ?? "–", String(row.count), "7000", String(format: "%.1f", row.perThousand!)])
            #expect(table.rows.first { $0[0] == second.name }?[3...4] == ["–", "–"])
            #expect(table.rows[table.rows.count - 3][0] == second.name, "the place without a rate comes last when shading by rate")
            #expect(table.rows.last?[3] == "–", "no council-wide rate while a population is missing")
            #expect(HeatMap.perThousand(45, of: 9_000) == 5.0 && HeatMap.perThousand(1, of: 3_000) == 0.3 && HeatMap.perThousand(3, of: 0) == nil)

            // With every population gone, the map falls back to counts and says so.
            try await app.db.sql.update("divisions").set("population", to: SQLLiteral.null).run()
            let browser = try await TestBrowser(app).signedIn("admin@demo.test")
            let page = try await browser.get("/reports/heat-map?period=all&measure=rate")
            #expect(page.status == .ok && page.mainText.contains("No populations are loaded for divisions, so the map shows the number of enquiries."))
            #expect(page.body.contains("Key: enquiries<"))
        }
    }

    @Test func thePageDrawsTheMapWithItsTableAndTheCSVHoldsTheSameFigures() async throws {
        try await withApp { app in
            try await DemoEnquiries.load(on: app.db, at: app.now)
            // A division with no boundary, and one whose name a spreadsheet would run as a formula.
            let divisions = try await Places.listed(.division, on: app.db)
            try await app.db.sql.delete(from: "boundaries").where("place_id", .equal, divisions[0].id).run()
            try await app.db.sql.update("divisions").set("name", to: "=HYPERLINK(\"http://x\")").where("id", .equal, divisions[1].id).run()
            await app.placeIndexCache.invalidate()
            let browser = try await TestBrowser(app).signedIn("admin@demo.test")
            let index = try await browser.get("/reports")
            #expect(index.body.contains("<a href=\"/reports/heat-map?"))

            for kind in PlaceIndex.Kind.allCases {
                for measure in HeatMap.Measure.allCases {
                    let page = try await browser.get("/reports/heat-map?period=all&by=\(kind.rawValue)&measure=\(measure.rawValue)")
                    #expect(page.status == .ok, "\(kind) \(measure)")
                    #expect(page.body.contains("role=\"img\" aria-labelledby=\"heat-map-title heat-map-desc\""))
                    #expect(page.body.contains("<desc id=\"heat-map-desc\">The "), "a text alternative")
                    #expect(page.body.contains("<figcaption"))
                    #expect(page.body.contains("Key: \(measure.label.lowercased())"))
                    #expect(!page.body.contains(" style="), "presentation attributes only")
                    let places = try await Places.listed(kind, on: app.db)
                    let drawn = page.body.components(separatedBy: "<path d=\"M").count - 1
                    let districtsOver = kind == .district ? 0 : 4
                    #expect(drawn == places.count + districtsOver - (kind == .division ? 1 : 0), "an area for each place with a boundary: \(kind)")

                    let rows = tableRows(page.body)
                    #expect(rows.count == places.count + 2, "every place, those not placed and the total: \(kind)")
                    let csv = try await browser.get("/reports/heat-map/export.csv?period=all&by=\(kind.rawValue)&measure=\(measure.rawValue)")
                    #expect(csv.status == .ok && csv.headers.first(name: .contentType) == "text/csv; charset=utf-8")
                    #expect(csv.headers.first(name: .contentDisposition)?.hasPrefix("attachment; filename=\"heat-map-\(kind.rawValue)-") == true)
                    let lines = csv.body.components(separatedBy: "\r\n")
                    #expect(lines[0] == "\u{FEFF}Enquiries by \(kind.label),Enquiries raised at any time.")
                    #expect(lines[3] == "\(kind.label.prefix(1).uppercased() + kind.label.dropFirst()),Code,Enquiries,Residents,\"Per 1,000 residents\"")
                    #expect(Array(lines[4..<(4 + rows.count)]) == rows.map { SearchExport.line($0).replacingOccurrences(of: "\r\n", with: "") },
                            "the CSV holds the table's rows: \(kind) \(measure)")
                }
            }
            let divisionsPage = try await browser.get("/reports/heat-map?period=all&by=division")
            #expect(divisionsPage.mainText.contains("1 division without a boundary is in the table only."))
            #expect(tableRows(divisionsPage.body).contains { $0[0] == divisions[0].name }, "in the table though not on the map")
            #expect(divisionsPage.body.contains("=HYPERLINK(&quot;http://x&quot;)") || divisionsPage.body.contains("=HYPERLINK(\"http://x\")"))
            let csv = try await browser.get("/reports/heat-map/export.csv?period=all&by=division")
            #expect(csv.body.contains("\r\n\"'=HYPERLINK(\"\"http://x\"\")\","), "a formula is defused")
        }
    }

    @Test func onlyCoordinatorsAndAdministratorsSeeItAndABadChoiceIsExplained() async throws {
        try await withApp { app in
            try await DemoEnquiries.load(on: app.db, at: app.now)
            for email in ["member@demo.test", "responder@demo.test"] {
                let browser = try await TestBrowser(app).signedIn(email)
                #expect(try await browser.get("/reports/heat-map").status == .forbidden, "\(email)")
                #expect(try await browser.get("/reports/heat-map/export.csv").status == .forbidden, "\(email)")
            }
            #expect(try await TestBrowser(app).get("/reports/heat-map").status != .ok, "signed out")
            let coordinator = try await TestBrowser(app).signedIn("coordinator@demo.test")
            #expect(try await coordinator.get("/reports/heat-map?by=parish").status == .ok)

            let admin = try await TestBrowser(app).signedIn("admin@demo.test")
            for bad in ["zzcounty", "division%00", String(repeating: "x", count: 5000)] {
                let page = try await admin.get("/reports/heat-map?by=\(bad)")
                #expect(page.status == .unprocessableEntity)
                #expect(page.body.contains("class=\"error-summary\"") && page.mainText.contains("Choose divisions, districts or parishes"))
                #expect(page.mainText.contains("Heat map of enquiries by division"), "the divisions are drawn meanwhile")
                #expect(!page.mainText.contains(bad), "the bad value is not echoed in the page")
                let csv = try await admin.get("/reports/heat-map/export.csv?by=\(bad)")
                #expect(csv.status == .seeOther && csv.location?.hasPrefix("/reports/heat-map?") == true && csv.location?.contains(bad) == false)
            }
            let badMeasure = try await admin.get("/reports/heat-map?measure=density")
            #expect(badMeasure.status == .unprocessableEntity && badMeasure.mainText.contains("Choose to shade by the number of enquiries"))
            let badDate = try await admin.get("/reports/heat-map?by=parish&raised-from=2026-02-31")
            #expect(badDate.status == .unprocessableEntity && badDate.mainText.contains("Heat map of enquiries by parish"))
        }
    }

    /// Tallied by kind, whole months from the tallies and the days either side from the
    /// enquiries, and counted from the enquiries alone: the two must agree.
    func expectTalliesAgree(_ app: Application, _ fields: [String: String], as email: String = "admin@demo.test") async throws {
        let context = try await reports.context(app, fields, as: email)
        for kind in PlaceIndex.Kind.allCases {
            let tallied = try await HeatMap.count(kind, context), counted = try await HeatMap.count(kind, context, tallies: false)
            #expect(tallied.rows == counted.rows && tallied.notPlaced == counted.notPlaced, "\(kind) \(fields) \(email)")
        }
    }

    @Test func theTalliesFollowEveryChangeToAnEnquiry() async throws {
        try await withApp { app in
            try await DemoEnquiries.load(on: app.db, at: app.now)
            let fixtures = Fixtures(app: app)
            // Changes through the workflow, and straight to the rows.
            let raised = try await fixtures.submitted()
            _ = try await fixtures.take(raised)
            let enquiries = try await Enquiry.query(on: app.db).filter(\.$status != .draft).sort(\.$reference).all()
            let parish = try await Places.listed(.parish, on: app.db)[3].id
            try await app.db.sql.update(Enquiry.schema).set("parish_id", to: parish).set("status", to: "closed")
                .where("id", .equal, enquiries[0].requireID()).run()
            try await app.db.sql.update(Enquiry.schema).set("division_id", to: SQLLiteral.null).where("id", .equal, enquiries[1].requireID()).run()
            try await app.db.sql.update(Enquiry.schema).set("subject", to: "Nothing the tallies hold").where("id", .equal, enquiries[2].requireID()).run()
            // Many in one statement: every completed enquiry closed, and the tallies of both moved.
            let completed = enquiries.filter { $0.status == .completed }.count
            #expect(completed > 1)
            try await app.db.sql.update(Enquiry.schema).set("status", to: "closed").where("status", .equal, "completed").run()
            let tables = try await MigrationTests.tables(on: app.db.sql)
            for table in ["enquiry_entries", "responder_questions", "sla_reminders", "notifications", "enquiry_search", "search_rows"] where tables.contains(table) {
                try await app.db.sql.delete(from: table).where("enquiry_id", .equal, enquiries[4].requireID()).run()
            }
            try await app.db.sql.delete(from: Enquiry.schema).where("id", .equal, enquiries[4].requireID()).run()
            let total = try await app.db.sql.raw("SELECT COUNT(*) AS n FROM enquiries").first()?.decode(column: "n", as: Int.self)
            let tallied = try await app.db.sql.raw("SELECT CAST(SUM(tally) AS BIGINT) AS n FROM enquiry_tallies").first()?.decode(column: "n", as: Int.self)
            #expect(tallied == total)

            let year = try await reports.currentYear(app)
            let today = try await ServiceLevelSettings.load(on: app.db).clock.localDate(of: app.now)
            let highways = try await fixtures.area("Highways").uuidString
            let member = try await fixtures.user("member@demo.test").requireID().uuidString
            for fields in [[:], ["raised-from": year.from.iso, "raised-to": year.to.iso],
                           ["raised-from": CivilDate(dayNumber: today.dayNumber - 200).iso, "status": "closed", "area": highways],
                           ["raised-to": CivilDate(dayNumber: today.dayNumber - 45).iso, "member": member],
                           ["raised-from": today.firstOfMonth.iso, "raised-to": today.iso]] {
                try await expectTalliesAgree(app, fields)
            }
            try await expectTalliesAgree(app, ["raised-from": year.from.iso], as: "coordinator@demo.test")
            let context = try await reports.context(app, [:], as: "admin@demo.test")
            #expect(HeatMap.talliesHold(context))
            #expect(!HeatMap.talliesHold(try await reports.context(app, ["channel": "phone"], as: "admin@demo.test")), "a filter the tallies do not hold")
        }
    }

    @Test func aPeriodSplitsIntoWholeMonthsAndTheDaysEitherSide() {
        func date(_ text: String) -> CivilDate { CivilDate(iso: text)! }
        let year = try! #require(HeatMap.Split(.init(from: date("2025-07-31"), to: date("2026-07-30"))))
        #expect(year.first == date("2025-08-01") && year.last == date("2026-06-01"))
        #expect(year.edges == [.init(from: date("2025-07-31"), to: date("2025-07-31")), .init(from: date("2026-07-01"), to: date("2026-07-30"))])
        let open = try! #require(HeatMap.Split(.init()))
        #expect(open.first == nil && open.last == nil && open.edges.isEmpty)
        let january = try! #require(HeatMap.Split(.init(from: date("2026-01-01"), to: date("2026-01-31"))))
        #expect(january.first == date("2026-01-01") && january.last == date("2026-01-01") && january.edges.isEmpty)
        let leap = try! #require(HeatMap.Split(.init(from: date("2024-01-15"), to: date("2024-02-29"))))
        #expect(leap.first == date("2024-02-01") && leap.last == date("2024-02-01") && leap.edges.count == 1)
        #expect(HeatMap.Split(.init(from: date("2026-01-05"), to: date("2026-01-20"))) == nil, "no whole month")
        #expect(HeatMap.Split(.init(from: date("2026-01-05"), to: date("2026-02-20"))) == nil)
        let upTo = try! #require(HeatMap.Split(.init(to: date("2026-03-10"))))
        #expect(upTo.first == nil && upTo.last == date("2026-02-01") && upTo.edges == [.init(from: date("2026-03-01"), to: date("2026-03-10"))])
    }

    @Test func theBandsCoverTheFiguresAndReadWithoutColour() {
        let counts = HeatMapPicture.bands(minimum: 3, maximum: 48, decimals: 0)
        #expect(counts.map(\.label) == ["0 to 9", "10 to 19", "20 to 29", "30 to 39", "40 to 48"])
        #expect(counts.map(\.shade) == [0, 1, 2, 3, 4])
        #expect(HeatMapPicture.band(of: 48, in: counts, decimals: 0)?.label == "40 to 48")
        #expect(HeatMapPicture.band(of: 9, in: counts, decimals: 0)?.label == "0 to 9")
        let close = HeatMapPicture.bands(minimum: 24, maximum: 27, decimals: 0)
        #expect(close.map(\.label) == ["24", "25", "26", "27"] && close.map(\.shade) == [0, 1, 3, 4])
        #expect(HeatMapPicture.bands(minimum: 0, maximum: 0, decimals: 0).map(\.label) == ["0"])
        let rates = HeatMapPicture.bands(minimum: 0, maximum: 13.5, decimals: 1)
        #expect(rates.map(\.label) == ["0.0 to 4.9", "5.0 to 9.9", "10.0 to 13.5"])
        #expect(HeatMapPicture.band(of: 4.9, in: rates, decimals: 1)?.label == "0.0 to 4.9")
        // Each shade its own hatching, so bands differ in black and white too.
        let hatching = HeatMapPicture.hatching.map { $0.map { "\($0.spacing) \($0.crossed)" } ?? "none" }
        #expect(Set(hatching).count == HeatMapPicture.palette.count)
    }
}
