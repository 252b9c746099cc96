import Foundation
import PortalCore
@testable import PortalServer
import SQLKit
import Testing
import Vapor

/// The portal at the instants where counting goes wrong: weekends, bank holidays, a substitute
/// day, the council's closure days, the close of the working day, local midnight and both clock
/// changes. The machine runs in UTC; the council counts in Europe/London. Every expected figure
/// below was worked out by hand from the calendar, not by the portal's own arithmetic.
@Suite struct ClockBoundaryTests {
    struct Moment: Sendable, CustomTestStringConvertible {
        let name: String
        /// The instant, in UTC.
        let instant: String
        /// Whether it falls in the council's working hours, so that reminders go out.
        let workingHours: Bool
        /// Enquiries waiting for a first response, due on a date, and what the portal should say.
        let deadlines: [(due: String, words: String)]
        /// How many of those the overdue and at-risk queues hold.
        let overdue: Int
        let atRisk: Int
        /// The first-response deadline (10 working days) of an enquiry submitted at this instant.
        let submittedDue: String

        var testDescription: String { "\(name) (\(instant))" }
    }

    // The demo council's calendar: England and Wales, 09:00 to 17:00, and Christmas closures on
    // the working days from 27 to 31 December. In 2026 Christmas is a Friday, Boxing Day's
    // substitute is Monday 28 December and the closure days are 29 to 31 December; New Year's Day
    // 2027 is a Friday. Easter 2027 falls on the last Sunday of March: Good Friday is 26 March and
    // Easter Monday 29 March.
    static let moments: [Moment] = [
        Moment(name: "a Saturday", instant: "2026-11-28T12:00:00Z", workingHours: false,
               deadlines: [("2026-11-27", "Response overdue"), ("2026-11-30", "Response due in 1 working day"),
                           ("2026-12-02", "Response due in 3 working days")],
               overdue: 1, atRisk: 1, submittedDue: "2026-12-14"),
        Moment(name: "a Sunday evening", instant: "2026-11-29T22:48:00Z", workingHours: false,
               deadlines: [("2026-11-26", "Response overdue by 1 working day"), ("2026-11-30", "Response due in 1 working day"),
                           ("2026-12-01", "Response due in 2 working days"), ("2026-12-02", "Response due in 3 working days")],
               overdue: 1, atRisk: 2, submittedDue: "2026-12-14"),
        Moment(name: "Christmas Day, a bank holiday", instant: "2026-12-25T12:00:00Z", workingHours: false,
               deadlines: [("2026-12-23", "Response overdue by 1 working day"), ("2026-12-24", "Response overdue"),
                           ("2027-01-04", "Response due in 1 working day"), ("2027-01-06", "Response due in 3 working days")],
               overdue: 2, atRisk: 1, submittedDue: "2027-01-18"),
        Moment(name: "Boxing Day's substitute bank holiday", instant: "2026-12-28T12:00:00Z", workingHours: false,
               deadlines: [("2026-12-24", "Response overdue"), ("2027-01-05", "Response due in 2 working days"),
                           ("2027-01-06", "Response due in 3 working days")],
               overdue: 1, atRisk: 1, submittedDue: "2027-01-18"),
        Moment(name: "a closure day", instant: "2026-12-30T11:00:00Z", workingHours: false,
               deadlines: [("2026-12-22", "Response overdue by 2 working days"), ("2027-01-04", "Response due in 1 working day"),
                           ("2027-01-07", "Response due in 4 working days")],
               overdue: 1, atRisk: 1, submittedDue: "2027-01-18"),
        Moment(name: "16:59 on a working day", instant: "2026-11-30T16:59:00Z", workingHours: true,
               deadlines: [("2026-11-27", "Response overdue by 1 working day"), ("2026-11-30", "Response due today"),
                           ("2026-12-02", "Response due in 2 working days"), ("2026-12-03", "Response due in 3 working days")],
               overdue: 1, atRisk: 2, submittedDue: "2026-12-14"),
        Moment(name: "17:00 on a working day", instant: "2026-11-30T17:00:00Z", workingHours: false,
               deadlines: [("2026-11-27", "Response overdue by 1 working day"), ("2026-11-30", "Response due today"),
                           ("2026-12-02", "Response due in 2 working days"), ("2026-12-03", "Response due in 3 working days")],
               overdue: 1, atRisk: 2, submittedDue: "2026-12-15"),
        Moment(name: "23:59 local time in summer", instant: "2026-06-17T22:59:30Z", workingHours: false,
               deadlines: [("2026-06-16", "Response overdue by 1 working day"), ("2026-06-17", "Response due today"),
                           ("2026-06-18", "Response due in 1 working day"), ("2026-06-22", "Response due in 3 working days")],
               overdue: 1, atRisk: 2, submittedDue: "2026-07-02"),
        Moment(name: "00:00 local time in summer, 23:00 UTC", instant: "2026-06-17T23:00:00Z", workingHours: false,
               deadlines: [("2026-06-16", "Response overdue by 2 working days"), ("2026-06-17", "Response overdue by 1 working day"),
                           ("2026-06-18", "Response due today"), ("2026-06-22", "Response due in 2 working days"),
                           ("2026-06-23", "Response due in 3 working days")],
               overdue: 2, atRisk: 2, submittedDue: "2026-07-02"),
        Moment(name: "23:59 local time in winter", instant: "2026-12-03T23:59:00Z", workingHours: false,
               deadlines: [("2026-12-02", "Response overdue by 1 working day"), ("2026-12-03", "Response due today"),
                           ("2026-12-07", "Response due in 2 working days")],
               overdue: 1, atRisk: 2, submittedDue: "2026-12-18"),
        Moment(name: "00:00 local time in winter", instant: "2026-12-04T00:00:00Z", workingHours: false,
               deadlines: [("2026-12-02", "Response overdue by 2 working days"), ("2026-12-03", "Response overdue by 1 working day"),
                           ("2026-12-07", "Response due in 1 working day")],
               overdue: 2, atRisk: 1, submittedDue: "2026-12-18"),
        Moment(name: "the spring clock change, a second before", instant: "2027-03-28T00:59:59Z", workingHours: false,
               deadlines: [("2027-03-24", "Response overdue by 1 working day"), ("2027-03-25", "Response overdue"),
                           ("2027-03-30", "Response due in 1 working day"), ("2027-04-01", "Response due in 3 working days")],
               overdue: 2, atRisk: 1, submittedDue: "2027-04-13"),
        Moment(name: "the spring clock change, as the clocks go forward", instant: "2027-03-28T01:00:00Z", workingHours: false,
               deadlines: [("2027-03-24", "Response overdue by 1 working day"), ("2027-03-25", "Response overdue"),
                           ("2027-03-30", "Response due in 1 working day"), ("2027-04-01", "Response due in 3 working days")],
               overdue: 2, atRisk: 1, submittedDue: "2027-04-13"),
        Moment(name: "09:00 summer time on the first working day after the spring change", instant: "2027-03-30T08:00:00Z", workingHours: true,
               deadlines: [("2027-03-25", "Response overdue by 1 working day"), ("2027-03-30", "Response due today"),
                           ("2027-04-01", "Response due in 2 working days")],
               overdue: 1, atRisk: 2, submittedDue: "2027-04-13"),
        Moment(name: "08:59 winter time a week before the spring change", instant: "2027-03-23T08:59:00Z", workingHours: false,
               deadlines: [("2027-03-22", "Response overdue by 1 working day"), ("2027-03-23", "Response due today")],
               overdue: 1, atRisk: 1, submittedDue: "2027-04-08"),
        Moment(name: "the autumn clock change, a second before", instant: "2026-10-25T00:59:59Z", workingHours: false,
               deadlines: [("2026-10-22", "Response overdue by 1 working day"), ("2026-10-23", "Response overdue"),
                           ("2026-10-26", "Response due in 1 working day"), ("2026-10-28", "Response due in 3 working days")],
               overdue: 2, atRisk: 1, submittedDue: "2026-11-09"),
        Moment(name: "the autumn clock change, as the clocks go back", instant: "2026-10-25T01:00:00Z", workingHours: false,
               deadlines: [("2026-10-22", "Response overdue by 1 working day"), ("2026-10-23", "Response overdue"),
                           ("2026-10-26", "Response due in 1 working day"), ("2026-10-28", "Response due in 3 working days")],
               overdue: 2, atRisk: 1, submittedDue: "2026-11-09"),
        Moment(name: "16:59 winter time on the first working day after the autumn change", instant: "2026-10-26T16:59:00Z", workingHours: true,
               deadlines: [("2026-10-23", "Response overdue by 1 working day"), ("2026-10-26", "Response due today")],
               overdue: 1, atRisk: 1, submittedDue: "2026-11-09"),
        Moment(name: "17:30 summer time a week before the autumn change", instant: "2026-10-19T16:30:00Z", workingHours: false,
               deadlines: [("2026-10-16", "Response overdue by 1 working day"), ("2026-10-19", "Response due today")],
               overdue: 1, atRisk: 1, submittedDue: "2026-11-03"),
    ]

