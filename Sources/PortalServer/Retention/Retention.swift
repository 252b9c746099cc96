import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// Retention: a set number of months after an enquiry closes, its resident's personal data is
/// erased (`ResidentErasure`), by the service area's period or the council's default. A job
/// checks every quarter of an hour; several instances may run it at once, as each enquiry is
/// claimed inside the erasing transaction and erased once. What reports count stays.
enum Retention {
    static let standardMonths = 24
    /// The longest period an administrator may set: twenty years.
    static let mostMonths = 240

    struct Settings: Sendable, Equatable {
        var defaultMonths: Int
        /// A service area's own period, where it has one.
        var areaMonths: [UUID: Int]

        func months(for area: UUID) -> Int { areaMonths[area] ?? defaultMonths }
    }

    static func settings(on db: any Database) async throws -> Settings {
        let months = try await db.sql.select().column("default_months").from("retention_settings").where("id", .equal, 1).first()?
            .decode(column: "default_months", as: Int.self) ?? standardMonths
        var areas: [UUID: Int] = [:]
        for row in try await db.sql.select().columns("id", "retention_months").from(ServiceArea.schema)
            .where("retention_months", .isNot, SQLLiteral.null).all() {
            areas[try row.decode(column: "id", as: UUID.self)] = try row.decode(column: "retention_months", as: Int.self)
        }
        return Settings(defaultMonths: months, areaMonths: areas)
    }

    /// The first instant not yet past retention for `months`: enquiries closed before it are due.
    static func cutoff(months: Int, at now: Date) -> Date {
        let today = CouncilTime.local(now).date
        let total = today.year * 12 + (today.month - 1) - months
        let year = total >= 0 ? total / 12 : (total - 11) / 12
        let month = total - year * 12 + 1
        let day = min(today.day, CivilDate.daysIn(month: month, year: year))
        return CouncilTime.startOfDay(CivilDate(year: year, month: month, day: day) ?? today)
    }

    /// One enquiry the next run would erase.
    struct Due: Sendable, Decodable, Equatable {
        let id: UUID
        let reference: String
        let service_area_id: UUID
        let closed_at: Date
    }

    /// Closed enquiries, not yet erased, whose period has ended, oldest closure first.
    static func due(_ settings: Settings, at now: Date, limit: Int, on db: any Database) async throws -> [Due] {
        // One condition for each period in use: the areas with it, closed before its cutoff.
        var periods: [Int: [UUID]] = [:]
        for (area, months) in settings.areaMonths { periods[months, default: []].append(area) }
        var alternatives: [any SQLExpression] = periods.sorted { $0.key < $1.key }.map { months, areas in
            SQLGroupExpression(SQLList([
                EnquiryList.column("service_area_id", in: areas.sorted { $0.uuidString < $1.uuidString }),
                SQLBinaryExpression(SQLColumn("closed_at"), .lessThan, SQLBind(cutoff(months: months, at: now))),
            ], separator: SQLRaw(" AND ")))
        }
        var defaultRule: [any SQLExpression] = [SQLBinaryExpression(SQLColumn("closed_at"), .lessThan, SQLBind(cutoff(months: settings.defaultMonths, at: now)))]
        if !settings.areaMonths.isEmpty {
            defaultRule.append(SQLBinaryExpression(SQLColumn("service_area_id"), .notIn,
                                                   SQLGroupExpression(settings.areaMonths.keys.sorted { $0.uuidString < $1.uuidString }.map { SQLBind($0) })))
        }
        alternatives.append(SQLGroupExpression(SQLList(defaultRule, separator: SQLRaw(" AND "))))
        return try await db.sql.select().columns("id", "reference", "service_area_id", "closed_at").from(Enquiry.schema)
            .where("status", .equal, EnquiryStatus.closed.rawValue)
            .where("erased_at", .is, SQLLiteral.null)
            .where(SQLGroupExpression(SQLList(alternatives, separator: SQLRaw(" OR "))))
            .orderBy("closed_at").orderBy("id").limit(limit)
            .all(decoding: Due.self)
    }

    struct Outcome: Sendable, Equatable { var erased = 0 }

    static let batchSize = 500

    /// Erases every enquiry due, a batch a transaction, each once.
    static func run(at now: Date, on db: any Database) async throws -> Outcome {
        let settings = try await settings(on: db)
        var outcome = Outcome()
        var seen = Set<UUID>()
        while true {
            let due = try await due(settings, at: now, limit: batchSize, on: db).filter { !seen.contains($0.id) }
            guard !due.isEmpty else { break }
            seen.formUnion(due.map(\.id))
            // Grouped by period, so each enquiry's trail says which period ended.
            for (months, batch) in Dictionary(grouping: due, by: { settings.months(for: $0.service_area_id) }).sorted(by: { $0.key < $1.key }) {
                outcome.erased += try await ResidentErasure.erase(batch.map(\.id), reason: reason(months: months), by: nil, at: now,
                                                                  onlyIfNotErased: true, on: db)
            }
        }
        return outcome
    }

    static func reason(months: Int) -> String {
        "Retention period of \(months) \(months == 1 ? "month" : "months") after closure ended"
    }
}

extension RepeatingJob {
    /// Retention every quarter of an hour.
    static var retention: RepeatingJob {
        RepeatingJob("Retention", every: .seconds(900), after: .seconds(20)) { application in
            let outcome = try await Retention.run(at: application.now, on: application.db)
            if outcome.erased > 0 {
                application.logger.notice("Retention: the personal data of \(outcome.erased) closed enquiries was erased")
            }
        }
    }
}
