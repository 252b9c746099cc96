import Fluent
import Foundation
import PortalCore
@testable import PortalServer
import SQLKit
import Testing
import Vapor

/// A completed enquiry waits for its Member for the follow-up window, then the portal closes it
/// once, with an entry, an audit line and a notification; reopening or confirming ends the wait;
/// the window is the administrator's to change or turn off.
@Suite struct FollowUpWindowTests {
    /// Wednesday 17 June 2026, 10:30 in London: five working days on is Wednesday 24 June.
    let clock = TestClock(at: TestClock.ordinaryWorkingDay)

    func completed(_ f: Fixtures, subject: String = "Street light out on Mill Lane") async throws -> Enquiry {
        let taken = try await f.take(try await f.submitted(subject: subject))
        return try await f.perform(.complete(finalResponse: "The lamp was replaced."), taken, by: "coordinator@demo.test")
    }

    func reload(_ enquiry: Enquiry, on db: any Database) async throws -> Enquiry {
        try #require(try await Enquiry.find(enquiry.id, on: db))
    }

    @Test func aCompletedEnquiryClosesItselfOnceItsWindowHasEnded() async throws {
        try await withApp(clock: clock) { app in
            let f = Fixtures(app: app)
            let enquiry = try await completed(f)
            #expect(enquiry.followUpUntil == "2026-06-24", "five working days from a Wednesday morning")

            let member = try await TestBrowser(app).signedIn("member@demo.test")
            let pending = try await member.get("/enquiries?tab=pending")
            #expect(pending.mainText.contains("Closes itself after") && pending.mainText.contains(CivilDate(iso: "2026-06-24")!.shortText))
            let page = try await member.get("/enquiries/\(enquiry.id!.uuidString)")
            #expect(page.mainText.contains("Closes itself after Wednesday 24 June 2026 unless the Member confirms or reopens it"))

            // The last day of the window, late in the evening: it still waits.
            clock.set(utc("2026-06-24T21:30:00Z"))
            _ = try await FollowUpWindow.run(at: app.now, on: app.db)
            #expect(try await reload(enquiry, on: app.db).status == .completed)

            // Just after midnight, the window has ended.
            clock.set(utc("2026-06-24T23:05:00Z"))
            let outcome = try await FollowUpWindow.run(at: app.now, on: app.db)
            #expect(outcome.closed >= 1 && outcome.leftForNextRun == 0)
            let closed = try await reload(enquiry, on: app.db)
            #expect(closed.status == .closed && closed.closedAt != nil && closed.followUpUntil == nil)

            let entries = try await EnquiryEntry.query(on: app.db).filter(\.$enquiry.$id == enquiry.id!).filter(\.$kind == .closed).all()
            #expect(entries.count == 1 && entries.first?.body.contains("last day of its follow-up window") == true)
            let audit = try await app.db.sql.select().column("action").from("audit_entries").where("enquiry_id", .equal, enquiry.id!)
                .all().map { try $0.decode(column: "action", as: String.self) }
            #expect(audit.filter { $0 == "close_after_follow_up" }.count == 1)
            let memberID = try await f.user("member@demo.test").id!
            let notices = try await app.db.sql.select().columns("user_id", "message").from("notifications")
                .where("enquiry_id", .equal, enquiry.id!).where("kind", .equal, NotificationEvent.closedAfterFollowUp.rawValue).all()
            #expect(notices.count == 1)
            #expect(try notices.first?.decode(column: "user_id", as: UUID.self) == memberID)
            #expect(try notices.first?.decode(column: "message", as: String.self).contains("not confirmed or reopened within the follow-up window") == true)

            // A second run, or a second instance, closes nothing more.
            _ = try await FollowUpWindow.run(at: app.now, on: app.db)
            let again = try await app.db.sql.select().column("action").from("audit_entries").where("enquiry_id", .equal, enquiry.id!)
                .where("action", .equal, "close_after_follow_up").all()
            #expect(again.count == 1)
            #expect(try await AuditTrail.verify(on: app.db) == .intact(entries: try await count("audit_entries", on: app.db)))
        }
    }