    /// Deadlines as every page shows them, the overdue and at-risk queues and their counts, the
    /// reminders, and the deadline a new enquiry is given, with the portal's clock at the moment.
    @Test(arguments: moments)
    func deadlinesQueuesAndRemindersAt(_ moment: Moment) async throws {
        let instant = utc(moment.instant)
        try await withApp(clock: TestClock(at: instant, ticking: false)) { app in
            #expect(app.now == instant)
            let fixtures = Fixtures(app: app)
            var waiting: [(enquiry: Enquiry, words: String, due: String)] = []
            for (index, deadline) in moment.deadlines.enumerated() {
                let enquiry = try await fixtures.submitted(subject: "Boundary enquiry \(index + 1)")
                try await app.db.sql.update("enquiries").set("next_due", to: deadline.due).set("first_response_due", to: deadline.due)
                    .where("id", .equal, enquiry.id!).run()
                waiting.append((enquiry, deadline.words, deadline.due))
            }

            let coordinator = TestBrowser(app)
            try await coordinator.signIn("coordinator@demo.test")
            for (enquiry, words, due) in waiting {
                let page = try await coordinator.get("/enquiries/\(enquiry.id!.uuidString)")
                let date = try #require(CivilDate(iso: due))
                #expect(page.body.contains(">\(words) (\(date.shortText))</span>"), "the enquiry page of one due \(due)")
                let dueText = date.longText
                let standing = words.replacingOccurrences(of: "Response ", with: "")
                #expect(page.mainText.contains("Due by the end of \(dueText): \(standing)"), "the details of one due \(due)")
            }
            let overdue = try await coordinator.get("/queue?tab=overdue")
            #expect(overdue.mainText.contains("Overdue (\(moment.overdue))"))
            let atRisk = try await coordinator.get("/queue?tab=at_risk")
            #expect(atRisk.mainText.contains("At risk (\(moment.atRisk))"))
            for (_, words, due) in waiting {
                let queue = words.contains("overdue") ? overdue : words.contains("today") || isAtRisk(words) ? atRisk : nil
                if let queue { #expect(queue.body.contains(">\(words)</span>"), "the queue holding one due \(due)") }
            }
            let home = try await coordinator.get("/")
            #expect(home.body.contains("<span class=\"count\">\(moment.overdue)</span><span>overdue</span>"))
            #expect(home.body.contains("<span class=\"count\">\(moment.atRisk)</span><span>at risk"))

            let member = TestBrowser(app)
            try await member.signIn("member@demo.test")
            let dashboard = try await member.get("/enquiries?tab=open")
            for (_, words, due) in waiting {
                #expect(dashboard.body.contains(">\(words)</span>"), "the Member's list, one due \(due)")
            }

            let reminders = try await DeadlineReminders.run(at: app.now, on: app.db)
            if moment.workingHours {
                #expect(reminders == .init(atRisk: moment.atRisk, breached: moment.overdue))
            } else {
                #expect(reminders == .init(skippedOutsideWorkingHours: true))
            }

            let submitted = try await fixtures.submitted(subject: "Raised at the moment")
            #expect(submitted.firstResponseDue == moment.submittedDue)
        }
    }

    private func isAtRisk(_ words: String) -> Bool {
        words.hasSuffix("due in 1 working day") || words.hasSuffix("due in 2 working days")
    }

    /// Reports open on the reporting year that holds today by the portal's clock, and search's
    /// deadline filter counts from the same today.
    @Test func reportsAndSearchReadTheSameClock() async throws {
        try await withApp(clock: TestClock(at: utc("2027-07-30T23:30:00Z"), ticking: false)) { app in
            let browser = TestBrowser(app)
            try await browser.signIn("coordinator@demo.test")
            // 00:30 on 31 July in London: the new reporting year has begun there, not yet in UTC.
            let reports = try await browser.get("/reports")
            #expect(reports.body.contains("raised-from=2027-07-31"), "\(reports.mainText)")
            let fixtures = Fixtures(app: app)
            let late = try await fixtures.submitted(subject: "Late by the clock")
            try await app.db.sql.update("enquiries").set("next_due", to: "2027-07-30").where("id", .equal, late.id!).run()
            let search = try await browser.get("/search?deadline=overdue")
            #expect(search.mainText.contains("Late by the clock"))
            let notYet = try await browser.get("/search?deadline=at_risk")
            #expect(!notYet.mainText.contains("Late by the clock"))
        }
    }
}
