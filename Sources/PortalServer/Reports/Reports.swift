import Fluent
import Foundation
import PortalCore
import SQLKit

/// The management reports: each a chart, the tables behind it and their CSV. Every figure is
/// counted over `EnquirySearch.matching`, the same conditions the search page uses, so a report
/// and a search with the same filters agree, and one person's reports hold only what their
/// access allows.
enum ReportKind: String, CaseIterable, Sendable {
    case districtsAndTypes = "districts-and-types"
    case volumeByMonth = "volume-by-month"
    case firstResponseByMonth = "first-response-by-month"
    case completionByMonth = "completion-by-month"
    case firstResponseDistribution = "first-response-distribution"
    case completionDistribution = "completion-distribution"
    case summary
    case reopened

    var title: String {
        switch self {
        case .districtsAndTypes: "Enquiries by district and type"
        case .volumeByMonth: "Enquiries by month, raised by Members and by officers"
        case .firstResponseByMonth: "Average working days to first response, by month raised"
        case .completionByMonth: "Average working days to complete, by month raised"
        case .firstResponseDistribution: "Enquiries by working days to first response"
        case .completionDistribution: "Enquiries by working days to complete"
        case .summary: "Summary: status, type and service area"
        case .reopened: "Reopened enquiries"
        }
    }
}

struct ReportTable: Sendable {
    let caption: String
    let columns: [String]
    var rows: [[String]]
}

struct Report: Sendable {
    let kind: ReportKind
    var chart: BarChart?
    var facts: [String] = []
    var tables: [ReportTable] = []
}

enum Reports {
    /// The filters a report takes, by their search-page names.
    static let fieldNames = ["raised-from", "raised-to", "area", "type", "status", "district", "member"]

    /// The year from 31 July that contains `date` (the councils' reporting year), as first and last day.
    static func reportingYear(containing date: CivilDate) -> (from: CivilDate, to: CivilDate) {
        let startYear = (date.month > 7 || (date.month == 7 && date.day == 31)) ? date.year : date.year - 1
        return (CivilDate(year: startYear, month: 7, day: 31)!, CivilDate(year: startYear + 1, month: 7, day: 30)!)
    }

    struct Context: Sendable {
        let criteria: SearchCriteria
        let viewer: EnquirySearch.Viewer
        let clock: WorkingDayClock
        /// The instant the report is drawn: deadlines stand, and months end, as of now.
        let now: Date
        let levels: ServiceLevelPolicies
        let data: ReferenceData
        let people: PeopleDirectory
        let db: any Database

        func base() -> SQLSelectBuilder { EnquirySearch.matching(criteria, viewer: viewer, clock: clock, now: now, on: db) }
        func column(_ name: String) -> SQLColumn { EnquirySearch.column(name) }
    }

    static func build(_ kind: ReportKind, _ context: Context) async throws -> Report {
        switch kind {
        case .districtsAndTypes: try await districtsAndTypes(context)
        case .volumeByMonth: try await volumeByMonth(context)
        case .firstResponseByMonth: try await averageByMonth(context, kind: kind, column: "first_response_days",
                                                             target: context.levels.standard.firstResponseDays, what: "first response")
        case .completionByMonth: try await averageByMonth(context, kind: kind, column: "completion_days",
                                                          target: context.levels.standard.completionDays, what: "completion")
        case .firstResponseDistribution: try await distribution(context, kind: kind, column: "first_response_days",
                                                                target: context.levels.standard.firstResponseDays, what: "first response")
        case .completionDistribution: try await distribution(context, kind: kind, column: "completion_days",
                                                             target: context.levels.standard.completionDays, what: "completion")
        case .summary: try await summary(context)
        case .reopened: try await reopened(context)
        }
    }

    static func percent(_ part: Int, of whole: Int) -> String {
        whole == 0 ? "0%" : String(format: "%.2f%%", Double(part) * 100 / Double(whole))
    }

    private static func count(_ row: any SQLRow, _ column: String) throws -> Int { try row.decode(column: column, as: Int?.self) ?? 0 }

    // MARK: 1

