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
    let type: String
    let awaitingReply: Bool
    let urgent: Bool
    let reopened: Int
}

enum EnquiryList {
    static let pageSize = 50

    struct Filters: Content {
        var tab: String?
        var q: String?
        var parish: String?
        var status: String?
        var district: String?
        var type: String?
        var worksArea: String?
        var sort: String?
        var page: Int?
        var print: String?

        enum CodingKeys: String, CodingKey {
            case tab, q, parish, status, district, type, worksArea = "works-area", sort, page, print
        }
    }

    /// Only the columns a list shows, decoded straight from SQL: decoding whole Fluent models
    /// costs more than the query itself on a page of fifty.
    private struct ListColumns: Decodable {
        let id: UUID
        let reference: String
        let subject: String
        let service_area_id: UUID
        let type_id: UUID
        let status: String
        let last_activity_at: Date
        let member_id: UUID
        let parish_id: UUID?
        let district_id: UUID?
        let works_area_id: UUID?
        let awaiting_reply: Bool
        let urgency: String
        let reopen_count: Int
        let total_count: Int
    }

    /// A page of rows within `scope` (conditions on the enquiries table), narrowed by the filters,
    /// most recent activity first unless sorted otherwise, with names resolved; and the total.
    static func rows(scope: [any SQLExpression], filters: Filters, data: ReferenceData, on db: any Database,
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
        let page = max(1, filters.page ?? 1)
        let limit = filters.print == nil ? pageSize : 1000
        var select = db.sql.select()
            .columns(["id", "reference", "subject", "service_area_id", "type_id", "status", "last_activity_at", "member_id",
                      "parish_id", "district_id", "works_area_id", "awaiting_reply", "urgency", "reopen_count"])
            // The total of the whole result, on every row: one query instead of two.
            .column(SQLRaw("COUNT(*) OVER ()"), as: "total_count")
            .from(Enquiry.schema)
        for condition in conditions { select = select.where(condition) }
        switch filters.sort {
        case "oldest": select = select.orderBy("last_activity_at", .ascending)
        case "reference": select = select.orderBy("reference", .ascending)
        case "raised": select = select.orderBy("created_at", .ascending)
        default: select = select.orderBy("last_activity_at", .descending)
        }
        let found = try await select.limit(limit).offset((page - 1) * limit).all(decoding: ListColumns.self)
        var total = found.first?.total_count ?? 0
        if found.isEmpty, page > 1 {
            // Past the last page there is no row to carry the total; count it once.
            var count = db.sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "total").from(Enquiry.schema)
            for condition in conditions { count = count.where(condition) }
            total = try await count.first()?.decode(column: "total", as: Int.self) ?? 0
        }
        let directory = try await people(Set(found.map(\.member_id)))
        let rows = found.map { e in
            EnquiryRow(id: e.id, reference: e.reference, subject: e.subject, serviceArea: data.name(e.service_area_id) ?? "",
                       status: EnquiryStatus(rawValue: e.status) ?? .submitted, lastActivity: e.last_activity_at, member: directory.name(e.member_id) ?? "",
                       parish: data.name(e.parish_id), district: data.name(e.district_id), worksArea: data.name(e.works_area_id),
                       type: data.name(e.type_id) ?? "", awaitingReply: e.awaiting_reply, urgent: e.urgency == Urgency.urgent.rawValue,
                       reopened: e.reopen_count)
        }
        return (rows, total)
    }

    /// A condition on one column being one of several values.
    static func column(_ name: String, in values: [some Encodable & Sendable]) -> any SQLExpression {
        values.isEmpty ? SQLRaw("1 = 0") : SQLBinaryExpression(SQLColumn(name), .in, SQLGroupExpression(values.map { SQLBind($0) }))
    }

    static func column(_ name: String, is value: some Encodable & Sendable) -> any SQLExpression {
        SQLBinaryExpression(SQLColumn(name), .equal, SQLBind(value))
    }

    /// Counts by status (and of reopened, and of those awaiting a reply) in one grouped query.
    static func counts(where scope: (any SQLExpression)?, on db: any Database) async throws -> (byStatus: [EnquiryStatus: Int], reopened: Int, awaitingReply: Int) {
        var select = db.sql.select()
            .column("status")
            .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "total")
            .column(SQLRaw("SUM(CASE WHEN reopen_count > 0 AND status IN ('in_progress', 'awaiting_works') THEN 1 ELSE 0 END)"), as: "reopened")
            .column(SQLRaw("SUM(CASE WHEN awaiting_reply THEN 1 ELSE 0 END)"), as: "awaiting")
            .from(Enquiry.schema)
            .groupBy("status")
        if let scope { select = select.where(scope) }
        var byStatus: [EnquiryStatus: Int] = [:]
        var reopened = 0, awaiting = 0
        for row in try await select.all() {
            guard let status = EnquiryStatus(rawValue: try row.decode(column: "status", as: String.self)) else { continue }
            byStatus[status] = try row.decode(column: "total", as: Int.self)
            reopened += try row.decode(column: "reopened", as: Int?.self) ?? 0
            awaiting += try row.decode(column: "awaiting", as: Int?.self) ?? 0
        }
        return (byStatus, reopened, awaiting)
    }
}
