import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// The council's calendar and service levels as the database holds them now: its nation, working
/// day, closure days and SLA policies.
struct ServiceLevelSettings: Sendable {
    let clock: WorkingDayClock
    let policies: ServiceLevelPolicies
    /// Bumped by every change of nation or hours, for optimistic locking on the settings form.
    let version: Int
    /// Working days a completed enquiry waits for its Member before the portal closes it; 0 for never.
    var followUpDays = FollowUpWindow.standardDays

    var calendar: WorkingCalendar { clock.calendar }

    func level(for enquiry: Enquiry) -> ServiceLevel {
        policies.level(serviceArea: enquiry.$serviceArea.id, type: enquiry.$type.id)
    }

    private struct CalendarRow: Decodable { let nation: String; let opens_at: Int; let closes_at: Int; let version: Int; let follow_up_days: Int? }
    private struct ClosureRow: Decodable { let day: String; let name: String }
    private struct LevelRow: Decodable {
        let service_area_id: UUID?
        let type_id: UUID?
        let first_response_days: Int
        let completion_days: Int
    }

    /// Three small reads, and the calendar: the nation's bank holidays less the closure days.
    /// `withFollowUp: false` is for the migrations that ran before the follow-up window was stored.
    static func load(on db: any Database, withFollowUp: Bool = true) async throws -> ServiceLevelSettings {
        let row = try await db.sql.select().columns(["nation", "opens_at", "closes_at", "version"] + (withFollowUp ? ["follow_up_days"] : []))
            .from("council_calendar")
            .where("id", .equal, 1).first(decoding: CalendarRow.self)
        let closures = try await db.sql.select().columns("day", "name").from("closure_days").orderBy("day")
            .all(decoding: ClosureRow.self)
            .compactMap { row in CivilDate(iso: row.day).map { Holiday(date: $0, name: row.name) } }
        var levels: [ServiceLevelPolicies.Scope: ServiceLevel] = [:]
        for level in try await db.sql.select().columns("service_area_id", "type_id", "first_response_days", "completion_days")
            .from("service_levels").all(decoding: LevelRow.self) {
            levels[.init(serviceAreaID: level.service_area_id, typeID: level.type_id)] =
                ServiceLevel(firstResponseDays: level.first_response_days, completionDays: level.completion_days)
        }
        let nation = row.flatMap { Nation(rawValue: $0.nation) } ?? .englandAndWales
        let clock = WorkingDayClock(calendar: WorkingCalendar(nation: nation, closures: closures),
                                    opensAt: row?.opens_at ?? 9 * 60, closesAt: row?.closes_at ?? 17 * 60)
        return ServiceLevelSettings(clock: clock, policies: ServiceLevelPolicies(levels), version: row?.version ?? 1,
                                    followUpDays: row?.follow_up_days ?? FollowUpWindow.standardDays)
    }
}

private struct ServiceLevelCacheKey: StorageKey { typealias Value = ShortLivedCache<ServiceLevelSettings> }

extension Application {
    /// Service levels for pages that only show deadlines. Changes to an enquiry load them afresh
    /// inside their transaction, so a deadline is never computed from a stale calendar.
    var serviceLevelCache: ShortLivedCache<ServiceLevelSettings> {
        get { installed(ServiceLevelCacheKey.self) }
        set { storage[ServiceLevelCacheKey.self] = newValue }
    }
}

extension Request {
    func serviceLevels() async throws -> ServiceLevelSettings {
        try await application.serviceLevelCache.get(on: db)
    }
}
