import Fluent
import Foundation
import PortalCore
import SQLKit

/// Search over enquiries on either database, behind one interface: the same criteria, access
/// scope and order give the same enquiries on SQLite (FTS5, bm25) and PostgreSQL (tsvector,
/// ts_rank). The conditions are shared with the CSV export and the reports, so a count on one
/// agrees with the others.
enum EnquirySearch {
    static let pageSize = 25
    /// Counting stops here: past it the page says "more than 10,000", at a bounded cost.
    static let countLimit = 10_000

    /// Who is searching, and so which enquiries and which parts of them the search reads.
    struct Viewer: Sendable {
        let access: EnquiryAccess.Viewer
        let scope: SearchScope

        /// The enquiries this scope reads, by the access rule (`EnquiryAccess`).
        var enquiries: EnquiryCondition {
            switch scope {
            case .mine: EnquiryAccess.own(of: access)
            case .officer: EnquiryAccess.asOfficer(access)
            case .asked: EnquiryAccess.condition(for: [.responder], of: access)
            }
        }

        /// The scopes a person may choose, the widest first.
        static func scopes(for user: CurrentUser) -> [SearchScope] {
            var scopes: [SearchScope] = []
            if user.roles.contains(.coordinator) || user.roles.contains(.administrator) { scopes.append(.officer) }
            if user.roles.contains(.responder), !scopes.contains(.officer) { scopes.append(.asked) }
            scopes.append(.mine)
            return scopes
        }
    }

    /// Text with the matched words marked: alternate plain and marked runs, plain first.
    struct Marked: Sendable, Equatable {
        let runs: [String]

        static let start = "\u{E000}"
        static let end = "\u{E001}"

        init(_ text: String) {
            var runs: [String] = []
            var current = ""
            for character in text {
                if String(character) == Self.start || String(character) == Self.end {
                    runs.append(current)
                    current = ""
                } else {
                    current.append(character)
                }
            }
            runs.append(current)
            self.runs = runs
        }

        init(runs: [String]) { self.runs = runs }

        var plain: String { runs.joined() }
        var hasMarks: Bool { runs.count > 1 }
    }

    struct Hit: Sendable {
        let row: EnquiryRow
        let raisedAt: Date
        var subject: Marked?
        var snippet: Marked?
    }

    struct Results: Sendable {
        var hits: [Hit]
        /// Up to `countLimit`; `capped` when there are more.
        var total: Int
        var capped: Bool
    }

    static func column(_ name: String) -> SQLColumn { SQLColumn(name, table: Enquiry.schema) }

    static func isPostgres(_ db: any Database) -> Bool { db.sql.isPostgres }

    /// The conditions on `enquiries` for this person and these filters (not the free text).
    static func conditions(_ criteria: SearchCriteria, viewer: Viewer, clock: WorkingDayClock, now: Date) -> [any SQLExpression] {
        var conditions: [any SQLExpression] = []
        // A status asked for other than draft already leaves drafts out; said twice, PostgreSQL
        // must read each row to test the second, which the index can't answer.
        let known = criteria.status.map { $0 != .draft } == true ? viewer.enquiries.without(.notDraft) : viewer.enquiries
        if let access = known.sql { conditions.append(access) }
        func equal(_ name: String, _ value: (some Encodable & Sendable)?) {
            if let value { conditions.append(SQLBinaryExpression(column(name), .equal, SQLBind(value))) }
        }
        equal("reference", criteria.reference)
        equal("status", criteria.status?.rawValue)
        equal("service_area_id", criteria.serviceAreaID)
        equal("type_id", criteria.typeID)
        equal("subtype_id", criteria.subtypeID)
        equal("works_area_id", criteria.worksAreaID)
        equal("district_id", criteria.districtID)
        equal("division_id", criteria.divisionID)
        equal("parish_id", criteria.parishID)
        equal("member_id", criteria.memberID)
        if let asset = criteria.asset {
            // In any case, on the index of the upper-cased id (AddAssetSearch).
            conditions.append(SQLBinaryExpression(SQLFunction("UPPER", args: column("asset_reference")), .equal, SQLFunction("UPPER", args: SQLBind(asset))))
        }
        equal("channel", criteria.channel?.rawValue)
        for (name, dates) in [("created_at", criteria.raised), ("completed_at", criteria.completed)] {
            if let from = dates.from { conditions.append(SQLBinaryExpression(column(name), .greaterThanOrEqual, SQLBind(clock.startOfDay(from)))) }
            if let to = dates.to {
                conditions.append(SQLBinaryExpression(column(name), .lessThan, SQLBind(clock.startOfDay(CivilDate(dayNumber: to.dayNumber + 1)))))
            }
        }
        if let deadline = criteria.deadline {
            let bounds = EnquiryList.DeadlineBounds(clock: clock, now: now)
            switch deadline {
            case .overdue: conditions.append(SQLBinaryExpression(column("next_due"), .lessThan, SQLBind(bounds.today)))
            case .atRisk:
                conditions.append(SQLBinaryExpression(column("next_due"), .greaterThanOrEqual, SQLBind(bounds.today)))
                conditions.append(SQLBinaryExpression(column("next_due"), .lessThanOrEqual, SQLBind(bounds.atRiskUntil)))
            case .onTime: conditions.append(SQLBinaryExpression(column("next_due"), .greaterThan, SQLBind(bounds.atRiskUntil)))
            }
        }
        return conditions
    }

