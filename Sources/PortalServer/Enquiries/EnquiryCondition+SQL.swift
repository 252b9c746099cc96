import Foundation
import PortalCore
import SQLKit

extension EnquiryCondition {
    /// The condition on the `enquiries` table, as every list, queue, search, export and count
    /// applies it. Nil when it holds for every enquiry, so that no `WHERE` is written for it.
    var sql: (any SQLExpression)? {
        let condition = simplified
        return condition == .always ? nil : condition.rendered
    }

    private var rendered: any SQLExpression {
        func column(_ name: String) -> SQLColumn { SQLColumn(name, table: Enquiry.schema) }
        switch self {
        case .always: return SQLRaw("1 = 1")
        case .never: return SQLRaw("1 = 0")
        case .notDraft: return SQLBinaryExpression(column("status"), .notEqual, SQLBind(EnquiryStatus.draft.rawValue))
        case .memberIs(let id): return SQLBinaryExpression(column("member_id"), .equal, SQLBind(id))
        case .memberIsNot(let id): return SQLBinaryExpression(column("member_id"), .notEqual, SQLBind(id))
        case .raisedBy(let id): return SQLBinaryExpression(column("raised_by_id"), .equal, SQLBind(id))
        case .serviceAreaIn(let areas):
            // Sorted, so one person's statement is the same text every time.
            let sorted = areas.sorted { $0.uuidString < $1.uuidString }
            return sorted.isEmpty ? SQLRaw("1 = 0")
                : SQLBinaryExpression(column("service_area_id"), .in, SQLGroupExpression(sorted.map { SQLBind($0) }))
        case .askedResponder(let id):
            return SQLQueryString("\(ident: Enquiry.schema).\(ident: "id") IN (SELECT \(ident: "enquiry_id") FROM \(ident: "responder_questions") WHERE \(ident: "responder_id") = \(bind: id))")
        case .sharedWith(let id):
            return SQLQueryString("\(ident: Enquiry.schema).\(ident: "id") IN (SELECT \(ident: "enquiry_id") FROM \(ident: "enquiry_shares") WHERE \(ident: "member_id") = \(bind: id))")
        case .all(let parts): return SQLGroupExpression(SQLList(parts.map(\.rendered), separator: SQLRaw(" AND ")))
        case .any(let parts): return SQLGroupExpression(SQLList(parts.map(\.rendered), separator: SQLRaw(" OR ")))
        }
    }
}
