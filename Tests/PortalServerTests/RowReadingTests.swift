import Fluent
import Foundation
@testable import PortalServer
import SQLKit
import Testing
import VaporTesting

@Suite struct RowReadingTests {
    @Test func hydratedEnquiriesAndQuestionsMatchWhatFluentReads() async throws {
        try await withApp { app in
            try await DemoEnquiries.load(on: app.db, at: app.now)
            // Every stored property is in the list, so a new column cannot be forgotten.
            #expect(Set(Enquiry.storedColumns) == Set(Enquiry.keys.map(\.description)))
            #expect(Set(ResponderQuestion.storedColumns) == Set(ResponderQuestion.keys.map(\.description)))

            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            let byFluent = try await Enquiry.query(on: app.db).all()
            let hydrated = try await app.db.sql.raw("SELECT \(Enquiry.selectList) FROM enquiries").all().map(Enquiry.hydrate)
            #expect(byFluent.count > 100 && hydrated.count == byFluent.count)
            let fluentJSON = Dictionary(uniqueKeysWithValues: try byFluent.map { (try $0.requireID(), try encoder.encode($0)) })
            for enquiry in hydrated {
                #expect(enquiry.$id.exists)
                #expect(try encoder.encode(enquiry) == fluentJSON[try enquiry.requireID()], "\(enquiry.reference)")
            }

            let questions = try await ResponderQuestion.query(on: app.db).all()
            let hydratedQuestions = try await app.db.sql.raw("SELECT \(ResponderQuestion.selectList) FROM responder_questions").all()
                .map(ResponderQuestion.hydrate)
            #expect(!questions.isEmpty && hydratedQuestions.count == questions.count)
            let questionJSON = Dictionary(uniqueKeysWithValues: try questions.map { (try $0.requireID(), try encoder.encode($0)) })
            for question in hydratedQuestions {
                #expect(try encoder.encode(question) == questionJSON[try question.requireID()])
            }

            // A hydrated enquiry saves like a loaded one.
            let first = try #require(hydrated.first)
            first.subject = "Hydrated and saved"
            try await first.update(on: app.db)
            #expect(try await Enquiry.find(first.requireID(), on: app.db)?.subject == "Hydrated and saved")
        }
    }

    @Test func uuidsReadFromTextAsFoundationReadsThem() {
        for _ in 0..<200 {
            let id = UUID()
            #expect(UUID(text: id.uuidString) == id)
            #expect(UUID(text: id.uuidString.lowercased()) == id)
        }
        for bad in ["", "not a uuid", "0C894FAB-4DCC-47DF-9E81-C5F5D64950E", "0C894FAB-4DCC-47DF-9E81-C5F5D64950ECA",
                    "0C894FAB04DCC-47DF-9E81-C5F5D64950EC", "0C894FAB-4DCC-47DF-9E81-C5F5D64950EG", "{0C894FAB-4DCC-47DF-9E81-C5F5D64950EC}"] {
            #expect(UUID(text: bad) == nil, "\(bad)")
            #expect(UUID(uuidString: bad) == nil)
        }
    }
}

@Suite struct CouncilTimeTests {
    @Test func datesReadAsFoundationFormatsThemInLondon() {
        #expect(Date(timeIntervalSince1970: 1_782_870_300).councilText == "1 July 2026 at 02:45")
        #expect(Date(timeIntervalSince1970: 1_789_000_000).councilDate == "10 Sep 2026")
        var long = Date.FormatStyle(date: .long, time: .shortened)
        long.timeZone = TimeZone(identifier: "Europe/London")!
        long.locale = Locale(identifier: "en_GB")
        var short = Date.FormatStyle(date: .abbreviated, time: .omitted)
        short.timeZone = long.timeZone
        short.locale = long.locale
        // Every 97 minutes for three years, across six clock changes.
        var instant = Date(timeIntervalSince1970: 1_735_689_600)
        while instant.timeIntervalSince1970 < 1_830_000_000 {
            // The same words, with the hour in two digits as UK clocks show it ("09:05", not "9:05").
            let foundation = instant.formatted(long).replacing(#/ at (\d):/#) { " at 0\($0.output.1):" }
            #expect(instant.councilText == foundation, "\(instant.timeIntervalSince1970)")
            #expect(instant.councilDate == instant.formatted(short), "\(instant.timeIntervalSince1970)")
            instant.addTimeInterval(97 * 60 + 13.5)
        }
    }
}

@Suite struct AuditTimestampTests {
    @Test func theTrailsTimestampsReadAsFoundationReadsThem() throws {
        let strategy = Date.ISO8601FormatStyle.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted)
        var instant = Date(timeIntervalSince1970: 1_700_000_000.125)
        for _ in 0..<500 {
            let recorded = instant.formatted(strategy)
            let parsed = try #require(AuditTimestamp.utc(recorded), "\(recorded)")
            #expect(abs(parsed.timeIntervalSince(try Date(recorded, strategy: strategy))) < 0.0005, "\(recorded)")
            instant.addTimeInterval(86_400 * 3.3 + 0.517)
        }
        #expect(AuditTimestamp.utc("2026-03-03T14:05:09Z") == Date(timeIntervalSince1970: 1_772_546_709))
        for bad in ["", "2026-03-03", "2026-03-03T14:05:09", "2026-03-03T14:05:09+0100", "2026-13-03T14:05:09Z", "2026-03-03T1a:05:09Z", "2026-03-03T14:05:09.Z"] {
            #expect(AuditTimestamp.utc(bad) == nil, "\(bad)")
        }
        #expect(AuditTimestamp.display("not a time") == "not a time")
    }
}

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
            #expect(seen > 60, "the demo fills the queues: \(seen)")
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
