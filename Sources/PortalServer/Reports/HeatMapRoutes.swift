import Fluent
import Foundation
import PortalCore
import Vapor

/// `/reports/heat-map`: enquiries by division, district or parish, shaded on a map the server
/// draws from the council's boundaries, with its table and CSV, under the reports' filters and
/// access rule. Places without a boundary are in the table; enquiries without a place are counted
/// there as not placed.
enum HeatMapRoutes {
    static let title = "Heat map of enquiries by division, district or parish"

    struct Model {
        var options: HeatMap.Options
        var figures: HeatMap.Figures
        /// The boundaries: the places shaded, and the districts drawn over smaller places.
        var places: PlaceIndex
        var filtered: ReportRoutes.FilterModel

        /// Rates are shaded only where some place has a population.
        var measure: HeatMap.Measure { figures.shading(options.measure) }
    }

    /// The reports' filters, with the heat map's own choices checked beside them.
    static func filters(_ request: Request, today: CivilDate) -> (ReportRoutes.Filters, HeatMap.Options) {
        let filters = ReportRoutes.filters(request, today: today)
        var errors = filters.errors
        let options = HeatMap.Options.parse((try? request.query.decode([String: String].self)) ?? [:], errors: &errors)
        return (ReportRoutes.Filters(fields: filters.fields, criteria: filters.criteria, errors: errors), options)
    }

    @Sendable static func show(_ request: Request) async throws -> Response {
        let today = try await request.serviceLevels().clock.localDate(of: request.now)
        let (filters, options) = filters(request, today: today)
        let context = try await ReportRoutes.context(request, filters)
        return request.render(page(try await query(options, filters: filters, today: today, places: try await request.places(), context: context)))
    }

    static func query(_ options: HeatMap.Options, filters: ReportRoutes.Filters, today: CivilDate, places: PlaceIndex,
                      context: Reports.Context) async throws -> Model {
        Model(options: options, figures: try await HeatMap.count(options.kind, context), places: places,
              filtered: ReportRoutes.FilterModel(filters: filters, today: today, data: context.data, members: context.people.members))
    }

    @Sendable static func csv(_ request: Request) async throws -> Response {
        let today = try await request.serviceLevels().clock.localDate(of: request.now)
        let (filters, options) = filters(request, today: today)
        guard filters.errors.isEmpty else { return request.seeOther("/reports/heat-map?\(filters.query)&\(options.query)") }
        let figures = try await HeatMap.count(options.kind, try await ReportRoutes.context(request, filters))
        return ReportRoutes.csv(title: "Enquiries by \(options.kind.label)", tables: [figures.table(figures.shading(options.measure))], criteria: filters.criteria,
                                file: "heat-map-\(options.kind.rawValue)-\(today.iso)")
    }

    /// Says how many places the map leaves to the table, having no boundary.
    static func unbounded(_ count: Int, kind: PlaceIndex.Kind, plural: String) -> String {
        switch count {
        case 0: ""
        case 1: " 1 \(kind.label) without a boundary is in the table only."
        default: " \(count) \(plural) without a boundary are in the table only."
        }
    }

    static func page(_ model: Model) -> Page {
        let filters = model.filtered.filters, options = model.options, figures = model.figures, measure = model.measure
        let kind = options.kind
        let plural = kind == .parish ? "parishes" : "\(kind.label)s"
        let table = figures.table(measure)
        let bounded = Dictionary(model.places.places.filter { $0.kind == kind }.map { ($0.id, $0.area) }, uniquingKeysWith: { first, _ in first })
        let shaded = figures.rows.compactMap { row -> HeatMapPicture.Shaded? in
            guard let area = bounded[row.place.id] else { return nil }
            let value = row.value(measure)
            let text = measure == .count ? "\(row.count) " + (row.count == 1 ? "enquiry" : "enquiries")
                : value.map { "\(HeatMap.rate($0)) per 1,000" } ?? "no population"
            return HeatMapPicture.Shaded(name: row.place.name, area: area, value: value, text: text)
        }
        let picture = HeatMapPicture(title: "Map of \(measure.label.lowercased()) by \(kind.label)", noun: plural, measure: measure.label,
                                     decimals: measure == .count ? 0 : 1, areas: shaded,
                                     outlines: kind == .district ? [] : model.places.places.filter { $0.kind == .district }.map(\.area))
        let placed = figures.total - figures.notPlaced
        let top = figures.ordered(measure).first { $0.count > 0 }
        let errors = filters.errors
        return Page(title: "Heat map of enquiries", section: .reports, status: errors.isEmpty ? .ok : .unprocessableEntity, hasErrors: !errors.isEmpty) {
            errorSummary(errors)
            para { link("/reports?\(filters.query)") { "All reports" } }
            h1 { "Heat map of enquiries by \(kind.label)" }
            ReportRoutes.filterForm(filters, action: "/reports/heat-map", today: model.filtered.today, data: model.filtered.data,
                                    members: model.filtered.members, open: !errors.isEmpty, keep: options.fields)
            htmlForm(.method("get"), .action("/reports/heat-map"), .class("heat-map-choice")) {
                for (name, value) in filters.fields.sorted(by: { $0.key < $1.key }) { input(.type("hidden"), .name(name), .value(value)) }
                radios("by", legend: "Areas", choices: [Choice(value: "division", label: "Electoral divisions"),
                                                        Choice(value: "district", label: "Districts"),
                                                        Choice(value: "parish", label: "Parishes")],
                       selected: kind.rawValue, errors: errors)
                radios("measure", legend: "Shade by", choices: HeatMap.Measure.allCases.map { Choice(value: $0.rawValue, label: $0.label) },
                       selected: options.measure.rawValue, errors: errors,
                       hint: figures.hasPopulations ? nil : "No populations are loaded for \(plural), so the map shows the number of enquiries.")
                submitButton("Show the map")
            }
            para(.class("report-period")) { ReportRoutes.periodText(filters.criteria) }
            para(.class("report-fact")) {
                "\(figures.total.formatted()) enquiries: \(placed.formatted()) in a \(kind.label), \(figures.notPlaced.formatted()) not placed."
            }
            if let top {
                para(.class("report-fact")) {
                    "The most: \(top.place.name), with \(top.count.formatted()) \(top.count == 1 ? "enquiry" : "enquiries")"
                        + (measure == .rate ? top.perThousand.map { " (\(HeatMap.rate($0)) per 1,000 residents)." } ?? "." : ".")
                }
            }
            if shaded.isEmpty {
                para { "No boundaries are loaded for \(plural), so there is no map; the table gives the figures." }
            } else {
                element("figure", [.class("chart-frame heat-map-figure")]) {
                    picture.svg(id: "heat-map")
                    element("figcaption", [.class("hint")]) {
                        "\(measure.label) by \(kind.label): the darker the shade and the denser the hatching, the more enquiries; "
                            + "each \(kind.label) with room for it is labelled with its figure, and the table gives them all."
                            + Self.unbounded(figures.rows.count - shaded.count, kind: kind, plural: plural)
                    }
                }
            }
            ReportRoutes.reportTable(table, id: "table-0")
            para { link("/reports/heat-map/export.csv?\(filters.query)&\(options.query)") { "Download the table as a spreadsheet (CSV)" } }
        }
    }
}
