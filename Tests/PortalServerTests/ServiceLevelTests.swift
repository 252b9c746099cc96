import Fluent
import Foundation
import PortalCore
@testable import PortalServer
import SQLKit
import Testing
import Vapor

/// Deadlines on enquiries, the overdue and at-risk queues, the reminders, and the administrator's
/// calendar and service levels.
@Suite struct ServiceLevelTests {
    @Test func submittingSetsBothDeadlinesFromTheCouncilsCalendar() async throws {
        try await withApp { app in
            let fixtures = Fixtures(app: app)
            let enquiry = try await fixtures.submitted()
            let settings = try await ServiceLevelSettings.load(on: app.db)
            let stored = try #require(try await Enquiry.find(enquiry.id, on: app.db))
            let day0 = settings.clock.receivedDay(try #require(stored.submittedAt))
            #expect(stored.receivedOn == day0.iso)
            #expect(stored.firstResponseDue == settings.calendar.adding(10, workingDaysTo: day0).iso)
            #expect(stored.completionDue == settings.calendar.adding(28, workingDaysTo: day0).iso)
            #expect(stored.nextDue == stored.firstResponseDue)
            #expect(stored.firstResponseAt == nil)
            let draft = try await fixtures.submitted(subject: "Kept for later", submit: false)
            #expect(try await Enquiry.find(draft.id, on: app.db)?.nextDue == nil, "a draft has no deadline")
        }
    }

    /// The tracking the workflow runs, at chosen moments: after the close on a Friday, on a bank
    /// holiday, on Christmas Eve before the council's closure days, across a clock change.
    @Test func deadlinesCountFromTheMomentOfSubmission() async throws {
        try await withApp { app in
            let fixtures = Fixtures(app: app)
            for day in ["2030-12-27", "2030-12-30", "2030-12-31"] {
                try await app.db.sql.delete(from: "closure_days").where("day", .equal, day).run()
                try await app.db.sql.insert(into: "closure_days").columns("id", "day", "name", "added_at")
                    .values(SQLBind(UUID()), SQLBind(day), SQLBind("Christmas closure"), SQLBind(app.now)).run()
            }
            let settings = try await ServiceLevelSettings.load(on: app.db)
            let highways = try await fixtures.area("Highways")
            let information = try await fixtures.type("Information Request").requireID()
            let cases: [(String, String, String, String)] = [
                ("2026-03-06T18:00:00Z", "2026-03-09", "2026-03-23", "2026-04-20"),  // Friday evening
                ("2026-04-06T09:00:00Z", "2026-04-07", "2026-04-21", "2026-05-18"),  // Easter Monday
                ("2030-12-24T10:00:00Z", "2030-12-24", "2031-01-15", "2031-02-10"),  // Christmas Eve, closure days after
                ("2026-03-30T16:30:00Z", "2026-03-31", "2026-04-16", "2026-05-13"),  // 17:30 BST after the spring change
            ]
            for (submitted, day0, firstDue, completionDue) in cases {
                let enquiry = Enquiry()
                enquiry.$serviceArea.id = highways
                enquiry.$type.id = information
                enquiry.status = .submitted
                enquiry.submittedAt = utc(submitted)
                ServiceLevelTracking.record(nil, before: .init(nil), on: enquiry, at: utc(submitted), settings: settings)
                #expect(enquiry.receivedOn == day0, "\(submitted)")
                #expect(enquiry.firstResponseDue == firstDue, "\(submitted)")
                #expect(enquiry.completionDue == completionDue, "\(submitted)")
            }
        }
    }

    @Test func aNoteIsNotAFirstResponseButAnUpdateIs() async throws {
        try await withApp { app in
            let fixtures = Fixtures(app: app)
            var enquiry = try await fixtures.submitted()
            enquiry = try await fixtures.perform(.take, enquiry, by: "coordinator@demo.test")
            enquiry = try await fixtures.perform(.addNote("Checked on site."), enquiry, by: "coordinator@demo.test")
            #expect(enquiry.firstResponseAt == nil)
            enquiry = try await fixtures.perform(.postUpdate("Work is booked for next week."), enquiry, by: "coordinator@demo.test")
            #expect(enquiry.firstResponseAt != nil)
            #expect(enquiry.firstResponseDays == 0)
            #expect(enquiry.nextDue == enquiry.completionDue, "after the first response the enquiry works to completion")
            let first = try #require(enquiry.firstResponseAt)
            try await Task.sleep(for: .milliseconds(20))
            enquiry = try await fixtures.perform(.postUpdate("Work is booked for next week."), enquiry, by: "coordinator@demo.test")
            let kept = try #require(enquiry.firstResponseAt)
            #expect(abs(kept.timeIntervalSince(first)) < 0.005, "only the first response is recorded")
            enquiry = try await fixtures.perform(.complete(finalResponse: "The work is done."), enquiry, by: "coordinator@demo.test")
            #expect(enquiry.completionDays == 0)
            #expect(enquiry.nextDue == nil)
        }
    }

    @Test func reopeningRestartsOnlyTheCompletionClock() async throws {
        try await withApp { app in
            let fixtures = Fixtures(app: app)
            var enquiry = try await fixtures.submitted()
            // Pretend it arrived long ago, so the reopening's new deadline differs from the first.
            try await app.db.sql.update("enquiries").set("received_on", to: "2026-01-05").set("completion_counted_from", to: "2026-01-05")
                .set("first_response_due", to: "2026-01-19").set("completion_due", to: "2026-02-12")
                .where("id", .equal, enquiry.id!).run()
            enquiry = try await fixtures.perform(.complete(finalResponse: "The work is done."), enquiry, by: "coordinator@demo.test")
            let settings = try await ServiceLevelSettings.load(on: app.db)
            let expectedDays = settings.calendar.workingDays(from: CivilDate(iso: "2026-01-05")!, to: settings.clock.localDate(of: app.now))
            #expect(enquiry.completionDays == expectedDays)
            enquiry = try await fixtures.perform(.reopen(reason: "The light is out again"), enquiry, by: "member@demo.test")
            let restart = settings.clock.receivedDay(app.now)
            #expect(enquiry.completionCountedFrom == restart.iso)
            #expect(enquiry.completionDue == settings.calendar.adding(28, workingDaysTo: restart).iso)
            #expect(enquiry.firstResponseDue == "2026-01-19", "the first-response deadline stays as it was")
            #expect(enquiry.receivedOn == "2026-01-05")
        }
    }

    @Test func convertingTheTypeAppliesItsServiceLevelFromTheSameDayZero() async throws {
        try await withApp { app in
            let fixtures = Fixtures(app: app)
            let safety = try await fixtures.type("Report a Safety Issue").requireID()
            try await app.db.sql.insert(into: "service_levels")
                .columns("id", "scope", "type_id", "first_response_days", "completion_days", "updated_at")
                .values(SQLBind(UUID()), SQLBind(ServiceLevelScope.key(serviceAreaID: nil, typeID: safety)), SQLBind(safety),
                        SQLBind(2), SQLBind(5), SQLBind(app.now))
                .run()
            var enquiry = try await fixtures.submitted()
            let day0 = try #require(enquiry.receivedOn.flatMap(CivilDate.init(iso:)))
            enquiry = try await fixtures.perform(.convertType(safety, subtype: nil), enquiry, by: "coordinator@demo.test")
            let calendar = try await ServiceLevelSettings.load(on: app.db).calendar
            #expect(enquiry.firstResponseDue == calendar.adding(2, workingDaysTo: day0).iso)
            #expect(enquiry.completionDue == calendar.adding(5, workingDaysTo: day0).iso)
            let audit = try #require(try await AuditEntry.query(on: app.db).filter(\.$action == "convert_type").first())
            #expect(audit.decodedChanges.contains { $0.field == "Response due" && $0.after == calendar.adding(2, workingDaysTo: day0).iso })
        }
    }

    @Test func overdueAndAtRiskQueuesWithCountsOnTheHomePage() async throws {
        try await withApp { app in
            let fixtures = Fixtures(app: app)
            let settings = try await ServiceLevelSettings.load(on: app.db)
            let today = settings.clock.localDate(of: app.now)
            let late = try await fixtures.submitted(subject: "Late one")
            let soon = try await fixtures.submitted(subject: "Soon one")
            _ = try await fixtures.submitted(subject: "Plenty of time")
            let lateDue = settings.calendar.adding(-3, workingDaysTo: today)
            try await app.db.sql.update("enquiries").set("next_due", to: lateDue.iso).set("first_response_due", to: lateDue.iso)
                .where("id", .equal, late.id!).run()
            try await app.db.sql.update("enquiries").set("next_due", to: today.iso).set("first_response_due", to: today.iso)
                .where("id", .equal, soon.id!).run()

            let browser = TestBrowser(app)
            try await browser.signIn("coordinator@demo.test")
            let overdue = try await browser.get("/queue?tab=overdue")
            #expect(overdue.status == .ok)
            #expect(overdue.mainText.contains("Late one"))
            #expect(!overdue.mainText.contains("Soon one"))
            #expect(!overdue.mainText.contains("Plenty of time"))
            #expect(overdue.mainText.contains("Response overdue by"))
            #expect(overdue.mainText.contains("Overdue (1)"))
            let atRisk = try await browser.get("/queue?tab=at_risk")
            #expect(atRisk.mainText.contains("Soon one"))
            #expect(atRisk.mainText.contains("Response due today"))
            #expect(!atRisk.mainText.contains("Late one"))
            #expect(atRisk.body.contains("tag tag-yellow"), "at risk is marked in colour as well as words")
            let home = try await browser.get("/")
            #expect(home.mainText.contains("1 overdue"))
            #expect(home.mainText.contains("1 at risk"))
            let page = try await browser.get("/enquiries/\(late.id!.uuidString)")
            #expect(page.mainText.contains("Response overdue by 3 working days"))
            #expect(page.mainText.contains("Due by the end of \(lateDue.longText)"))

            let member = TestBrowser(app)
            try await member.signIn("member@demo.test")
            let dashboard = try await member.get("/enquiries?tab=open")
            #expect(dashboard.mainText.contains("Response overdue by 3 working days"))
            #expect(dashboard.mainText.contains("Response due today"))
        }
    }

    @Test func remindersFireOnceEachOnlyInWorkingHours() async throws {
        try await withApp { app in
            let fixtures = Fixtures(app: app)
            let soon = try await fixtures.submitted(subject: "Due tomorrow")
            let late = try await fixtures.submitted(subject: "Due last week")
            let later = try await fixtures.submitted(subject: "Due next month")
            for (enquiry, due) in [(soon, "2026-11-24"), (late, "2026-11-18"), (later, "2026-12-18")] {
                try await app.db.sql.update("enquiries").set("next_due", to: due).where("id", .equal, enquiry.id!).run()
            }
            // Saturday noon, a weekday evening and early morning: nothing.
            for quiet in ["2026-11-21T12:00:00Z", "2026-11-23T17:30:00Z", "2026-11-23T07:00:00Z"] {
                let outcome = try await DeadlineReminders.run(at: utc(quiet), on: app.db)
                #expect(outcome == .init(skippedOutsideWorkingHours: true), "\(quiet)")
            }
            func deadlineNotices() async throws -> Int {
                try await app.db.sql.select().column(SQLLiteral.all).from("notifications")
                    .where(EnquiryList.column("kind", in: ["deadline_at_risk", "deadline_breached"])).all().count
            }
            #expect(try await deadlineNotices() == 0)

            // Monday 10:00: one at risk, one passed; the far one waits.
            let monday = utc("2026-11-23T10:00:00Z")
            #expect(try await DeadlineReminders.run(at: monday, on: app.db) == .init(atRisk: 1, breached: 1))
            #expect(try await DeadlineReminders.run(at: monday.addingTimeInterval(3600), on: app.db) == .init())
            let coordinator = try await fixtures.user("coordinator@demo.test").requireID()
            let items = try await Notifications.list(of: coordinator, page: 1, pageSize: 50, on: app.db).items.filter { $0.kind.hasPrefix("deadline_") }
            #expect(items.count == 2)
            #expect(items.contains { $0.enquiry_id == soon.id && $0.message.contains("due in 1 working day") && $0.kind == "deadline_at_risk" })
            #expect(items.contains { $0.enquiry_id == late.id && $0.message.contains("overdue by 3 working days") && $0.kind == "deadline_breached" })
            #expect(!items.contains { $0.enquiry_id == later.id })
            // Every co-ordinator of Highways hears, nobody else.
            let highways = try await fixtures.area("Highways")
            let highwaysCoordinators = try await CoordinatorArea.query(on: app.db).filter(\.$serviceArea.$id == highways).count()
            #expect(try await deadlineNotices() == 2 * highwaysCoordinators)

            // The at-risk one passes its deadline: reminded again, once, as passed.
            let wednesday = utc("2026-11-25T09:30:00Z")
            #expect(try await DeadlineReminders.run(at: wednesday, on: app.db) == .init(atRisk: 0, breached: 1),
                    "yesterday's deadline has passed; last week's was reminded already; next month's is not yet at risk")
        }
    }

