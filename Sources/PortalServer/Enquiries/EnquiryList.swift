import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// A list of enquiries for a dashboard or queue: one query for the page of rows, one for the names
/// of the people in it, and one for the counts of every tab, whatever the number of rows.
struct EnquiryRow: Sendable {
    let id: UUID
    let reference: String
    let subject: String
    let serviceArea: String
    let status: EnquiryStatus
    let lastActivity: Date
    let member: String
    let parish: String?
    let district: String?
    let worksArea: String?
    /// The asset it is about, by name (`AssetChoice.name`).
    let asset: String?
    let type: String
    let awaitingReply: Bool
    let urgent: Bool
    let reopened: Int
    /// The deadline it works to now; nil when nothing is due.
    let deadline: DeadlineSummary?
    /// While completed: the last day before the portal closes it unless its Member acts.
    let followUpUntil: CivilDate?
}

enum EnquiryList {
    static let pageSize = 50

    /// One page of a list as its view draws it: the filters and page asked for, each tab with its
    /// count, and the rows.
    struct Listing {
        var filters: Filters
        var page: Int
        var tabs: [(key: String, label: String, count: Int)]
        var rows: [EnquiryRow]
        var total: Int
    }

    /// What a list's query needs beyond its filters: who is looking, the council's lists and
    /// calendar, the time, the database, and the names of the people in its rows.
    struct Context {
        let actor: EnquiryActor
        let reference: ReferenceData
        let clock: WorkingDayClock
        let now: Date
        let db: any Database
        let people: (Set<UUID>) async throws -> PeopleDirectory
    }

    struct Filters: Content {
        var tab: String?
        var q: String?
        var parish: String?
        var status: String?
        var district: String?
        var type: String?
        var worksArea: String?
        var sort: String?
        /// As given in the address: read with `Request.pageNumber`.
        var page: String?
        var print: String?

        enum CodingKeys: String, CodingKey {
            case tab, q, parish, status, district, type, worksArea = "works-area", sort, page, print
        }
    }

    /// Only the columns a list shows, decoded straight from SQL: decoding whole Fluent models
    /// costs more than the query itself on a page of fifty.
    struct ListColumns {
        let id: UUID
        let reference: String
        let subject: String
        let service_area_id: UUID
        let type_id: UUID
        let status: String
        let last_activity_at: Date
        let created_at: Date
        let member_id: UUID
        let parish_id: UUID?
        let district_id: UUID?
        let works_area_id: UUID?
        let asset_reference: String?
        let asset_label: String?
        let awaiting_reply: Bool
        let urgency: String
        let reopen_count: Int
        let next_due: String?
        let first_response_at: Date?
        let follow_up_until: String?
        /// The total of the whole result, on lists that count with a window function.
        let total_count: Int?

        init(_ r: RowReader) throws {
            id = try r.uuid("id")
            reference = try r.string("reference")
            subject = try r.string("subject")
            service_area_id = try r.uuid("service_area_id")
            type_id = try r.uuid("type_id")
            status = try r.string("status")
            last_activity_at = try r.date("last_activity_at")
            created_at = try r.date("created_at")
            member_id = try r.uuid("member_id")
            parish_id = try r.optionalUUID("parish_id")
            district_id = try r.optionalUUID("district_id")
            works_area_id = try r.optionalUUID("works_area_id")
            asset_reference = try r.optionalString("asset_reference")
            asset_label = try r.optionalString("asset_label")
            awaiting_reply = try r.bool("awaiting_reply")
            urgency = try r.string("urgency")
            reopen_count = try r.int("reopen_count")
            next_due = try r.optionalString("next_due")
            first_response_at = try r.optionalDate("first_response_at")
            follow_up_until = try r.optionalString("follow_up_until")
            total_count = r.row.contains(column: "total_count") ? try r.optionalInt("total_count") : nil
        }

        /// Every row of a query selecting `names`.
        static func all(_ query: some SQLQueryFetcher, on db: any SQLDatabase) async throws -> [ListColumns] {
            try await query.all().map { try ListColumns(RowReader($0, on: db)) }
        }

        static let names = ["id", "reference", "subject", "service_area_id", "type_id", "status", "last_activity_at", "created_at", "member_id",
                            "parish_id", "district_id", "works_area_id", "asset_reference", "asset_label", "awaiting_reply", "urgency", "reopen_count", "next_due", "first_response_at", "follow_up_until"]

