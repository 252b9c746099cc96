import Fluent
import Foundation
import NIOCore
import PortalCore
import Vapor

/// The reports pages for co-ordinators and administrators: a chart, its tables and their CSV,
/// for a period (the current reporting year from 31 July unless another is chosen), a service
/// area, a district and a Member.
enum ReportRoutes {
    struct Filters: Sendable {
        /// As the address gives them, with the period filled in when none was chosen.
        let fields: [String: String]
        let criteria: SearchCriteria
        let errors: FormErrors
        var query: String { SearchRoutes.queryString(fields.filter { $0.key != "period" }) + (fields["period"] == "all" ? "&period=all" : "") }
    }

    static func filters(_ request: Request, today: CivilDate) -> Filters {
        let all = (try? request.query.decode([String: String].self)) ?? [:]
        var fields = all.filter { (Reports.fieldNames + ["period"]).contains($0.key) && !$0.value.trimmingWhitespace().isEmpty }
        if fields["raised-from"] == nil, fields["raised-to"] == nil, fields["period"] != "all" {
            let year = Reports.reportingYear(containing: today)
            fields["raised-from"] = year.from.iso
            fields["raised-to"] = year.to.iso
        }
        let (criteria, errors) = SearchCriteria.parse(fields.filter { $0.key != "period" })
        return Filters(fields: fields, criteria: criteria, errors: errors)
    }

    static func context(_ request: Request, _ filters: Filters) async throws -> Reports.Context {
        let actor = try request.enquiryActor()
        let settings = try await request.serviceLevels()
        let viewer = EnquirySearch.Viewer(access: actor.viewer, scope: .officer)
        return Reports.Context(criteria: filters.criteria, viewer: viewer, clock: settings.clock, now: request.now, levels: settings.policies,
                               data: try await request.referenceData(), people: try await request.people(), db: request.db)
    }

    /// The filters as the form shows them, over the list of reports and over each report.
    struct FilterModel {
        var filters: Filters
        var today: CivilDate
        var data: ReferenceData
        var members: [PeopleDirectory.Person]
    }

    struct ReportModel {
        var kind: ReportKind
        var report: Report
        var filtered: FilterModel
    }

    @Sendable static func index(_ request: Request) async throws -> Response {
        let today = try await request.serviceLevels().clock.localDate(of: request.now)
        let model = FilterModel(filters: filters(request, today: today), today: today, data: try await request.referenceData(),
                          members: try await request.people().members)
        return request.render(ReportPages.index(model))
    }

    static func kind(_ request: Request) throws -> ReportKind {
        guard let kind = request.parameters.get("kind").flatMap(ReportKind.init(rawValue:)) else { throw Abort(.notFound) }
        return kind
    }

    @Sendable static func show(_ request: Request) async throws -> Response {
        let kind = try kind(request)
        let today = try await request.serviceLevels().clock.localDate(of: request.now)
        let filters = filters(request, today: today)
        return request.render(ReportPages.report(try await query(kind, filters: filters, today: today, context: try await context(request, filters))))
    }

    static func query(_ kind: ReportKind, filters: Filters, today: CivilDate, context: Reports.Context) async throws -> ReportModel {
        ReportModel(kind: kind, report: try await Reports.build(kind, context),
                    filtered: FilterModel(filters: filters, today: today, data: context.data, members: context.people.members))
    }

    @Sendable static func csv(_ request: Request) async throws -> Response {
        let kind = try kind(request)
        let today = try await request.serviceLevels().clock.localDate(of: request.now)
        let filters = filters(request, today: today)
        guard filters.errors.isEmpty else { return request.seeOther("/reports/\(kind.rawValue)?\(filters.query)") }
        let report = try await Reports.build(kind, try await context(request, filters))
        return csv(title: kind.title, tables: report.tables, criteria: filters.criteria, file: "\(kind.rawValue)-\(today.iso)")
    }

    /// A report's tables as CSV: its title and period, then each table under its caption. `file`
    /// names the download and is made by the portal, never taken from the request.
    static func csv(title: String, tables: [ReportTable], criteria: SearchCriteria, file: String) -> Response {
        var text = "\u{FEFF}" + SearchExport.line([title, periodText(criteria)])
        for table in tables {
            text += "\r\n" + SearchExport.line([table.caption]) + SearchExport.line(table.columns)
            for row in table.rows { text += SearchExport.line(row) }
        }
        let headers: HTTPHeaders = ["Content-Type": "text/csv; charset=utf-8", "Cache-Control": "no-store",
                                    "Content-Disposition": "attachment; filename=\"\(file).csv\""]
        return Response(status: .ok, headers: headers, body: .init(string: text))
    }

    static func periodText(_ criteria: SearchCriteria) -> String {
        switch (criteria.raised.from, criteria.raised.to) {
        case let (from?, to?): "Enquiries raised from \(from.longText) to \(to.longText)."
        case let (from?, nil): "Enquiries raised from \(from.longText)."
        case let (nil, to?): "Enquiries raised up to \(to.longText)."
        default: "Enquiries raised at any time."
        }
    }

