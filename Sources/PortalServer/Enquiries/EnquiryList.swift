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

    /// Rows of the query, newest activity first unless sorted otherwise, with names resolved.
    static func rows(_ query: QueryBuilder<Enquiry>, filters: Filters, data: ReferenceData, on db: any Database) async throws -> (rows: [EnquiryRow], total: Int) {
        var query = query
        if let text = filters.q?.trimmingWhitespace(), !text.isEmpty {
            if let reference = EnquiryReference.normalise(text) {
                query = query.filter(\.$reference == reference)
            } else {
                let pattern = "%\(text.lowercased().replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: ""))%"
                query = query.group(.or) { group in
                    group.filter(.sql(raw: "LOWER(enquiries.subject)"), .custom("LIKE"), .bind(pattern))
                    group.filter(.sql(raw: "LOWER(enquiries.location)"), .custom("LIKE"), .bind(pattern))
                    group.filter(.sql(raw: "LOWER(enquiries.details)"), .custom("LIKE"), .bind(pattern))
                }
            }
        }
        if let parish = filters.parish.flatMap(UUID.init(uuidString:)) { query = query.filter(\.$parish.$id == parish) }
        if let district = filters.district.flatMap(UUID.init(uuidString:)) { query = query.filter(\.$district.$id == district) }
        if let type = filters.type.flatMap(UUID.init(uuidString:)) { query = query.filter(\.$type.$id == type) }
        if let works = filters.worksArea.flatMap(UUID.init(uuidString:)) { query = query.filter(\.$worksArea.$id == works) }
        if let status = filters.status.flatMap(EnquiryStatus.init(rawValue:)) { query = query.filter(\.$status == status) }
        let total = try await query.count()
        switch filters.sort {
        case "oldest": query = query.sort(\.$lastActivityAt, .ascending)
        case "reference": query = query.sort(\.$reference, .ascending)
        case "raised": query = query.sort(\.$createdAt, .ascending)
        default: query = query.sort(\.$lastActivityAt, .descending)
        }
        let page = max(1, filters.page ?? 1)
        let limit = filters.print == nil ? pageSize : 1000
        let enquiries = try await query.range(((page - 1) * limit)..<(page * limit)).all()
        let memberIDs = Array(Set(enquiries.map(\.$member.id)))
        let members = memberIDs.isEmpty ? [:] : Dictionary(uniqueKeysWithValues:
            try await User.query(on: db).filter(\.$id ~~ memberIDs).all().map { ($0.id!, $0.name) })
        let rows = enquiries.map { e in
            EnquiryRow(id: e.id!, reference: e.reference, subject: e.subject, serviceArea: data.name(e.$serviceArea.id) ?? "",
                       status: e.status, lastActivity: e.lastActivityAt, member: members[e.$member.id] ?? "",
                       parish: data.name(e.$parish.id), district: data.name(e.$district.id), worksArea: data.name(e.$worksArea.id),
                       type: data.name(e.$type.id) ?? "", awaitingReply: e.awaitingReply, urgent: e.urgency == .urgent, reopened: e.reopenCount)
        }
        return (rows, total)
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
