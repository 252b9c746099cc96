import Fluent
import Foundation
import PortalCore
@testable import PortalServer
import SQLKit
import Testing
import Vapor

/// The administrator's working days and service levels, through HTTP.
@Suite struct CalendarAdminTests {
    @Test func anAdministratorAddsAndRemovesAClosureDay() async throws {
        try await withApp { app in
            let browser = TestBrowser(app)
            try await browser.signIn("admin@demo.test")
            let page = try await browser.get("/admin/calendar")
            #expect(page.status == .ok)
            #expect(page.mainText.contains("Christmas Day"))
            let added = try await browser.post("/admin/calendar/closures", [("day", "2030-07-31"), ("name", "Office move")])
            #expect(added.status == .seeOther)
            let after = try await browser.get("/admin/calendar")
            #expect(after.mainText.contains("Wednesday 31 July 2030 Office move"))
            let settings = try await ServiceLevelSettings.load(on: app.db)
            #expect(settings.calendar.reasonClosed(CivilDate(iso: "2030-07-31")!) == "Office move")
            #expect(try await AuditEntry.query(on: app.db).filter(\.$action == "closure_day_added").count() == 1)

            let id = try #require(try await app.db.sql.select().column("id").from("closure_days").where("day", .equal, "2030-07-31")
                .first()?.decode(column: "id", as: UUID.self))
            let removed = try await browser.post("/admin/calendar/closures/\(id.uuidString)/remove", [])
            #expect(removed.status == .seeOther)
            #expect(try await ServiceLevelSettings.load(on: app.db).calendar.isWorkingDay(CivilDate(iso: "2030-07-31")!))
            #expect(try await AuditEntry.query(on: app.db).filter(\.$action == "closure_day_removed").count() == 1)
            // Removing it again is not an error.
            #expect(try await browser.post("/admin/calendar/closures/\(id.uuidString)/remove", []).status == .seeOther)
        }
    }

    @Test func badClosureDaysAreRefusedWithAReason() async throws {
        try await withApp { app in
            let browser = TestBrowser(app)
            try await browser.signIn("admin@demo.test")
            try await browser.get("/admin/calendar")
            let cases: [(String, String, String)] = [
                ("", "Closure", "Enter the date the council is closed"),
                ("31/12/2030", "Closure", "Enter the date as year-month-day"),
                ("2030-02-30", "Closure", "Enter the date as year-month-day"),
                ("2030-12-25", "Closure", "already not a working day (Christmas Day)"),
                ("2030-08-03", "Closure", "already not a working day (Saturday)"),
                ("2030-08-01", "", "Enter a name for the closure"),
                ("2030-08-01", String(repeating: "x", count: 101), "100 characters or fewer"),
            ]
            for (day, name, message) in cases {
                let page = try await browser.post("/admin/calendar/closures", [("day", day), ("name", name)])
                #expect(page.status == .unprocessableEntity, "\(day) \(name)")
                #expect(page.mainText.contains("There is a problem"))
                #expect(page.mainText.contains(message), "\(day): \(message)")
                #expect(page.body.contains("value=\"\(day)\""), "what was typed is kept")
            }
            let count = try await app.db.sql.select().column(SQLLiteral.all).from("closure_days").where("day", .greaterThan, "2029-01-01").all().count
            #expect(count == 0)
            // A day already closed cannot be added twice.
            #expect(try await browser.post("/admin/calendar/closures", [("day", "2030-08-01"), ("name", "Training day")]).status == .seeOther)
            try await browser.get("/admin/calendar")
            let twice = try await browser.post("/admin/calendar/closures", [("day", "2030-08-01"), ("name", "Training day")])
            #expect(twice.mainText.contains("already not a working day (Training day)"))
        }
    }

    @Test func theWorkingDayIsSavedWithOptimisticLocking() async throws {
        try await withApp { app in
            let browser = TestBrowser(app)
            try await browser.signIn("admin@demo.test")
            try await browser.get("/admin/calendar")
            let bad = try await browser.post("/admin/calendar", [("nation", "wales"), ("opensAt", "9am"), ("closesAt", "08:00"), ("version", "1")])
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.mainText.contains("Choose whose bank holidays"))
            #expect(bad.mainText.contains("Enter the opening time"))
            try await browser.get("/admin/calendar")
            let saved = try await browser.post("/admin/calendar", [("nation", "scotland"), ("opensAt", "08:30"), ("closesAt", "16:30"), ("version", "1")])
            #expect(saved.status == .seeOther)
            let settings = try await ServiceLevelSettings.load(on: app.db)
            #expect(settings.calendar.nation == .scotland)
            #expect(settings.clock.opensAt == 8 * 60 + 30 && settings.clock.closesAt == 16 * 60 + 30)
            try await browser.get("/admin/calendar")
            let stale = try await browser.post("/admin/calendar", [("nation", "northern-ireland"), ("opensAt", "09:00"), ("closesAt", "17:00"), ("version", "1")])
            #expect(stale.status == .conflict)
            #expect(stale.mainText.contains("Someone else changed the working day"))
            #expect(try await ServiceLevelSettings.load(on: app.db).calendar.nation == .scotland)
        }
    }

    @Test func serviceLevelsAreSetOverriddenAndRemoved() async throws {
        try await withApp { app in
            let fixtures = Fixtures(app: app)
            let browser = TestBrowser(app)
            try await browser.signIn("admin@demo.test")
            let highways = try await fixtures.area("Highways")
            try await browser.get("/admin/service-levels")
            let bad = try await browser.post("/admin/service-levels", [("serviceArea", UUID().uuidString), ("type", ""),
                                                                        ("firstResponseDays", "15"), ("completionDays", "12")])
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.mainText.contains("Choose a service area from the list"))
            #expect(bad.mainText.contains("cannot be shorter than the time to first response"))
            try await browser.get("/admin/service-levels")
            let saved = try await browser.post("/admin/service-levels", [("serviceArea", highways.uuidString), ("type", ""),
                                                                          ("firstResponseDays", "5"), ("completionDays", "20")])
            #expect(saved.status == .seeOther)
            let page = try await browser.get("/admin/service-levels")
            #expect(page.mainText.contains("Highways 5 working days 20 working days"))
            let enquiry = try await fixtures.submitted()
            let calendar = try await ServiceLevelSettings.load(on: app.db).calendar
            let day0 = try #require(enquiry.receivedOn.flatMap(CivilDate.init(iso:)))
            #expect(enquiry.firstResponseDue == calendar.adding(5, workingDaysTo: day0).iso)

            // Changing the default replaces its row rather than adding a second.
            try await browser.get("/admin/service-levels")
            #expect(try await browser.post("/admin/service-levels", [("serviceArea", ""), ("type", ""), ("firstResponseDays", "8"),
                                                                      ("completionDays", "25")]).status == .seeOther)
            #expect(try await app.db.sql.select().column(SQLLiteral.all).from("service_levels").all().count == 2)
            #expect(try await ServiceLevelSettings.load(on: app.db).policies.standard == ServiceLevel(firstResponseDays: 8, completionDays: 25))

            let id = try #require(try await app.db.sql.select().column("id").from("service_levels").where("service_area_id", .equal, highways)
                .first()?.decode(column: "id", as: UUID.self))
            try await browser.get("/admin/service-levels")
            #expect(try await browser.post("/admin/service-levels/\(id.uuidString)/remove", []).status == .seeOther)
            #expect(try await ServiceLevelSettings.load(on: app.db).policies.level(serviceArea: highways, type: UUID()).firstResponseDays == 8)
            #expect(try await AuditEntry.query(on: app.db).filter(\.$action ~~ ["service_level_set", "service_level_removed"]).count() == 3)
        }
    }

    @Test func onlyAdministratorsReachTheCalendar() async throws {
        try await withApp { app in
            let browser = TestBrowser(app)
            try await browser.signIn("coordinator@demo.test")
            #expect(try await browser.get("/admin/calendar").status == .forbidden)
            #expect(try await browser.get("/admin/service-levels").status == .forbidden)
            #expect(try await browser.post("/admin/calendar/closures", [("day", "2030-08-01"), ("name", "x")]).status == .forbidden)
        }
    }
}