    static func reportTable(_ table: ReportTable, id: String) -> HTMLNode {
        div(.class("table-scroll")) {
            HTMLNode.element("table", [.class("table report-table"), .id(id)], [
                caption(.class("table-caption")) { table.caption },
                thead { tr { for column in table.columns { th(.scopeCol) { column } } } },
                tbody {
                    for row in table.rows {
                        tr {
                            for (index, cell) in row.enumerated() {
                                if index == 0 { th(.scopeRow) { cell } } else { td(.class("numeric")) { cell } }
                            }
                        }
                    }
                },
            ])
        }
    }

    /// Open on the list of reports; folded on a report, whose period is written under it.
    /// `keep` holds the page's own choices (the heat map's areas), carried through the form and the periods' links.
    static func filterForm(_ filters: Filters, action: String, today: CivilDate, data: ReferenceData, members: [PeopleDirectory.Person],
                           open: Bool = true, keep: [String: String] = [:]) -> HTMLNode {
        let errors = filters.errors
        let fields = filters.fields
        let current = Reports.reportingYear(containing: today)
        let previous = Reports.reportingYear(containing: CivilDate(dayNumber: current.from.dayNumber - 1))
        let others = fields.filter { ["area", "type", "status", "district", "member"].contains($0.key) }
        let kept = keep.sorted { $0.key < $1.key }.map { "&\($0.key)=\(SearchRoutes.encode($0.value))" }.joined()
        func preset(_ from: CivilDate, _ to: CivilDate) -> String {
            var preset = others
            preset["raised-from"] = from.iso
            preset["raised-to"] = to.iso
            return "\(action)?\(SearchRoutes.queryString(preset))\(kept)"
        }
        return element("details", [.class("details report-filters")] + (open ? [.attr("open", "")] : [])) {
            summary { "Period and filters" }
            para {
                "Reporting year: "
                link(preset(current.from, current.to)) { "31 July \(current.from.year) to 30 July \(current.to.year)" }
                " · "
                link(preset(previous.from, previous.to)) { "31 July \(previous.from.year) to 30 July \(previous.to.year)" }
                " · "
                link("\(action)?\(SearchRoutes.queryString(others))&period=all\(kept)") { "All time" }
            }
            htmlForm(.method("get"), .action(action)) {
                SearchPage.dateRange("raised", legend: "Raised between", fields: fields, errors: errors)
                selectField("area", label: "Service area", choices: data.serviceAreas.map { Choice(value: $0.id.uuidString, label: $0.name) },
                            selected: fields["area"], errors: errors, placeholder: "Every service area")
                selectField("type", label: "Type of enquiry", choices: data.types.map { Choice(value: $0.id.uuidString, label: $0.name) },
                            selected: fields["type"], errors: errors, placeholder: "Every type")
                selectField("status", label: "Status", choices: EnquiryStatus.allCases.filter { $0 != .draft }.map { Choice(value: $0.rawValue, label: $0.officerLabel) },
                            selected: fields["status"], errors: errors, placeholder: "Every status")
                selectField("district", label: "District", choices: data.districts.map { Choice(value: $0.id.uuidString, label: $0.name) },
                            selected: fields["district"], errors: errors, placeholder: "Every district")
                selectField("member", label: "Member", choices: members.map { Choice(value: $0.id.uuidString, label: $0.name) },
                            selected: fields["member"], errors: errors, placeholder: "Every Member")
                for (name, value) in keep.sorted(by: { $0.key < $1.key }) { input(.type("hidden"), .name(name), .value(value)) }
                submitButton("Show")
            }
        }
    }
}

enum ReportPages {
    static func index(_ model: ReportRoutes.FilterModel) -> Page {
        let filters = model.filters
        return Page(title: "Reports", section: .reports, status: filters.errors.isEmpty ? .ok : .unprocessableEntity,
                    hasErrors: !filters.errors.isEmpty) {
            errorSummary(filters.errors)
            h1 { "Reports" }
            ReportRoutes.filterForm(filters, action: "/reports", today: model.today, data: model.data, members: model.members)
            ul(.class("report-list")) {
                for kind in ReportKind.allCases {
                    li { link("/reports/\(kind.rawValue)?\(filters.query)") { kind.title } }
                }
                li { link("/reports/heat-map?\(filters.query)") { HeatMapRoutes.title } }
            }
        }
    }

    static func report(_ model: ReportRoutes.ReportModel) -> Page {
        let kind = model.kind, report = model.report, filters = model.filtered.filters
        return Page(title: kind.title, section: .reports, status: filters.errors.isEmpty ? .ok : .unprocessableEntity,
                    hasErrors: !filters.errors.isEmpty) {
            errorSummary(filters.errors)
            para { link("/reports?\(filters.query)") { "All reports" } }
            h1 { kind.title }
            ReportRoutes.filterForm(filters, action: "/reports/\(kind.rawValue)", today: model.filtered.today, data: model.filtered.data,
                                    members: model.filtered.members, open: !filters.errors.isEmpty)
            para(.class("report-period")) { ReportRoutes.periodText(filters.criteria) }
            for fact in report.facts { para(.class("report-fact")) { fact } }
            if let chart = report.chart { div(.class("chart-frame")) { chart.svg(id: "chart") } }
            for (index, table) in report.tables.enumerated() { ReportRoutes.reportTable(table, id: "table-\(index)") }
            para { link("/reports/\(kind.rawValue)/export.csv?\(filters.query)") { "Download the tables as a spreadsheet (CSV)" } }
        }
    }
}