    @Test func twoInstancesRecordEachReminderOnce() async throws {
        try await withApp { app in
            let fixtures = Fixtures(app: app)
            for index in 0..<12 {
                let enquiry = try await fixtures.submitted(subject: "Overdue \(index)")
                try await app.db.sql.update("enquiries").set("next_due", to: "2026-11-16").where("id", .equal, enquiry.id!).run()
            }
            let monday = utc("2026-11-23T10:00:00Z")
            async let first = DeadlineReminders.run(at: monday, on: app.db)
            async let second = DeadlineReminders.run(at: monday, on: app.db)
            let outcomes = try await [first, second]
            #expect(outcomes.map(\.breached).reduce(0, +) == 12)
            #expect(try await app.db.sql.select().column(SQLLiteral.all).from("sla_reminders").all().count == 12)
        }
    }

    @Test func enquiriesFromBeforeServiceLevelsGetTheirDeadlinesWhenMigrated() async throws {
        try await withApp { app in
            let fixtures = Fixtures(app: app)
            var answered = try await fixtures.submitted(subject: "Answered")
            let coordinator = try await fixtures.user("coordinator@demo.test").requireID()
            answered = try await fixtures.perform(.postUpdate("Inspected today"), answered, by: "coordinator@demo.test")
            answered = try await fixtures.perform(.complete(finalResponse: "The work is done."), answered, by: "coordinator@demo.test")
            let waiting = try await fixtures.submitted(subject: "Waiting")
            let expected = try #require(try await Enquiry.find(answered.id, on: app.db))
            // As a database from before service levels would hold them.
            try await app.db.sql.update("enquiries").set("received_on", to: SQLLiteral.null).set("first_response_due", to: SQLLiteral.null)
                .set("completion_counted_from", to: SQLLiteral.null).set("completion_due", to: SQLLiteral.null)
                .set("next_due", to: SQLLiteral.null).set("first_response_at", to: SQLLiteral.null)
                .set("first_response_days", to: SQLLiteral.null).set("completion_days", to: SQLLiteral.null).run()
            try await ServiceLevelBackfill.run(on: app.db)
            let backfilled = try #require(try await Enquiry.find(answered.id, on: app.db))
            #expect(backfilled.receivedOn == expected.receivedOn)
            #expect(backfilled.firstResponseDue == expected.firstResponseDue)
            #expect(backfilled.completionDue == expected.completionDue)
            #expect(backfilled.firstResponseDays == 0 && backfilled.completionDays == 0)
            #expect(backfilled.nextDue == nil)
            let open = try #require(try await Enquiry.find(waiting.id, on: app.db))
            #expect(open.nextDue == open.firstResponseDue && open.nextDue != nil)
            #expect(open.firstResponseAt == nil)
        }
    }