    static func districtsAndTypes(_ context: Context) async throws -> Report {
        var counts: [UUID?: [UUID: Int]] = [:]
        for row in try await context.base()
            .column(context.column("district_id"), as: "district_id").column(context.column("type_id"), as: "type_id")
            .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "total")
            .groupBy(context.column("district_id")).groupBy(context.column("type_id")).all() {
            counts[try row.decode(column: "district_id", as: UUID?.self), default: [:]][try row.decode(column: "type_id", as: UUID.self)] = try count(row, "total")
        }
        let typeIDs = Set(counts.values.flatMap(\.keys))
        let types = context.data.types.map(\.id).filter(typeIDs.contains) + typeIDs.filter { id in !context.data.types.contains { $0.id == id } }
        var districts: [(id: UUID?, name: String)] = context.data.districts.filter { counts[$0.id] != nil }.map { ($0.id, $0.name) }
        if counts[nil] != nil { districts.append((nil, "No district")) }
        let typeName = { (id: UUID) in context.data.name(id) ?? "Other" }
        var table = ReportTable(caption: "Enquiries by district and type", columns: ["District"] + types.map(typeName) + ["Total"], rows: [])
        for district in districts {
            let row = types.map { counts[district.id]?[$0] ?? 0 }
            table.rows.append([district.name] + row.map(String.init) + [String(row.reduce(0, +))])
        }
        let totals = types.map { type in districts.reduce(0) { $0 + (counts[$1.id]?[type] ?? 0) } }
        table.rows.append(["Total"] + totals.map(String.init) + [String(totals.reduce(0, +))])
        // The chart shows the three commonest types and the rest together, to stay readable.
        let shown = Array(types.sorted { totals[types.firstIndex(of: $0)!] > totals[types.firstIndex(of: $1)!] }.prefix(3))
        var series = shown.map { type in BarChart.Series(name: typeName(type), values: districts.map { Double(counts[$0.id]?[type] ?? 0) }) }
        if types.count > shown.count {
            series.append(.init(name: "Other types", values: districts.map { district in
                Double(types.filter { !shown.contains($0) }.reduce(0) { $0 + (counts[district.id]?[$1] ?? 0) })
            }))
        }
        let chart = BarChart(title: "Enquiries by district and type",
                             summary: "Bars for each district, one for each of the commonest types of enquiry. " +
                                 districts.enumerated().map { "\($0.element.name): \(table.rows[$0.offset].last ?? "0")" }.joined(separator: "; ") + ".",
                             categories: districts.map(\.name), series: series)
        return Report(kind: .districtsAndTypes, chart: chart, facts: ["\(totals.reduce(0, +).formatted()) enquiries in \(districts.count) districts."],
                      tables: [table])
    }

    // MARK: months

    /// The months of the report's period, and the column naming each enquiry's month raised (in
    /// the council's time).
    static func months(_ context: Context) async throws -> (labels: [CivilDate], expression: any SQLExpression)? {
        var from = context.criteria.raised.from
        var to = context.criteria.raised.to
        if from == nil || to == nil {
            let row = try await context.base()
                .column(SQLFunction("MIN", args: context.column("created_at")), as: "first")
                .column(SQLFunction("MAX", args: context.column("created_at")), as: "last").first()
            guard let first = try row?.decode(column: "first", as: Date?.self), let last = try row?.decode(column: "last", as: Date?.self) else { return nil }
            from = from ?? context.clock.localDate(of: first)
            to = to ?? context.clock.localDate(of: last)
        }
        guard let from, var to else { return nil }
        // No empty months after today.
        to = max(from, min(to, context.clock.localDate(of: context.now)))
        var starts: [CivilDate] = []
        var month = from.firstOfMonth
        while month <= to, starts.count < 600 {
            starts.append(month)
            month = month.firstOfNextMonth
        }
        return (starts, context.column("raised_month"))
    }

    /// A month column as `YYYY-MM-01`.
    static func monthKey(_ row: any SQLRow) throws -> String {
        try row.decode(column: "month", as: String?.self) ?? ""
    }

    static func monthName(_ date: CivilDate) -> String {
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][date.month - 1] + " " + String(date.year)
    }

    // MARK: 2

    static func volumeByMonth(_ context: Context) async throws -> Report {
        guard let (months, expression) = try await months(context) else { return Report(kind: .volumeByMonth, facts: ["No enquiries match."]) }
        var members: [String: Int] = [:], officers: [String: Int] = [:]
        for row in try await context.base().column(expression, as: "month")
            .column(SQLQueryString("SUM(CASE WHEN \(context.column("channel")) = \(bind: EnquiryChannel.portal.rawValue) THEN 1 ELSE 0 END)"), as: "members")
            .column(SQLQueryString("SUM(CASE WHEN \(context.column("channel")) <> \(bind: EnquiryChannel.portal.rawValue) THEN 1 ELSE 0 END)"), as: "officers")
            .groupBy(SQLIdentifier("month")).all() {
            let month = try monthKey(row)
            members[month] = try count(row, "members")
            officers[month] = try count(row, "officers")
        }
        var table = ReportTable(caption: "Enquiries raised each month", columns: ["Month", "By Members", "By officers for Members", "Total"], rows: [])
        for month in months {
            let m = members[month.iso] ?? 0, o = officers[month.iso] ?? 0
            table.rows.append([monthName(month), String(m), String(o), String(m + o)])
        }
        let m = members.values.reduce(0, +), o = officers.values.reduce(0, +)
        table.rows.append(["Total", String(m), String(o), String(m + o)])
        let chart = BarChart(title: "Enquiries raised each month, by Members and by officers",
                             summary: "Two bars a month: raised by Members in the portal, and by officers for Members. In all \(m) by Members and \(o) by officers.",
                             categories: months.map(monthName),
                             series: [.init(name: "By Members", values: months.map { Double(members[$0.iso] ?? 0) }),
                                      .init(name: "By officers", values: months.map { Double(officers[$0.iso] ?? 0) })])
        return Report(kind: .volumeByMonth, chart: chart,
                      facts: ["\((m + o).formatted()) enquiries raised: \(m.formatted()) by Members, \(o.formatted()) (\(percent(o, of: m + o))) by officers on their behalf."],
                      tables: [table])
    }

    // MARK: 3, 4

    static func averageByMonth(_ context: Context, kind: ReportKind, column: String, target: Int, what: String) async throws -> Report {
        guard let (months, expression) = try await months(context) else { return Report(kind: kind, facts: ["No enquiries match."]) }
        var sums: [String: (total: Int, count: Int)] = [:]
        for row in try await context.base().column(expression, as: "month")
            // SUM of a bigint is NUMERIC on PostgreSQL; the total of working days fits a bigint.
            .column(SQLQueryString("CAST(SUM(\(context.column(column))) AS BIGINT)"), as: "days")
            .column(SQLFunction("COUNT", args: context.column(column)), as: "counted")
            .where(context.column(column), .isNot, SQLLiteral.null)
            .groupBy(SQLIdentifier("month")).all() {
            sums[try monthKey(row)] = (try count(row, "days"), try count(row, "counted"))
        }
        func average(_ value: (total: Int, count: Int)?) -> Double? {
            guard let value, value.count > 0 else { return nil }
            return Double(value.total) / Double(value.count)
        }
        var table = ReportTable(caption: "Average working days to \(what), by month raised",
                                columns: ["Month raised", "Enquiries with a \(what)", "Average working days", "Service level (working days)"], rows: [])
        for month in months {
            let value = sums[month.iso]
            table.rows.append([monthName(month), String(value?.count ?? 0), average(value).map { String(format: "%.1f", $0) } ?? "–", String(target)])
        }
        let all = sums.values.reduce((total: 0, count: 0)) { ($0.total + $1.total, $0.count + $1.count) }
        table.rows.append(["All months", String(all.count), average(all).map { String(format: "%.1f", $0) } ?? "–", String(target)])
        let chart = BarChart(title: "Average working days to \(what), by month raised",
                             summary: "One bar a month; a dashed line marks the \(target)-working-day service level. Over the period the average was \(average(all).map { String(format: "%.1f", $0) } ?? "not known") working days.",
                             categories: months.map(monthName),
                             series: [.init(name: "Average working days", values: months.map { average(sums[$0.iso]) ?? 0 })],
                             target: (Double(target), "Service level: \(target) working days"))
        return Report(kind: kind, chart: chart,
                      facts: ["\(all.count.formatted()) enquiries had a \(what); on average it took \(average(all).map { String(format: "%.1f", $0) } ?? "–") working days, against a service level of \(target)."],
                      tables: [table])
    }

    // MARK: 5, 6

    /// The bins of a distribution: single days up to the SLA and a little past it, then wider bands.
    static func bins(for target: Int) -> [(label: String, range: ClosedRange<Int>)] {
        if target <= 15 {
            var bins = (0...(target + 5)).map { (String($0), $0...$0) }
            bins.append(("\(target + 6)–\(target + 20)", (target + 6)...(target + 20)))
            bins.append(("\(target + 21) or more", (target + 21)...Int.max))
            return bins
        }
        // Weeks of working days that end on the service level, then two more weeks, then wider bands.
        let ends = Array(stride(from: target, to: 0, by: -7).reversed()) + [target + 7, target + 14]
        var bins: [(String, ClosedRange<Int>)] = []
        var start = 0
        for end in ends {
            bins.append(("\(start)–\(end)", start...end))
            start = end + 1
        }
        bins.append(("\(start)–\(start + 27)", start...(start + 27)))
        bins.append(("\(start + 28) or more", (start + 28)...Int.max))
        return bins
    }

    static func distribution(_ context: Context, kind: ReportKind, column: String, target: Int, what: String) async throws -> Report {
        var byDays: [Int: Int] = [:]
        for row in try await context.base().column(context.column(column), as: "days")
            .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "total")
            .where(context.column(column), .isNot, SQLLiteral.null)
            .groupBy(context.column(column)).all() {
            byDays[try row.decode(column: "days", as: Int.self)] = try count(row, "total")
        }
        let bins = bins(for: target)
        let counts = bins.map { bin in byDays.filter { bin.range.contains($0.key) }.values.reduce(0, +) }
        let total = counts.reduce(0, +)
        let within = byDays.filter { $0.key <= target }.values.reduce(0, +)
        var table = ReportTable(caption: "Enquiries by working days to \(what)", columns: ["Working days", "Enquiries", "Share"], rows: [])
        for (bin, value) in zip(bins, counts) { table.rows.append([bin.label, String(value), percent(value, of: total)]) }
        table.rows.append(["Total", String(total), total == 0 ? "0%" : "100.00%"])
        let after = (bins.firstIndex { $0.range.contains(target + 1) } ?? bins.count)
        let chart = BarChart(title: "Enquiries by working days to \(what)",
                             summary: "A bar for each number of working days; a dashed line marks the \(target)-working-day service level. \(within) of \(total) (\(percent(within, of: total))) were within it.",
                             categories: bins.map(\.label), series: [.init(name: "Enquiries", values: counts.map(Double.init))],
                             divider: (after, "Service level: \(target) working days"))
        return Report(kind: kind, chart: chart,
                      facts: ["\(within.formatted()) of \(total.formatted()) enquiries (\(percent(within, of: total))) had their \(what) within the \(target)-working-day service level."],
                      tables: [table])
    }

    // MARK: 7

    static func summary(_ context: Context) async throws -> Report {
        var byStatus: [String: Int] = [:], byType: [UUID: Int] = [:], byArea: [UUID: Int] = [:]
        var officers = 0
        for row in try await context.base()
            .column(context.column("status"), as: "status").column(context.column("type_id"), as: "type_id")
            .column(context.column("service_area_id"), as: "service_area_id")
            .column(SQLQueryString("SUM(CASE WHEN \(context.column("channel")) <> \(bind: EnquiryChannel.portal.rawValue) THEN 1 ELSE 0 END)"), as: "officers")
            .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "total")
            .groupBy(context.column("status")).groupBy(context.column("type_id")).groupBy(context.column("service_area_id")).all() {
            let total = try count(row, "total")
            byStatus[try row.decode(column: "status", as: String.self), default: 0] += total
            byType[try row.decode(column: "type_id", as: UUID.self), default: 0] += total
            byArea[try row.decode(column: "service_area_id", as: UUID.self), default: 0] += total
            officers += try count(row, "officers")
        }
        let total = byStatus.values.reduce(0, +)
        let completed = (byStatus[EnquiryStatus.completed.rawValue] ?? 0) + (byStatus[EnquiryStatus.closed.rawValue] ?? 0)
        let statuses = EnquiryStatus.allCases.filter { byStatus[$0.rawValue] != nil }
        let statusTable = ReportTable(caption: "By status", columns: ["Status", "Enquiries", "Share"],
                                      rows: statuses.map { [$0.officerLabel, String(byStatus[$0.rawValue]!), percent(byStatus[$0.rawValue]!, of: total)] })
        func named(_ counts: [UUID: Int], caption: String, column: String) -> ReportTable {
            ReportTable(caption: caption, columns: [column, "Enquiries", "Share"],
                        rows: counts.sorted { $0.value != $1.value ? $0.value > $1.value : (context.data.name($0.key) ?? "") < (context.data.name($1.key) ?? "") }
                            .map { [context.data.name($0.key) ?? "Other", String($0.value), percent($0.value, of: total)] })
        }
        let areaTable = named(byArea, caption: "By service area", column: "Service area")
        let typeTable = named(byType, caption: "By type", column: "Type")
        let topArea = areaTable.rows.first
        let facts = [
            "\(total.formatted()) enquiries were raised.",
            topArea.map { "\($0[2]) of the enquiries were for \($0[0])." } ?? "",
            "\(percent(officers, of: total)) of enquiries were raised by officers on behalf of Members.",
            "\(percent(completed, of: total)) of enquiries have been completed.",
        ].filter { !$0.isEmpty }
        let chart = BarChart(title: "Enquiries by status", summary: statuses.map { "\($0.officerLabel): \(byStatus[$0.rawValue]!)" }.joined(separator: "; ") + ".",
                             categories: statuses.map(\.officerLabel), series: [.init(name: "Enquiries", values: statuses.map { Double(byStatus[$0.rawValue]!) })])
        return Report(kind: .summary, chart: chart, facts: facts, tables: [statusTable, typeTable, areaTable])
    }

    // MARK: 8

    static func reopened(_ context: Context) async throws -> Report {
        var byArea: [UUID: (all: Int, reopened: Int)] = [:]
        for row in try await context.base().column(context.column("service_area_id"), as: "service_area_id")
            .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "total")
            .column(SQLQueryString("SUM(CASE WHEN \(context.column("reopen_count")) > 0 THEN 1 ELSE 0 END)"), as: "reopened")
            .groupBy(context.column("service_area_id")).all() {
            byArea[try row.decode(column: "service_area_id", as: UUID.self)] = (try count(row, "total"), try count(row, "reopened"))
        }
        let entries = SQLColumn("kind", table: EnquiryEntry.schema)
        var members = 0, officers = 0
        var reasons: [(String, Int)] = []
        for row in try await context.base()
            .join(EnquiryEntry.schema, on: SQLColumn("enquiry_id", table: EnquiryEntry.schema), .equal, context.column("id"))
            .column(SQLQueryString("CASE WHEN \(ident: EnquiryEntry.schema).\(ident: "author_id") = \(context.column("member_id")) THEN 'member' ELSE 'officer' END"), as: "who")
            .column(SQLColumn("body", table: EnquiryEntry.schema), as: "reason")
            .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "total")
            .where(entries, .equal, SQLBind(EnquiryEntry.Kind.reopened.rawValue))
            // Always true of a reopened one; lets the database start from the few reopened enquiries.
            .where(context.column("reopen_count"), .greaterThan, SQLBind(0))
            .groupBy(SQLIdentifier("who")).groupBy(SQLColumn("body", table: EnquiryEntry.schema)).all() {
            let total = try count(row, "total")
            if try row.decode(column: "who", as: String.self) == "member" { members += total } else { officers += total }
            reasons.append((try row.decode(column: "reason", as: String.self), total))
        }
        var merged: [String: Int] = [:]
        for (reason, total) in reasons { merged[reason, default: 0] += total }
        let all = byArea.values.reduce(0) { $0 + $1.all }
        let reopened = byArea.values.reduce(0) { $0 + $1.reopened }
        let areaRows = byArea.filter { $0.value.reopened > 0 }.sorted { $0.value.reopened > $1.value.reopened }
        let areaTable = ReportTable(caption: "Reopened enquiries by service area", columns: ["Service area", "Enquiries", "Reopened", "Share reopened"],
                                    rows: areaRows.map { [context.data.name($0.key) ?? "Other", String($0.value.all), String($0.value.reopened),
                                                          percent($0.value.reopened, of: $0.value.all)] })
        let whoTable = ReportTable(caption: "Reopenings by who reopened", columns: ["Reopened by", "Reopenings"],
                                   rows: [["Members", String(members)], ["Officers", String(officers)], ["Total", String(members + officers)]])
        let reasonTable = ReportTable(caption: "Reasons given (the commonest 20)", columns: ["Reason", "Reopenings"],
                                      rows: merged.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(20).map { [$0.key, String($0.value)] })
        let chart = BarChart(title: "Reopenings by who reopened", summary: "Members reopened \(members), officers \(officers).",
                             categories: ["Members", "Officers"], series: [.init(name: "Reopenings", values: [Double(members), Double(officers)])])
        return Report(kind: .reopened, chart: chart,
                      facts: ["\(reopened.formatted()) of \(all.formatted()) enquiries (\(percent(reopened, of: all))) were reopened, \((members + officers).formatted()) times in all: \(members.formatted()) by Members and \(officers.formatted()) by officers."],
                      tables: [whoTable, areaTable, reasonTable])
    }
}
