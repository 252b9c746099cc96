import Fluent
import Foundation
import PortalCore
@testable import PortalServer
import SQLKit
import Testing
import Vapor

/// Retention: a closed enquiry's resident data is erased once its area's period (or the
/// council's) has passed, each once however many runs go at once; the dry run lists exactly
/// what the next run erases; the periods are the administrator's.
@Suite struct RetentionTests {
    let clock = TestClock(at: utc("2024-01-10T10:00:00Z"))

    func closed(_ f: Fixtures, subject: String, area: String? = nil) async throws -> Enquiry {
        var enquiry = try await f.submitted(subject: subject)
        if let area {
            try await f.db.sql.update(Enquiry.schema).set("service_area_id", to: try await f.area(area)).where("id", .equal, enquiry.id!).run()
            enquiry = try #require(try await Enquiry.find(enquiry.id, on: f.db))
        }
        return try await f.perform(.close(note: ""), enquiry, by: "member@demo.test")
    }

    func erasures(_ id: UUID?, _ app: Application) async throws -> [String] {
        try await app.db.sql.select().column("detail").from("audit_entries").where("enquiry_id", .equal, id)
            .where("action", .equal, "erase_resident_data").all().map { try $0.decode(column: "detail", as: String.self) }
    }

    @Test func closedEnquiriesAreErasedOnceTheirPeriodHasPassed() async throws {
        try await withApp(clock: clock) { app in
            let f = Fixtures(app: app)
            let highways = try await closed(f, subject: "Highways, closed in January 2024")
            let other = try await closed(f, subject: "Adult care, closed in January 2024", area: "Adult Social Care")
            let open = try await f.submitted(subject: "Still open")
            clock.set(utc("2024-08-12T10:00:00Z"))
            let later = try await closed(f, subject: "Adult care, closed in August 2024", area: "Adult Social Care")

            let admin = try await TestBrowser(app).signedIn("admin@demo.test")
            let highwaysArea = try await f.area("Highways")
            for (typed, message) in [("0", "from 1 to 240"), ("many", "from 1 to 240"), ("", "Enter the number of months")] {
                let page = try await admin.post("/admin/retention", [("default-months", typed)])
                #expect(page.status == .unprocessableEntity && page.mainText.contains(message), "\(typed)")
            }
            #expect(try await Retention.settings(on: app.db) == .init(defaultMonths: 24, areaMonths: [:]), "nothing saved")
            #expect(try await admin.post("/admin/retention", [("default-months", "24"), ("area-\(highwaysArea.uuidString)", "6")]).status == .seeOther)
            #expect(try await Retention.settings(on: app.db) == .init(defaultMonths: 24, areaMonths: [highwaysArea: 6]))

            // September 2024: the Highways enquiry's six months have passed; the others' 24 have not.
            clock.set(utc("2024-09-02T10:00:00Z"))
            let settings = try await Retention.settings(on: app.db)
            #expect(try await Retention.due(settings, at: app.now, limit: 100, on: app.db).map(\.id) == [highways.id!])
            let dryRun = try await TestBrowser(app).signedIn("admin@demo.test").get("/admin/retention")
            #expect(dryRun.mainText.contains("1 closed enquiry") && dryRun.mainText.contains(highways.reference) && !dryRun.mainText.contains(other.reference))
            #expect(try await Enquiry.find(highways.id, on: app.db)?.residentName != nil, "the dry run changes nothing")

            #expect(try await Retention.run(at: app.now, on: app.db) == .init(erased: 1))
            #expect(try await Enquiry.find(highways.id, on: app.db)?.residentName == nil)
            #expect(try await Enquiry.find(other.id, on: app.db)?.residentName != nil)
            #expect(try await erasures(highways.id, app) == ["Resident's personal data erased: Retention period of 6 months after closure ended"])
            #expect(try await Retention.run(at: app.now, on: app.db) == .init(erased: 0), "nothing twice")

            // February 2026: the first Adult Social Care enquiry's 24 months have passed. Two
            // instances run at once; it is erased once.
            clock.set(utc("2026-02-02T10:00:00Z"))
            async let first = Retention.run(at: app.now, on: app.db)
            async let second = Retention.run(at: app.now, on: app.db)
            let together = try await [first, second]
            #expect(together.map(\.erased).reduce(0, +) == 1, "\(together)")
            #expect(try await erasures(other.id, app).count == 1)
            #expect(try await Enquiry.find(later.id, on: app.db)?.residentName != nil)
            #expect(try await Enquiry.find(open.id, on: app.db)?.residentName != nil, "open enquiries are never erased by retention")
            #expect(try await AuditTrail.verify(on: app.db) == .intact(entries: try await count("audit_entries", on: app.db)))
        }
    }
}
