import Fluent
import Foundation
import PortalCore
import SQLKit

/// The heat map of enquiries: how many each district, division or parish holds, and how many per
/// 1,000 residents where its population is loaded. One GROUP BY on the enquiry's own place column
/// over the reports' conditions (`Reports.Context.base`), so the map agrees with the other reports
/// and with search, and holds only what the person's access allows.
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

    /// The enquiries the context finds, counted by their place of this kind.
    static func count(_ kind: PlaceIndex.Kind, _ context: Reports.Context) async throws -> Figures {
        let column = context.column(kind.enquiryColumn)
        var counts: [UUID?: Int] = [:]
        for row in try await context.base().column(column, as: "place").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "total")
            .groupBy(column).all() {
            counts[try row.decode(column: "place", as: UUID?.self)] = try row.decode(column: "total", as: Int.self)
        }
        let places = try await Places.listed(kind, on: context.db)
        let known = Set(places.map(\.id))
        return Figures(kind: kind, rows: places.map { Row(place: $0, count: counts[$0.id] ?? 0) },
                       notPlaced: counts.filter { $0.key.map { !known.contains($0) } ?? true }.values.reduce(0, +))
    }
}
