import Fluent
import Foundation
import PortalCore
import SQLKit

/// The enquiries a subject access or erasure request is about: those whose resident matches any
/// of the fields given (`SubjectAccessQuery` says how each is compared), in every status, drafts
/// included, newest first. The database does the comparing, with the same SQL on SQLite and
/// PostgreSQL, and returns only the rows that match (at most `limit` and one more, to say there
/// are more).
enum SubjectAccessSearch {
    /// More matches than this are not downloaded or erased together: the search is too wide to
    /// be about one person.
    static let limit = 500

    struct Match: Sendable {
        let id: UUID
        let reference: String
        let subject: String
        let status: EnquiryStatus?
        let memberID: UUID
        let createdAt: Date
        /// The fields of the query the enquiry's resident matched.
        let matched: [SubjectAccessQuery.Field]
    }

    struct Found: Sendable {
        var matches: [Match]
        /// More than `limit` enquiries match; `matches` holds the newest `limit`.
        var more: Bool
    }

    /// Every enquiry the query finds, or only those of `among` it still finds.
    static func find(_ query: SubjectAccessQuery, among ids: [UUID]? = nil, limit: Int = limit, on db: any Database) async throws -> Found {
        let conditions = query.fields.compactMap { field in condition(field, query).map { (field, $0) } }
        guard !conditions.isEmpty, ids?.isEmpty != true else { return Found(matches: [], more: false) }
        var select = db.sql.select().columns("id", "reference", "subject", "status", "member_id", "created_at").from(Enquiry.schema)
        for (field, condition) in conditions {
            select = select.column(SQLAlias(SQLQueryString("CASE WHEN \(condition) THEN 1 ELSE 0 END"), as: SQLIdentifier("matched_\(field.rawValue)")))
        }
        select = select.where(SQLGroupExpression(SQLList(conditions.map(\.1), separator: SQLRaw(" OR "))))
        if let ids { select = select.where(EnquiryList.column("id", in: ids)) }
        let rows = try await select.orderBy("created_at", .descending).orderBy("id", .descending).limit(limit + 1).all()
        let matches = try rows.prefix(limit).map { row in
            Match(id: try row.decode(column: "id", as: UUID.self), reference: try row.decode(column: "reference", as: String.self),
                  subject: try row.decode(column: "subject", as: String.self),
                  status: EnquiryStatus(rawValue: try row.decode(column: "status", as: String.self)),
                  memberID: try row.decode(column: "member_id", as: UUID.self), createdAt: try row.decode(column: "created_at", as: Date.self),
                  matched: try conditions.map(\.0).filter { try row.decode(column: "matched_\($0.rawValue)", as: Int.self) == 1 })
        }
        return Found(matches: matches, more: rows.count > limit)
    }

    private static func column(_ name: String) -> SQLColumn { SQLColumn(name, table: Enquiry.schema) }

    /// The SQL for one field of the query, nil when it was not given.
    static func condition(_ field: SubjectAccessQuery.Field, _ query: SubjectAccessQuery) -> (any SQLExpression)? {
        switch field {
        case .name: return everyWord(query.nameWords, in: column("resident_name"))
        case .address: return everyWord(query.addressWords, in: column("resident_address"))
        case .email:
            return query.email.map { SQLBinaryExpression(SQLFunction("LOWER", args: column("resident_email")), .equal, SQLBind($0)) }
        case .phone:
            guard !query.phoneDigits.isEmpty else { return nil }
            // The form allows digits, spaces and + ( ) -; a dot is taken out too, for numbers from elsewhere.
            let digits = [" ", "-", "(", ")", "+", "."].reduce(column("resident_phone") as any SQLExpression) { text, character in
                SQLFunction("REPLACE", args: text, SQLLiteral.string(character), SQLLiteral.string(""))
            }
            return SQLBinaryExpression(digits, .in, SQLGroupExpression(query.phoneDigits.map { SQLBind($0) }))
        case .postcode:
            return query.postcode.map { postcode in
                let compact = SQLFunction("UPPER", args: SQLFunction("REPLACE", args: column("resident_address"), SQLLiteral.string(" "), SQLLiteral.string("")))
                return SQLBinaryExpression(compact, .like, SQLBind("%\(postcode)%"))
            }
        }
    }

    /// Every word somewhere in the column, without case. `!` escapes LIKE's wildcards in the
    /// words, so a `%` or `_` typed matches itself.
    private static func everyWord(_ words: [String], in column: SQLColumn) -> (any SQLExpression)? {
        guard !words.isEmpty else { return nil }
        let each = words.map { word -> any SQLExpression in
            let escaped = word.replacingOccurrences(of: "!", with: "!!").replacingOccurrences(of: "%", with: "!%").replacingOccurrences(of: "_", with: "!_")
            return SQLQueryString("LOWER(\(column)) LIKE \(bind: "%\(escaped)%") ESCAPE '!'")
        }
        return SQLGroupExpression(SQLList(each, separator: SQLRaw(" AND ")))
    }
}