    /// A select over the enquiries these criteria find: the tables (with the full-text index when
    /// there is text) and every condition. The caller adds columns and order.
    static func matching(_ criteria: SearchCriteria, viewer: Viewer, clock: WorkingDayClock, now: Date,
                         on db: any Database) -> SQLSelectBuilder {
        var select = db.sql.select()
        if criteria.text.isEmpty {
            select = select.from(Enquiry.schema)
        } else if isPostgres(db) {
            select = select.from(Enquiry.schema)
                .where(SQLQueryString("enquiries.search_document @@ to_tsquery('english', \(bind: tsquery(criteria.text, viewer.scope)))"))
        } else {
            select = select.from("enquiry_fts")
                .join("search_rows", on: SQLColumn("row", table: "search_rows"), .equal, SQLColumn("rowid", table: "enquiry_fts"))
                .join(Enquiry.schema, on: column("id"), .equal, SQLColumn("enquiry_id", table: "search_rows"))
                .where(SQLQueryString("enquiry_fts MATCH \(bind: criteria.text.fts5(columns: viewer.scope.parts.map(\.column)))"))
        }
        for condition in conditions(criteria, viewer: viewer, clock: clock, now: now) { select = select.where(condition) }
        return select
    }

    /// Weights limit the words to the parts the person may read; reading every part, none are
    /// needed, and PostgreSQL then need not re-read each matching document to check them.
    static func tsquery(_ text: SearchText, _ scope: SearchScope) -> String {
        text.tsquery(weights: scope.parts.count == SearchPart.allCases.count ? "" : String(scope.parts.map(\.weight)))
    }

    /// Relevance is ranked among this many of the newest matches: ranking every match of a common
    /// word (a quarter of a million on a large council) costs seconds on either database, while
    /// the newest few thousand rank in milliseconds. Fewer matches than this rank exactly.
    static let rankingWindow = 1000

    /// In creation order: on SQLite the index's own row numbers (given as enquiries are created,
    /// so the full-text index can walk them newest first without sorting); on PostgreSQL, or
    /// without text, when each was raised.
    private static func recency(_ criteria: SearchCriteria, on db: any Database, _ direction: SQLDirection) -> [any SQLExpression] {
        if !criteria.text.isEmpty, !isPostgres(db) { return [SQLOrderBy(expression: SQLColumn("rowid", table: "enquiry_fts"), direction: direction)] }
        return [SQLOrderBy(expression: column("created_at"), direction: direction), SQLOrderBy(expression: column("id"), direction: direction)]
    }

    /// The page of enquiries, in the order asked for. `dense` says the words match many
    /// enquiries: then PostgreSQL is told to walk the enquiries newest first and test each, which
    /// finds the newest matches in milliseconds, rather than gather every match from the word
    /// index and sort them, which its estimate of how common the words are (it takes words to be
    /// independent, and in enquiries they travel together) often leads it to choose.
    static func page(_ criteria: SearchCriteria, viewer: Viewer, clock: WorkingDayClock, now: Date, on db: any Database,
                     dense: Bool = false) async throws -> [EnquiryList.ListColumns] {
        guard dense, !criteria.text.isEmpty, isPostgres(db) else { return try await pageQuery(criteria, viewer: viewer, clock: clock, now: now, on: db) }
        return try await db.transaction { db in
            // Neither gathering every match from the word index nor reading the whole table: the
            // walk along the index on created_at, which stops at the window's last match.
            try await db.sql.raw("SET LOCAL enable_bitmapscan = off").run()
            try await db.sql.raw("SET LOCAL enable_seqscan = off").run()
            return try await pageQuery(criteria, viewer: viewer, clock: clock, now: now, on: db)
        }
    }