    @Test func theNotificationListMarksWhatItShowsAsRead() async throws {
        try await withApp { app in
            let fixtures = Fixtures(app: app)
            let enquiry = try await fixtures.submitted(subject: "Gully blocked")
            try await app.db.sql.update("enquiries").set("next_due", to: "2026-11-16").where("id", .equal, enquiry.id!).run()
            _ = try await DeadlineReminders.run(at: utc("2026-11-23T10:00:00Z"), on: app.db)
            let browser = TestBrowser(app)
            try await browser.signIn("coordinator@demo.test")
            // The new enquiry and its passed deadline.
            let home = try await browser.get("/")
            #expect(home.mainText.contains("2 unread notifications"))
            #expect(home.body.contains(">Notifications (2)</a>"), "the count is in the header")
            let list = try await browser.get("/notifications")
            #expect(list.mainText.contains("New Deadline passed"))
            #expect(list.mainText.contains("New New enquiry"))
            #expect(list.mainText.contains("Gully blocked"))
            #expect(list.body.contains(">Notifications</a>"), "opening the list reads them")
            #expect(!(try await browser.get("/").mainText.contains("unread notification")))
            #expect(!(try await browser.get("/notifications").mainText.contains("New Deadline passed")))
            let member = TestBrowser(app)
            try await member.signIn("member@demo.test")
            #expect(try await member.get("/notifications").mainText.contains("You have no notifications"))
        }
    }
}
