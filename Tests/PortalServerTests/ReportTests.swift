import Fluent
import NIOConcurrencyHelpers
import Foundation
import PortalCore
@testable import PortalServer
import SQLKit
import Testing
import Vapor

/// The reports, on the demo council's casework: every figure agrees with the others and with the
/// search page for the same filters, the access policy holds, and the pages read without colour.
@Suite struct ReportTests {
    func context(_ app: Application, _ fields: [String: String], as email: String) async throws -> Reports.Context {
        let (criteria, errors) = SearchCriteria.parse(fields)
        #expect(errors.isEmpty)
        let actor = try await Fixtures(app: app).actor(email)
        let settings = try await ServiceLevelSettings.load(on: app.db)
        return Reports.Context(criteria: criteria,
                               viewer: .init(access: actor.viewer, scope: .officer),
                               clock: settings.clock, now: app.now, levels: settings.policies, data: try await ReferenceData.load(on: app.db),
                               people: try await PeopleDirectory.load(on: app.db), db: app.db)
    }

    /// The reporting year holding the test's today.
    func currentYear(_ app: Application) async throws -> (from: CivilDate, to: CivilDate) {
        Reports.reportingYear(containing: try await ServiceLevelSettings.load(on: app.db).clock.localDate(of: app.now))
    }

    func searchTotal(_ context: Reports.Context, _ extra: [String: String] = [:]) async throws -> Int {
        var criteria = context.criteria
        let parsed = SearchCriteria.parse(extra).criteria
        if let status = parsed.status { criteria.status = status }
        if let channel = parsed.channel { criteria.channel = channel }
        return try await EnquirySearch.search(criteria, viewer: context.viewer, data: context.data, clock: context.clock, now: context.now, on: context.db) { _ in
            context.people
        }.total
    }

    /// The number in a table's row (by its first cell) and column.
    func cell(_ report: Report, table: Int = 0, row: String, column: String) -> Int? {
        let table = report.tables[table]
        guard let index = table.columns.firstIndex(of: column), let found = table.rows.first(where: { $0.first == row }) else { return nil }
        return Int(found[index])
    }

    func direct(_ context: Reports.Context, where condition: any SQLExpression) async throws -> Int {
        try await context.base().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").where(condition).first()?
            .decode(column: "n", as: Int.self) ?? 0
    }

    @Test func everyFigureAgreesWithTheOtherReportsAndWithSearch() async throws {
        try await withApp { app in
            try await DemoEnquiries.load(on: app.db, at: app.now)
            let fixtures = Fixtures(app: app)
            let clock = try await ServiceLevelSettings.load(on: app.db).clock
            let year = try await currentYear(app)
            let wrenfield = try #require(try await District.query(on: app.db).filter(\.$name == "Wrenfield").first()?.id)
            let member = try await fixtures.user("member@demo.test").requireID()
            let filterSets: [[String: String]] = [
                [:],
                ["raised-from": year.from.iso, "raised-to": year.to.iso, "area": try await fixtures.area("Highways").uuidString],
                ["district": wrenfield.uuidString],
                ["member": member.uuidString, "raised-from": CivilDate(dayNumber: clock.localDate(of: app.now).dayNumber - 200).iso],
            ]
            for fields in filterSets {
                let context = try await context(app, fields, as: "admin@demo.test")
                var reports: [ReportKind: Report] = [:]
                for kind in ReportKind.allCases { reports[kind] = try await Reports.build(kind, context) }
                let total = try await searchTotal(context)
                #expect(total > 0, "\(fields)")

                let summary = try #require(reports[.summary])
                #expect(summary.tables[0].rows.reduce(0) { $0 + Int($1[1])! } == total, "statuses add up to the search's count: \(fields)")
                #expect(summary.tables[1].rows.reduce(0) { $0 + Int($1[1])! } == total, "so do types")
                #expect(summary.tables[2].rows.reduce(0) { $0 + Int($1[1])! } == total, "and service areas")
                #expect(summary.facts.first == "\(total.formatted()) enquiries were raised.")
                for status in [EnquiryStatus.closed, .inProgress] {
                    let shown = cell(summary, row: status.officerLabel, column: "Enquiries") ?? 0
                    #expect(shown == (try await searchTotal(context, ["status": status.rawValue])), "\(status) agrees with a search for it")
                }
                #expect(cell(reports[.districtsAndTypes]!, row: "Total", column: "Total") == total)

                let volume = try #require(reports[.volumeByMonth])
                #expect(cell(volume, row: "Total", column: "Total") == total, "every enquiry falls in a month: \(fields)")
                var byOfficers = 0
                for channel in EnquiryChannel.onBehalf { byOfficers += try await searchTotal(context, ["channel": channel.rawValue]) }
                #expect(cell(volume, row: "Total", column: "By officers for Members") == byOfficers)

                let responded = try await direct(context, where: SQLBinaryExpression(context.column("first_response_days"), .isNot, SQLLiteral.null))
                #expect(cell(reports[.firstResponseByMonth]!, row: "All months", column: "Enquiries with a first response") == responded)
                #expect(cell(reports[.firstResponseDistribution]!, row: "Total", column: "Enquiries") == responded)
                let completed = try await direct(context, where: SQLBinaryExpression(context.column("completion_days"), .isNot, SQLLiteral.null))
                #expect(cell(reports[.completionByMonth]!, row: "All months", column: "Enquiries with a completion") == completed)
                #expect(cell(reports[.completionDistribution]!, row: "Total", column: "Enquiries") == completed)

                let reopened = try #require(reports[.reopened])
                let reopenedCount = try await direct(context, where: SQLBinaryExpression(context.column("reopen_count"), .greaterThan, SQLBind(0)))
                #expect(reopened.tables[1].rows.reduce(0) { $0 + Int($1[2])! } == reopenedCount)
                #expect(reopened.facts.first?.hasPrefix("\(reopenedCount.formatted()) of \(total.formatted()) enquiries") == true)
                #expect(cell(reopened, row: "Total", column: "Reopenings") == reopened.tables[2].rows.reduce(0) { $0 + Int($1[1])! })
            }
        }
    }

