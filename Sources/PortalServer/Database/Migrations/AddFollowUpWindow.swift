import Fluent
import Foundation
import PortalCore
import SQLKit

/// The follow-up window: the council's number of working days (5 unless changed; 0 for never) and
/// each completed enquiry's last day of waiting for its Member. Enquiries already completed when
/// this runs count their window from now, not from their completion, so none closes the moment
/// the portal is upgraded without its Member having had the window's warning.
struct AddFollowUpWindow: AsyncMigration {
    let clock: PortalClock

    func prepare(on database: any Database) async throws {
        try await database.schema("council_calendar").field("follow_up_days", .int, .required, .sql(.default(FollowUpWindow.standardDays))).update()
        try await database.schema("enquiries").field("follow_up_until", .string).update()
        try await database.createIndex("enquiries_follow_up_until", on: "enquiries", "follow_up_until")
        let settings = try await ServiceLevelSettings.load(on: database)
        let now = clock.now()
        let completed = try await database.sql.select().columns("id", "completed_at").from("enquiries")
            .where("status", .equal, EnquiryStatus.completed.rawValue).all()
        for row in completed {
            let completedAt = try row.decode(column: "completed_at", as: Date?.self) ?? now
            guard let last = FollowUpWindow.lastDay(completedAt: max(completedAt, now), settings: settings) else { continue }
            try await database.sql.update("enquiries").set("follow_up_until", to: last.iso)
                .where("id", .equal, try row.decode(column: "id", as: UUID.self)).run()
        }
    }

    func revert(on database: any Database) async throws {
        try await database.sql.drop(index: "enquiries_follow_up_until").run()
        try await database.schema("enquiries").deleteField("follow_up_until").update()
        try await database.schema("council_calendar").deleteField("follow_up_days").update()
    }
}