    private static func pageQuery(_ criteria: SearchCriteria, viewer: Viewer, clock: WorkingDayClock, now: Date, on db: any Database) async throws -> [EnquiryList.ListColumns] {
        var select = matching(criteria, viewer: viewer, clock: clock, now: now, on: db)
        for name in EnquiryList.ListColumns.names { select = select.column(column(name)) }
        let offset = (criteria.page - 1) * pageSize
        guard criteria.sort == .relevance, !criteria.text.isEmpty else {
            for order in recency(criteria, on: db, criteria.sort == .oldest ? .ascending : .descending) { select = select.orderBy(order) }
            return try await EnquiryList.ListColumns.all(select.limit(pageSize).offset(offset), on: db.sql)
        }
        // The newest matches that pass every filter, scored as they are read, then ranked.
        let score: any SQLExpression = isPostgres(db)
            ? postgresScore(criteria, viewer.scope)
            : SQLRaw("bm25(enquiry_fts, 8.0, 4.0, 2.0, 1.0)")
        select = select.column(score, as: "score")
        for order in recency(criteria, on: db, .descending) { select = select.orderBy(order) }
        let candidates = select.limit(rankingWindow)
        var ranked = db.sql.select().columns(EnquiryList.ListColumns.names.map { SQLColumn($0, table: "candidates") })
            .from(SQLAlias(SQLGroupExpression(candidates.select), as: SQLIdentifier("candidates")))
            .orderBy(SQLOrderBy(expression: SQLColumn("score", table: "candidates"), direction: isPostgres(db) ? SQLDirection.descending : SQLDirection.ascending))
            .orderBy(SQLOrderBy(expression: SQLColumn("created_at", table: "candidates"), direction: SQLDirection.descending))
        ranked = ranked.orderBy(SQLColumn("id", table: "candidates"))
        return try await EnquiryList.ListColumns.all(ranked.limit(pageSize).offset(offset), on: db.sql)
    }

    /// How well an enquiry matches the words, on PostgreSQL: higher is better.
    private static func postgresScore(_ criteria: SearchCriteria, _ scope: SearchScope) -> SQLQueryString {
        "ts_rank(enquiries.search_document, to_tsquery('english', \(bind: tsquery(criteria.text, scope))))"
    }

    /// The count and, when it is within `countLimit`, the page, in one statement on PostgreSQL:
    /// the matches gathered for counting (from the index, so in no useful order) are then all of
    /// them, so the page is drawn from those same rows rather than by reading them a second time.
    /// Past the limit the words are common, and the page is found by the newest-first walk.
    private static func countedPage(_ criteria: SearchCriteria, viewer: Viewer, clock: WorkingDayClock, now: Date,
                                    on db: any Database) async throws -> (rows: [EnquiryList.ListColumns], total: Int) {
        let found = matching(criteria, viewer: viewer, clock: clock, now: now, on: db)
            .column(column("id")).column(column("created_at")).limit(countLimit + 1)
        let columns = SQLList(EnquiryList.ListColumns.names.map { column($0) })
        let offset = (criteria.page - 1) * pageSize
        let page: SQLQueryString
        if criteria.sort == .relevance {
            page = """
                SELECT \(columns), \(postgresScore(criteria, viewer.scope)) AS score
                FROM (SELECT id FROM found ORDER BY created_at DESC, id DESC LIMIT \(literal: rankingWindow)) AS newest
                JOIN enquiries ON enquiries.id = newest.id
                WHERE counted.total <= \(literal: countLimit)
                ORDER BY score DESC, enquiries.created_at DESC, enquiries.id LIMIT \(literal: pageSize) OFFSET \(literal: offset)
                """
        } else {
            let direction = criteria.sort == .oldest ? "ASC" : "DESC"
            page = """
                SELECT \(columns) FROM found JOIN enquiries ON enquiries.id = found.id
                WHERE counted.total <= \(literal: countLimit)
                ORDER BY enquiries.created_at \(unsafeRaw: direction), enquiries.id \(unsafeRaw: direction)
                LIMIT \(literal: pageSize) OFFSET \(literal: offset)
                """
        }
        // The outer join keeps the count's row when the page is empty (past the last page, or
        // left unread because the count passed its limit).
        let rows = try await db.sql.raw("""
            WITH found AS MATERIALIZED (\(found.select)), counted AS (SELECT COUNT(*) AS total FROM found)
            SELECT counted.total AS found_total, page.* FROM counted LEFT JOIN LATERAL (\(page)) AS page ON true
            """).all()
        let total = try rows.first?.decode(column: "found_total", as: Int.self) ?? 0
        if total > countLimit { return (try await self.page(criteria, viewer: viewer, clock: clock, now: now, on: db, dense: true), total) }
        let listed = try rows.filter { try !$0.decodeNil(column: "id") }.map { try EnquiryList.ListColumns(RowReader($0, on: db.sql)) }
        return (listed, total)
    }

