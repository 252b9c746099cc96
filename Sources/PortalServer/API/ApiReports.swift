import Foundation
import OpenAPIRuntime
import PortalAPI
import PortalCore
import Vapor

/// The reporting feed: each management report's figures as JSON or as its page's CSV, so Power
/// BI or Excel can refresh from an address with a `reports:read` token.
extension PortalAPIHandlers {
    func listReports(_ input: Operations.ListReports.Input) async throws -> Operations.ListReports.Output {
        let call = try ApiCall.require()
        try call.require(.reportsRead)
        return .ok(.init(body: .json(.init(items: ReportKind.allCases.map { .init(kind: $0.rawValue, title: $0.title) }))))
    }

    func getReport(_ input: Operations.GetReport.Input) async throws -> Operations.GetReport.Output {
        let call = try ApiCall.require()
        try call.require(.reportsRead)
        let request = call.request
        guard let kind = ReportKind(rawValue: input.path.kind.rawValue) else { throw ApiProblem(.notFound, "There is no such report.") }
        let query = input.query
        var errors = FormErrors()
        Self.checkIDs([("area", query.area), ("type", query._type), ("district", query.district), ("member", query.member)], into: &errors)
        Self.checkDates([("raised-from", query.raisedFrom), ("raised-to", query.raisedTo)], into: &errors)
        try Self.refuse(errors)
        let named: [(String, String?)] = [("raised-from", query.raisedFrom), ("raised-to", query.raisedTo), ("area", query.area), ("type", query._type),
                                          ("status", query.status?.rawValue), ("district", query.district), ("member", query.member)]
        var fields = Dictionary(uniqueKeysWithValues: named.compactMap { name, value in value.map { (name, $0) } })
        let settings = try await request.serviceLevels()
        let today = settings.clock.localDate(of: request.now)
        // As the report's page: the reporting year unless a period is given, or every enquiry.
        if fields["raised-from"] == nil, fields["raised-to"] == nil, query.period == nil {
            let year = Reports.reportingYear(containing: today)
            fields["raised-from"] = year.from.iso
            fields["raised-to"] = year.to.iso
        }
        var (criteria, parsed) = SearchCriteria.parse(fields)
        // A period that ends before it starts counts nothing, as it says.
        if let from = criteria.raised.from, let to = criteria.raised.to, to < from {
            var kept = FormErrors()
            for error in parsed.all where error.field != "raised-to" { kept.add(error.field, error.message) }
            parsed = kept
        }
        try Self.refuse(parsed)
        criteria.page = 1
        let actor = try await call.actor()
        let context = Reports.Context(criteria: criteria, viewer: EnquirySearch.Viewer(access: actor.viewer, scope: .officer), clock: settings.clock,
                                      now: request.now, levels: settings.policies, data: try await request.referenceData(),
                                      people: try await request.people(), db: request.db)
        let report = try await Reports.build(kind, context)
        // CSV when asked for it and not for JSON; JSON otherwise.
        let accepted = input.headers.accept.map(\.contentType)
        if accepted.contains(.csv), !accepted.contains(.json) {
            let csv = ReportRoutes.csv(title: kind.title, tables: report.tables, criteria: criteria, file: "\(kind.rawValue)-\(today.iso)")
            let text = csv.body.string ?? ""
            return .ok(.init(body: .csv(HTTPBody(text))))
        }
        return .ok(.init(body: .json(.init(kind: kind.rawValue, title: kind.title, period: ReportRoutes.periodText(criteria), facts: report.facts,
                                           tables: report.tables.map { .init(caption: $0.caption, columns: $0.columns, rows: $0.rows) }))))
    }
}