    @Test func aCoordinatorsReportsHoldOnlyTheirServiceAreas() async throws {
        try await withApp { app in
            try await DemoEnquiries.load(on: app.db, at: app.now)
            let coordinator = try await Reports.build(.summary, try await context(app, [:], as: "coordinator@demo.test"))
            let admin = try await Reports.build(.summary, try await context(app, [:], as: "admin@demo.test"))
            #expect(coordinator.tables[2].rows.map { $0[0] } == ["Highways"])
            #expect(admin.tables[2].rows.count > 1)
            let member = TestBrowser(app)
            try await member.signIn("member@demo.test")
            #expect(try await member.get("/reports/summary").status == .forbidden)
        }
    }

    @Test func eachReportPageHasAChartWithTextTheTableAndACSV() async throws {
        try await withApp { app in
            try await DemoEnquiries.load(on: app.db, at: app.now)
            let browser = try await TestBrowser(app).signedIn("admin@demo.test")
            let index = try await browser.get("/reports")
            #expect(index.status == .ok && index.mainText.contains("Reporting year: 31 July"))
            for kind in ReportKind.allCases {
                let page = try await browser.get("/reports/\(kind.rawValue)?period=all")
                #expect(page.status == .ok, "\(kind)")
                #expect(page.body.contains("role=\"img\" aria-labelledby=\"chart-title chart-desc\""), "\(kind)")
                #expect(page.body.contains("<desc id=\"chart-desc\">"), "a text alternative: \(kind)")
                #expect(page.body.contains("<table class=\"table report-table\""), "the figures as a table: \(kind)")
                #expect(page.mainText.contains("Enquiries raised at any time."))
                let csv = try await browser.get("/reports/\(kind.rawValue)/export.csv?period=all")
                #expect(csv.headers.first(name: .contentType) == "text/csv; charset=utf-8")
                #expect(csv.body.hasPrefix("\u{FEFF}\(kind.title.contains(",") ? "\"\(kind.title)\"" : kind.title),Enquiries raised at any time."), "\(kind)")
            }
            let distribution = try await browser.get("/reports/completion-distribution?period=all")
            #expect(distribution.body.contains("Service level: 28 working days"), "the SLA is marked on the chart")
            #expect(distribution.body.contains("url(#pattern-hatch)") || distribution.body.contains("fill=\"#1d70b8\""))
            let bad = try await browser.get("/reports/summary?raised-from=2026-02-31")
            #expect(bad.status == .unprocessableEntity && bad.body.contains("class=\"error-summary\""))
            #expect(try await browser.get("/reports/nonsense").status == .notFound)
        }
    }

    @Test func theReportingYearRunsFrom31July() {
        let early = Reports.reportingYear(containing: CivilDate(year: 2026, month: 7, day: 30)!)
        #expect(early.from == CivilDate(year: 2025, month: 7, day: 31) && early.to == CivilDate(year: 2026, month: 7, day: 30))
        let late = Reports.reportingYear(containing: CivilDate(year: 2026, month: 7, day: 31)!)
        #expect(late.from == CivilDate(year: 2026, month: 7, day: 31) && late.to == CivilDate(year: 2027, month: 7, day: 30))
        #expect(Reports.bins(for: 28).map(\.label).prefix(4) == ["0–7", "8–14", "15–21", "22–28"], "the SLA ends a band")
        #expect(Reports.bins(for: 10).count == 18)
    }
}