    /// One page of results with the matched words marked, and the count.
    static func search(_ criteria: SearchCriteria, viewer: Viewer, data: ReferenceData, clock: WorkingDayClock, now: Date, on db: any Database,
                       people: (Set<UUID>) async throws -> PeopleDirectory) async throws -> Results {
        let total: Int
        let found: [EnquiryList.ListColumns]
        if !criteria.text.isEmpty, isPostgres(db) {
            (found, total) = try await countedPage(criteria, viewer: viewer, clock: clock, now: now, on: db)
        } else {
            let counted = matching(criteria, viewer: viewer, clock: clock, now: now, on: db).column(SQLLiteral.numeric("1"), as: "one").limit(countLimit + 1)
            total = try await db.sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "total")
                .from(SQLAlias(SQLGroupExpression(counted.select), as: SQLIdentifier("found")))
                .first()?.decode(column: "total", as: Int.self) ?? 0
            // Past the count's limit the words are common enough that the newest matches lie close
            // together; below it, gathering them all from the word index costs less than the walk.
            found = try await page(criteria, viewer: viewer, clock: clock, now: now, on: db, dense: total > countLimit)
        }

        let marks = criteria.text.isEmpty ? [:] : try await highlights(found.map(\.id), text: criteria.text, scope: viewer.scope, on: db)
        let directory = try await people(Set(found.map(\.member_id)))
        let hits = found.map { e in
            var hit = Hit(row: e.row(data: data, people: directory, clock: clock, now: now), raisedAt: e.created_at)
            if let marked = marks[e.id] {
                // The indexed subject starts with the reference, which the page shows apart.
                var runs = marked.subject.runs
                if let first = runs.first, first.hasPrefix(e.reference + " ") { runs[0] = String(first.dropFirst(e.reference.count + 1)) }
                hit.subject = Marked(runs: runs)
                if marked.snippet.hasMarks, marked.snippet.plain != marked.subject.plain { hit.snippet = marked.snippet }
            }
            return hit
        }
        return Results(hits: hits, total: min(total, countLimit), capped: total > countLimit)
    }

    /// The subject with matches marked, and the best passage of the rest of what the person may
    /// read: for a page of results only, as marking costs more than matching.
    static func highlights(_ ids: [UUID], text: SearchText, scope: SearchScope, on db: any Database) async throws -> [UUID: (subject: Marked, snippet: Marked)] {
        guard !ids.isEmpty else { return [:] }
        var marked: [UUID: (Marked, Marked)] = [:]
        if isPostgres(db) {
            let plain = text.tsquery(weights: "")
            let body = scope.parts.filter { $0 != .subject }.map(\.column).joined(separator: " || E'\\n' || ")
            let options = "StartSel=\(Marked.start), StopSel=\(Marked.end)"
            let rows = try await db.sql.raw("""
                SELECT enquiry_id,
                       ts_headline('english', subject_text, to_tsquery('english', \(bind: plain)), \(bind: options + ", HighlightAll=true")) AS subject,
                       ts_headline('english', \(unsafeRaw: body), to_tsquery('english', \(bind: plain)),
                                   \(bind: options + ", MaxFragments=2, MaxWords=24, MinWords=10, FragmentDelimiter=\" … \"")) AS snippet
                FROM enquiry_search WHERE enquiry_id IN (\(binds: ids))
                """).all()
            for row in rows {
                marked[try row.decode(column: "enquiry_id", as: UUID.self)] =
                    (Marked(try row.decode(column: "subject", as: String.self)), Marked(try row.decode(column: "snippet", as: String.self)))
            }
        } else {
            let rows = try await db.sql.raw("""
                SELECT search_rows.enquiry_id AS enquiry_id,
                       highlight(enquiry_fts, 0, \(bind: Marked.start), \(bind: Marked.end)) AS subject,
                       snippet(enquiry_fts, -1, \(bind: Marked.start), \(bind: Marked.end), '…', 24) AS snippet
                FROM enquiry_fts JOIN search_rows ON search_rows.row = enquiry_fts.rowid
                WHERE enquiry_fts MATCH \(bind: text.fts5(columns: scope.parts.map(\.column))) AND search_rows.enquiry_id IN (\(binds: ids))
                """).all()
            for row in rows {
                marked[try row.decode(column: "enquiry_id", as: UUID.self)] =
                    (Marked(try row.decode(column: "subject", as: String.self)), Marked(try row.decode(column: "snippet", as: String.self)))
            }
        }
        return marked
    }
}
