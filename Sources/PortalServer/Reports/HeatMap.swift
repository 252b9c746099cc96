import Fluent
import Foundation
import PortalCore
import SQLKit

/// The heat map of enquiries: how many each district, division or parish holds, and how many per
/// 1,000 residents where its population is loaded. Grouped by the enquiry's own place column under
/// the reports' conditions (`EnquirySearch.conditions`), over the tallies and the enquiries alike,
/// so the map agrees with the other reports and with search, and holds only what the person's
/// access allows.
enum HeatMap {
    /// What the map shades.
    enum Measure: String, CaseIterable, Sendable {
        case count, rate

        var label: String {
            switch self {
            case .count: "Enquiries"
            case .rate: "Enquiries per 1,000 residents"
            }
        }
    }

    /// The areas and the shading asked for.
    struct Options: Sendable, Equatable {
        var kind: PlaceIndex.Kind = .division
        var measure: Measure = .count

        /// For an address, after `?`.
        var query: String { "by=\(kind.rawValue)&measure=\(measure.rawValue)" }
        var fields: [String: String] { ["by": kind.rawValue, "measure": measure.rawValue] }

        /// From the address. A value that is not one of the choices is reported against its field
        /// and the default is drawn meanwhile.
        static func parse(_ fields: [String: String], errors: inout FormErrors) -> Options {
            var options = Options()
            if let text = fields["by"]?.trimmingWhitespace(), !text.isEmpty {
                if let kind = PlaceIndex.Kind(rawValue: text) { options.kind = kind } else { errors.add("by", "Choose divisions, districts or parishes") }
            }
            if let text = fields["measure"]?.trimmingWhitespace(), !text.isEmpty {
                if let measure = Measure(rawValue: text) {
                    options.measure = measure
                } else {
                    errors.add("measure", "Choose to shade by the number of enquiries or by enquiries per 1,000 residents")
                }
            }
            return options
        }
    }

    struct Row: Sendable, Equatable {
        let place: Places.Listed
        let count: Int

        /// Enquiries per 1,000 residents, to the tenth shown; nil without a population.
        var perThousand: Double? { HeatMap.perThousand(count, of: place.population) }

        func value(_ measure: Measure) -> Double? { measure == .count ? Double(count) : perThousand }
    }

    struct Figures: Sendable {
        let kind: PlaceIndex.Kind
        /// Every place of the kind, with or without enquiries, by name.
        let rows: [Row]
        /// Enquiries with no place of this kind.
        let notPlaced: Int

        var total: Int { rows.reduce(notPlaced) { $0 + $1.count } }
        var hasPopulations: Bool { rows.contains { $0.perThousand != nil } }

        /// The measure asked for, or the count when no place has a population to give a rate.
        func shading(_ measure: Measure) -> Measure { measure == .rate && !hasPopulations ? .count : measure }

        /// The rows with the most first, by the measure shaded; those without a figure last.
        func ordered(_ measure: Measure) -> [Row] {
            rows.sorted { a, b in
                let x = a.value(measure) ?? -1, y = b.value(measure) ?? -1
                return x != y ? x > y : a.place.name < b.place.name
            }
        }

        /// The table under the map, and the CSV: every place, then those not placed, then the total.
        func table(_ measure: Measure) -> ReportTable {
            let noun = kind.label.prefix(1).uppercased() + kind.label.dropFirst()
            var table = ReportTable(caption: "Enquiries by \(kind.label)", columns: [noun, "Code", "Enquiries", "Residents", "Per 1,000 residents"], rows: [])
            for row in ordered(measure) {
                table.rows.append([row.place.name, row.place.code ?? "–", String(row.count), row.place.population.map(String.init) ?? "–",
                                   row.perThousand.map(HeatMap.rate) ?? "–"])
            }
            table.rows.append(["Not placed", "–", String(notPlaced), "–", "–"])
            // The whole council's figure, when every place has its population.
            let populations = rows.compactMap(\.place.population)
            let residents = populations.count == rows.count && !rows.isEmpty ? populations.reduce(0, +) : nil
            table.rows.append(["Total", "–", String(total), residents.map(String.init) ?? "–", HeatMap.perThousand(total, of: residents).map(HeatMap.rate) ?? "–"])
            return table
        }
    }

    /// Per 1,000 residents, to the tenth as shown; nil without a population.
    static func perThousand(_ count: Int, of population: Int?) -> Double? {
        guard let population, population > 0 else { return nil }
        return (Double(count) * 10_000 / Double(population)).rounded() / 10
    }

    static func rate(_ value: Double) -> String { String(format: "%.1f", value) }

