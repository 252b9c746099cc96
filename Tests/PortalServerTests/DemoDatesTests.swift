import Foundation
import PortalCore
@testable import PortalServer
import SQLKit
import Testing
import Vapor

/// The demo council loaded on any day: deadlines only on working days, and a queue with some of
/// everything for a newcomer to see.
@Suite struct DemoDatesTests {
    @Test(arguments: ["2026-11-29T22:48:00Z", "2026-12-25T12:00:00Z", "2026-12-31T23:59:30Z", "2027-03-28T00:59:30Z",
                      "2026-11-25T16:59:50Z", "2027-01-04T08:00:00Z"])
    func theDemoIsSensibleWhateverTheDay(_ text: String) async throws {
        let instant = utc(text)
        try await withApp(clock: TestClock(at: instant)) { app in
            try await app.db.sql.delete(from: "closure_days").run()
            try await DemoCouncil.loadChristmasClosures(on: app.db, at: instant)
            try await DemoEnquiries.load(on: app.db, at: instant)
            let settings = try await ServiceLevelSettings.load(on: app.db)
            struct Row: Decodable { let status: String; let next_due: String?; let first_response_due: String?; let completion_due: String? }
            let rows = try await app.db.sql.select().columns("status", "next_due", "first_response_due", "completion_due")
                .from("enquiries").all(decoding: Row.self)
            #expect(rows.count == DemoEnquiries.count)
            let today = settings.clock.localDate(of: instant)
            var overdue = 0, atRisk = 0, onTime = 0
            for row in rows where row.status != EnquiryStatus.draft.rawValue {
                for due in [row.next_due, row.first_response_due, row.completion_due].compactMap({ $0 }) {
                    let date = try #require(CivilDate(iso: due))
                    #expect(settings.calendar.isWorkingDay(date), "a deadline on \(due), not a working day")
                }
                guard let due = row.next_due.flatMap(CivilDate.init(iso:)) else { continue }
                let standing = DeadlineStanding(due: due, today: today, calendar: settings.calendar)
                if standing.isOverdue { overdue += 1 } else if standing.isAtRisk { atRisk += 1 } else { onTime += 1 }
            }
            #expect(overdue >= 3, "some overdue: \(overdue)")
            #expect(atRisk >= 2, "some at risk: \(atRisk)")
            #expect(onTime >= 10, "most on time: \(onTime)")
            #expect(overdue + atRisk < onTime, "overdue \(overdue), at risk \(atRisk), on time \(onTime)")
        }
    }
}