        func row(data: ReferenceData, people directory: PeopleDirectory, clock: WorkingDayClock, now: Date) -> EnquiryRow {
            EnquiryRow(id: id, reference: reference, subject: subject, serviceArea: data.name(service_area_id) ?? "",
                       status: EnquiryStatus(rawValue: status) ?? .submitted, lastActivity: last_activity_at, member: directory.name(member_id) ?? "",
                       parish: data.name(parish_id), district: data.name(district_id), worksArea: data.name(works_area_id),
                       asset: asset_reference.map { AssetChoice.name(label: asset_label ?? $0, reference: $0) },
                       type: data.name(type_id) ?? "", awaitingReply: awaiting_reply, urgent: urgency == Urgency.urgent.rawValue,
                       reopened: reopen_count,
                       deadline: DeadlineSummary(nextDue: next_due, firstResponseGiven: first_response_at != nil, clock: clock, now: now),
                       followUpUntil: status == EnquiryStatus.completed.rawValue ? follow_up_until.flatMap(CivilDate.init(iso:)) : nil)
        }
    }

    /// A page of rows within `scope` (conditions on the enquiries table), narrowed by the filters,
    /// most recent activity first unless sorted otherwise, with names resolved; and the total.
    ///
    /// `knownTotal` is the size of `scope` when the caller has counted it already (a tab's count):
    /// with no filter to narrow it, the query then reads only the page's rows instead of counting
    /// every row of the tab as well, which on a council with years of history is most of the work.
    static func rows(scope: [any SQLExpression], filters: Filters, page: Int, data: ReferenceData, clock: WorkingDayClock, now: Date, on db: any Database,
                     knownTotal: Int? = nil,
                     people: (Set<UUID>) async throws -> PeopleDirectory) async throws -> (rows: [EnquiryRow], total: Int) {
        var conditions = scope
        if let text = filters.q?.trimmingWhitespace(), !text.isEmpty {
            if let reference = EnquiryReference.normalise(text) {
                conditions.append(SQLBinaryExpression(SQLColumn("reference"), .equal, SQLBind(reference)))
            } else {
                let pattern = "%\(text.lowercased().replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: ""))%"
                let matches = ["subject", "location", "details"].map { column in
                    SQLBinaryExpression(SQLFunction("LOWER", args: SQLColumn(column)), .like, SQLBind(pattern)) as any SQLExpression
                }
                conditions.append(SQLGroupExpression(SQLList(matches, separator: SQLRaw(" OR "))))
            }
        }
        for (column, value) in [("parish_id", filters.parish), ("district_id", filters.district), ("type_id", filters.type), ("works_area_id", filters.worksArea)] {
            if let id = value.flatMap(UUID.init(uuidString:)) { conditions.append(SQLBinaryExpression(SQLColumn(column), .equal, SQLBind(id))) }
        }
        if let status = filters.status.flatMap(EnquiryStatus.init(rawValue:)) {
            conditions.append(SQLBinaryExpression(SQLColumn("status"), .equal, SQLBind(status.rawValue)))
        }
        let limit = filters.print == nil ? pageSize : 1000
        let counted = conditions.count == scope.count ? knownTotal : nil
        var select = db.sql.select().columns(ListColumns.names).from(Enquiry.schema)
        if counted == nil {
            // The total of the whole result, on every row: one query instead of two.
            select = select.column(SQLRaw("COUNT(*) OVER ()"), as: "total_count")
        }
        for condition in conditions { select = select.where(condition) }
        switch filters.sort {
        case "oldest": select = select.orderBy("last_activity_at", .ascending)
        case "reference": select = select.orderBy("reference", .ascending)
        case "raised": select = select.orderBy("created_at", .ascending)
        case "due":
            // Soonest deadline first; enquiries with nothing due last, on both databases (and in the
            // order of the indexes on next_due, so a deadline queue reads only its first page).
            select = select.orderBy(SQLRaw("next_due ASC NULLS LAST"))
        default: select = select.orderBy("last_activity_at", .descending)
        }
        let found = try await ListColumns.all(select.limit(limit).offset((page - 1) * limit), on: db.sql)
        var total = counted ?? found.first?.total_count ?? 0
        if counted == nil, found.isEmpty, page > 1 {
            // Past the last page there is no row to carry the total; count it once.
            var count = db.sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "total").from(Enquiry.schema)
            for condition in conditions { count = count.where(condition) }
            total = try await count.first()?.decode(column: "total", as: Int.self) ?? 0
        }
        let directory = try await people(Set(found.map(\.member_id)))
        let rows = found.map { $0.row(data: data, people: directory, clock: clock, now: now) }
        return (rows, total)
    }

    /// A condition on one column being one of several values.
    static func column(_ name: String, in values: [some Encodable & Sendable]) -> any SQLExpression {
        values.isEmpty ? SQLRaw("1 = 0") : SQLBinaryExpression(SQLColumn(name), .in, SQLGroupExpression(values.map { SQLBind($0) }))
    }

    static func column(_ name: String, is value: some Encodable & Sendable) -> any SQLExpression {
        SQLBinaryExpression(SQLColumn(name), .equal, SQLBind(value))
    }

    struct Counts: Sendable {
        var byStatus: [EnquiryStatus: Int] = [:]
        var reopened = 0
        var awaitingReply = 0
        var overdue = 0
        var atRisk = 0
    }

    /// The bounds of the overdue and at-risk queues on a day: overdue is a next deadline before
    /// today; at risk, a next deadline from today up to `atRiskUntil`.
    struct DeadlineBounds: Sendable {
        let today: String
        let atRiskUntil: String

        init(clock: WorkingDayClock, now: Date) {
            let today = clock.localDate(of: now)
            self.today = today.iso
            self.atRiskUntil = clock.calendar.adding(DeadlineStanding.atRiskWithin, workingDaysTo: today).iso
        }

        var overdue: any SQLExpression { SQLBinaryExpression(SQLColumn("next_due"), .lessThan, SQLBind(today)) }
        var atRisk: any SQLExpression {
            SQLBinaryExpression(SQLBinaryExpression(SQLColumn("next_due"), .greaterThanOrEqual, SQLBind(today)), .and,
                                SQLBinaryExpression(SQLColumn("next_due"), .lessThanOrEqual, SQLBind(atRiskUntil)))
        }
    }

    /// Counts by status, of reopened, of those awaiting a reply and, given the day's bounds, of
    /// overdue and at-risk ones: one grouped query.
    ///
    /// `statuses` limits the count to those statuses (a queue counts only enquiries still in hand,
    /// not the closed ones that make up most of a council's history); `detail` false counts
    /// statuses alone, which an index answers without reading rows.
    static func counts(where scope: (any SQLExpression)?, deadlines: DeadlineBounds? = nil, statuses: [EnquiryStatus]? = nil,
                       detail: Bool = true, on db: any Database) async throws -> Counts {
        var select = db.sql.select()
            .column("status")
            .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "total")
        if detail {
            select = select
                .column(SQLRaw("SUM(CASE WHEN reopen_count > 0 AND status IN ('in_progress', 'awaiting_works') THEN 1 ELSE 0 END)"), as: "reopened")
                .column(SQLRaw("SUM(CASE WHEN awaiting_reply THEN 1 ELSE 0 END)"), as: "awaiting")
        }
        if let deadlines, detail {
            select = select
                .column(SQLQueryString("SUM(CASE WHEN next_due < \(bind: deadlines.today) THEN 1 ELSE 0 END)"), as: "overdue")
                .column(SQLQueryString("SUM(CASE WHEN next_due >= \(bind: deadlines.today) AND next_due <= \(bind: deadlines.atRiskUntil) THEN 1 ELSE 0 END)"), as: "at_risk")
        }
        select = select.from(Enquiry.schema).groupBy("status")
        if let scope { select = select.where(scope) }
        if let statuses { select = select.where(column("status", in: statuses.map(\.rawValue))) }
        var counts = Counts()
        for row in try await select.all() {
            guard let status = EnquiryStatus(rawValue: try row.decode(column: "status", as: String.self)) else { continue }
            counts.byStatus[status] = try row.decode(column: "total", as: Int.self)
            guard detail else { continue }
            counts.reopened += try row.decode(column: "reopened", as: Int?.self) ?? 0
            counts.awaitingReply += try row.decode(column: "awaiting", as: Int?.self) ?? 0
            if deadlines != nil {
                counts.overdue += try row.decode(column: "overdue", as: Int?.self) ?? 0
                counts.atRisk += try row.decode(column: "at_risk", as: Int?.self) ?? 0
            }
        }
        return counts
    }
}

extension Request {
    func enquiryListContext() async throws -> EnquiryList.Context {
        EnquiryList.Context(actor: try enquiryActor(), reference: try await referenceData(), clock: try await serviceLevels().clock,
                            now: now, db: db) { try await self.people(naming: $0) }
    }
}
