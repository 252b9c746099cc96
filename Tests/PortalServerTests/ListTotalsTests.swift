import Fluent
import Foundation
@testable import PortalServer
import Testing
import VaporTesting

@Suite struct ListTotalsTests {
    /// The "N enquiries" line, the count on the current tab and the rows listed.
    func figures(_ page: TestBrowser.Page, tab label: String) throws -> (total: Int, tab: Int, rows: Int) {
        let text = page.mainText
        let total = try #require(text.firstMatch(of: #/(\d+) enquir(y|ies)\b/#).flatMap { Int($0.output.1) })
        let tab = try #require(text.firstMatch(of: try Regex("\(NSRegularExpression.escapedPattern(for: label)) \\((\\d+)\\)"))
            .flatMap { Int($0.output[1].substring ?? "") })
        let rows = Set(page.body.matches(of: #/href="/enquiries/([0-9A-F-]{36})"/#).map { String($0.output.1) }).count
        return (total, tab, rows)
    }

    @Test func everyTabsCountMatchesItsListWithAndWithoutFilters() async throws {
        try await withApp { app in
            try await DemoEnquiries.load(on: app.db, at: app.now)
            let coordinator = try await TestBrowser(app).signedIn("coordinator@demo.test")
            var seen = 0
            for tab in QueueRoutes.Tab.allCases {
                let page = try await coordinator.get("/queue?tab=\(tab.rawValue)&print=1")
                let (total, count, rows) = try figures(page, tab: tab.label)
                #expect(total == count && rows == total, "\(tab): \(total) in the line, \(count) on the tab, \(rows) listed")
                seen += total
            }
            #expect(seen > 40, "the demo fills the queues: \(seen)")
            let district = try #require(try await District.query(on: app.db).first()?.requireID())
            let filtered = try await coordinator.get("/queue?tab=in_progress&print=1&district=\(district.uuidString)")
            let (total, _, rows) = try figures(filtered, tab: "In progress")
            #expect(total == rows && total > 0)

            let member = try await TestBrowser(app).signedIn("member@demo.test")
            for tab in DashboardRoutes.Tab.allCases {
                let page = try await member.get("/enquiries?tab=\(tab.rawValue)&print=1")
                let (total, count, rows) = try figures(page, tab: tab.label)
                #expect(total == count && rows == total, "\(tab): \(total) in the line, \(count) on the tab, \(rows) listed")
            }
        }
    }
}