    /// The enquiries the context finds, counted by their place of this kind. The whole months of
    /// the period are summed from the tallies (`CreateEnquiryTallies`), the days before the first
    /// whole month and after the last counted from the enquiries; a short period, or a filter the
    /// tallies do not hold, counts the enquiries alone, as does `tallies: false`.
    static func count(_ kind: PlaceIndex.Kind, _ context: Reports.Context, tallies: Bool = true) async throws -> Figures {
        let column = context.column(kind.enquiryColumn)
        var counts: [UUID?: Int] = [:]
        func add(_ select: SQLSelectBuilder, counting total: any SQLExpression) async throws {
            for row in try await select.column(column, as: "place").column(total, as: "total").groupBy(column).all() {
                let id = try row.decode(column: "place", as: UUID?.self)
                counts[id == CreateEnquiryTallies.none ? nil : id, default: 0] += try row.decode(column: "total", as: Int.self)
            }
        }
        let counted = SQLFunction("COUNT", args: SQLLiteral.all)
        if tallies, let split = Split(context.criteria.raised), talliesHold(context) {
            var criteria = context.criteria
            criteria.raised = .init()
            var select = context.db.sql.select().from(SQLAlias(SQLIdentifier(CreateEnquiryTallies.table), as: SQLIdentifier(Enquiry.schema)))
            for condition in EnquirySearch.conditions(criteria, viewer: context.viewer, clock: context.clock, now: context.now) { select = select.where(condition) }
            if let first = split.first { select = select.where(context.column("raised_month"), .greaterThanOrEqual, SQLBind(first.iso)) }
            if let last = split.last { select = select.where(context.column("raised_month"), .lessThanOrEqual, SQLBind(last.iso)) }
            // SUM of a bigint is NUMERIC on PostgreSQL; the total fits a bigint.
            try await add(select, counting: SQLQueryString("CAST(SUM(\(context.column("tally"))) AS BIGINT)"))
            for days in split.edges {
                criteria.raised = days
                try await add(EnquirySearch.matching(criteria, viewer: context.viewer, clock: context.clock, now: context.now, on: context.db), counting: counted)
            }
        } else {
            try await add(context.base(), counting: counted)
        }
        let places = try await Places.listed(kind, on: context.db)
        let known = Set(places.map(\.id))
        return Figures(kind: kind, rows: places.map { Row(place: $0, count: counts[$0.id] ?? 0) },
                       notPlaced: counts.filter { $0.key.map { !known.contains($0) } ?? true }.values.reduce(0, +))
    }

    /// Whether the tallies hold everything the count is filtered by: the reports' filters, and an
    /// access rule that reads only an enquiry's status, service area and Member.
    static func talliesHold(_ context: Reports.Context) -> Bool {
        let criteria = context.criteria
        var held = SearchCriteria()
        (held.status, held.serviceAreaID, held.typeID, held.memberID) = (criteria.status, criteria.serviceAreaID, criteria.typeID, criteria.memberID)
        (held.districtID, held.divisionID, held.parishID) = (criteria.districtID, criteria.divisionID, criteria.parishID)
        (held.raised, held.sort, held.page) = (criteria.raised, criteria.sort, criteria.page)
        func tallied(_ condition: EnquiryCondition) -> Bool {
            switch condition {
            case .always, .never, .notDraft, .memberIs, .memberIsNot, .serviceAreaIn: true
            case .raisedBy, .askedResponder, .sharedWith: false
            case .all(let parts), .any(let parts): parts.allSatisfy(tallied)
            }
        }
        return held == criteria && tallied(context.viewer.enquiries)
    }

    /// A period as the whole months in it (first days of the first and last, either open) and the
    /// days either side of them; nil when it holds no whole month.
    struct Split: Equatable {
        var first: CivilDate?
        var last: CivilDate?
        var edges: [SearchCriteria.Dates] = []

        init?(_ period: SearchCriteria.Dates) {
            if let from = period.from, from.day != 1 {
                first = from.firstOfNextMonth
                edges.append(.init(from: from, to: CivilDate(dayNumber: from.firstOfNextMonth.dayNumber - 1)))
            } else {
                first = period.from
            }
            if let to = period.to, CivilDate(dayNumber: to.dayNumber + 1).day != 1 {
                last = CivilDate(dayNumber: to.firstOfMonth.dayNumber - 1).firstOfMonth
                edges.append(.init(from: to.firstOfMonth, to: to))
            } else {
                last = period.to?.firstOfMonth
            }
            if let first, let last, first > last { return nil }
        }
    }
}