    @Test func reopeningOrConfirmingEndsTheWait() async throws {
        try await withApp(clock: clock) { app in
            let f = Fixtures(app: app)
            let reopened = try await f.perform(.reopen(reason: "It went out again."), try await completed(f), by: "member@demo.test")
            #expect(reopened.status == .inProgress && reopened.followUpUntil == nil)
            clock.set(utc("2026-06-22T09:30:00Z"))
            let again = try await f.perform(.complete(finalResponse: "The lamp head was replaced too."), reopened, by: "coordinator@demo.test")
            #expect(again.followUpUntil == "2026-06-29", "a new window from the new completion (Monday 22 June)")
            let confirmed = try await f.perform(.close(note: "Thank you."), again, by: "member@demo.test")
            #expect(confirmed.status == .closed && confirmed.followUpUntil == nil)

            clock.set(utc("2026-07-30T09:30:00Z"))
            _ = try await FollowUpWindow.run(at: app.now, on: app.db)
            let audit = try await app.db.sql.select().column("action").from("audit_entries").where("enquiry_id", .equal, reopened.id!)
                .where("action", .equal, "close_after_follow_up").all()
            #expect(audit.isEmpty, "an enquiry its Member closed is not closed again")
        }
    }

    @Test func theAdministratorSetsTheWindowOrTurnsItOff() async throws {
        try await withApp(clock: clock) { app in
            let f = Fixtures(app: app)
            let admin = try await TestBrowser(app).signedIn("admin@demo.test")
            let member = try await TestBrowser(app).signedIn("member@demo.test")
            #expect(try await member.post("/admin/calendar/follow-up", [("days", "2")]).status == .forbidden)

            for (typed, message) in [("", "Enter the number of working days"), ("two", "a whole number of working days from 0 to 60"),
                                     ("-1", "from 0 to 60"), ("61", "from 0 to 60"), ("99999999999999999999", "from 0 to 60")] {
                let page = try await admin.post("/admin/calendar/follow-up", [("days", typed)])
                #expect(page.status == .unprocessableEntity, "\(typed)")
                #expect(page.mainText.contains("There is a problem") && page.mainText.contains(message), "\(typed)")
                #expect(try await ServiceLevelSettings.load(on: app.db).followUpDays == 5, "nothing saved for \(typed)")
            }

            let waiting = try await completed(f, subject: "Completed before the window was turned off")
            #expect(waiting.followUpUntil == "2026-06-24")
            #expect(try await admin.post("/admin/calendar/follow-up", [("days", "0")]).status == .seeOther)
            #expect(try await ServiceLevelSettings.load(on: app.db).followUpDays == 0)
            #expect(try await completed(f, subject: "Completed while the window is off").followUpUntil == nil)
            clock.set(utc("2026-07-30T09:30:00Z"))
            #expect(try await FollowUpWindow.run(at: app.now, on: app.db) == .init(), "off: nothing closes")
            #expect(try await reload(waiting, on: app.db).status == .completed)

            // Six weeks on, the administrator signs in again.
            let later = try await TestBrowser(app).signedIn("admin@demo.test")
            #expect(try await later.post("/admin/calendar/follow-up", [("days", " 2 ")]).status == .seeOther)
            let two = try await completed(f, subject: "Completed with a two-day window")
            #expect(two.followUpUntil == "2026-08-03", "Thursday 30 July and two working days: Monday 3 August")
            let calendar = try await later.get("/admin/calendar")
            #expect(calendar.body.contains("name=\"days\"") && calendar.body.contains("value=\"2\""))

            let audit = try await app.db.sql.select().column("changes").from("audit_entries").where("action", .equal, "follow_up_window")
                .orderBy("sequence").all().map { try $0.decode(column: "changes", as: String.self) }
            #expect(audit.count == 2 && audit.first?.contains("5 working days") == true && audit.first?.contains("off") == true)
        }
    }

    @Test func nobodyClosesAnEnquiryAsThePortalFromAPage() async throws {
        try await withApp(clock: clock) { app in
            let f = Fixtures(app: app)
            let enquiry = try await completed(f)
            let admin = try await TestBrowser(app).signedIn("admin@demo.test")
            let page = try await admin.post("/enquiries/\(enquiry.id!.uuidString)/act", [("action", EnquiryAction.closeAfterFollowUp.rawValue)])
            #expect(page.status == .badRequest)
            #expect(try await reload(enquiry, on: app.db).status == .completed)
            #expect(!(try await admin.get("/enquiries/\(enquiry.id!.uuidString)")).body.contains(EnquiryAction.closeAfterFollowUp.rawValue))
        }
    }
}
