import Fluent
import Foundation
import NIOCore
import PortalCore
import SQLKit
import Vapor

/// Any search as a CSV file, newest raised first, streamed a thousand rows at a time with keyset
/// paging: the response starts at once and memory stays flat however many rows there are.
/// Resident details are never exported.
enum SearchExport {
    static let batch = 1000

    struct Row: Decodable, Sendable {
        let id: UUID
        let reference: String
        let created_at: Date
        let status: String
        let service_area_id: UUID
        let type_id: UUID
        let subtype_id: UUID?
        let subject: String
        let member_id: UUID
        let channel: String
        let district_id: UUID?
        let division_id: UUID?
        let parish_id: UUID?
        let works_area_id: UUID?
        let urgency: String
        let first_response_due: String?
        let completion_due: String?
        let first_response_days: Int?
        let completed_at: Date?
        let completion_days: Int?
        let reopen_count: Int
    }

    static let header = ["Reference", "Raised", "Status", "Service area", "Type", "Sub-type", "Subject", "Member", "Raised by",
                         "District", "Division", "Parish", "Works area", "Urgency", "Response due", "Completion due",
                         "Working days to first response", "Completed", "Working days to complete", "Times reopened"]

    @Sendable static func csv(_ request: Request) async throws -> Response {
        let fields = SearchRoutes.fields(request)
        let (criteria, errors) = SearchCriteria.parse(fields)
        guard errors.isEmpty else {
            return request.seeOther("/search?\(SearchRoutes.queryString(fields))", flash: "Put the search right before downloading it.")
        }
        let viewer = try await SearchRoutes.viewer(request, fields: fields)
        let data = try await request.referenceData()
        let clock = try await request.serviceLevels().clock
        let people = try await request.people()
        let db = request.db
        let now = request.now
        let name = "enquiries-\(clock.localDate(of: now).iso).csv"
        let headers: HTTPHeaders = [
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": "attachment; filename=\"\(name)\"",
            "Cache-Control": "no-store",
        ]
        let forMember = viewer.scope == .mine
        return Response(status: .ok, headers: headers, body: .init(managedAsyncStream: { writer in
            // A byte-order mark, so spreadsheet programs read the file as UTF-8.
            try await writer.writeBuffer(ByteBuffer(string: "\u{FEFF}" + line(header)))
            try await forEachBatch(criteria, viewer: viewer, clock: clock, now: now, on: db) { rows in
                var text = ""
                text.reserveCapacity(rows.count * 300)
                for row in rows {
                    let status = EnquiryStatus(rawValue: row.status)
                    text += line([
                        row.reference, local(row.created_at, clock), status?.label(forMember: forMember) ?? row.status,
                        data.name(row.service_area_id) ?? "", data.name(row.type_id) ?? "", data.name(row.subtype_id) ?? "", row.subject,
                        people.name(row.member_id) ?? "", EnquiryChannel(rawValue: row.channel)?.label ?? row.channel,
                        data.name(row.district_id) ?? "", data.name(row.division_id) ?? "", data.name(row.parish_id) ?? "",
                        data.name(row.works_area_id) ?? "", Urgency(rawValue: row.urgency)?.label ?? row.urgency,
                        row.first_response_due ?? "", row.completion_due ?? "", row.first_response_days.map(String.init) ?? "",
                        row.completed_at.map { local($0, clock) } ?? "", row.completion_days.map(String.init) ?? "", String(row.reopen_count),
                    ])
                }
                try await writer.writeBuffer(ByteBuffer(string: text))
            }
        }))
    }

    /// Every enquiry the search finds, newest raised first, `batch` at a time: each batch starts
    /// after the last row of the one before (keyset paging), so no batch costs more than the first.
    static func forEachBatch(_ criteria: SearchCriteria, viewer: EnquirySearch.Viewer, clock: WorkingDayClock, now: Date, on db: any Database,
                             batch: Int = batch, _ body: ([Row]) async throws -> Void) async throws {
        var after: UUID?
        while true {
            var select = EnquirySearch.matching(criteria, viewer: viewer, clock: clock, now: now, on: db)
            for column in ["id", "reference", "created_at", "status", "service_area_id", "type_id", "subtype_id", "subject", "member_id",
                           "channel", "district_id", "division_id", "parish_id", "works_area_id", "urgency", "first_response_due",
                           "completion_due", "first_response_days", "completed_at", "completion_days", "reopen_count"] {
                select = select.column(EnquirySearch.column(column))
            }
            if let after {
                // After the last row, as a row comparison the (created_at, id) index answers; its
                // time is read in SQL, not sent back from Swift, where a Double could round it.
                select = select.where(SQLQueryString(
                    "(\(EnquirySearch.column("created_at")), \(EnquirySearch.column("id"))) < ((SELECT created_at FROM enquiries WHERE id = \(bind: after)), \(bind: after))"))
            }
            let rows = try await select
                .orderBy(SQLOrderBy(expression: EnquirySearch.column("created_at"), direction: SQLDirection.descending))
                .orderBy(SQLOrderBy(expression: EnquirySearch.column("id"), direction: SQLDirection.descending))
                .limit(batch).all(decoding: Row.self)
            guard let last = rows.last else { return }
            try await body(rows)
            if rows.count < batch { return }
            after = last.id
        }
    }

    /// "2026-03-04 14:05", in the council's time.
    static func local(_ date: Date, _ clock: WorkingDayClock) -> String {
        let minutes = clock.localMinutes(of: date)
        return "\(clock.localDate(of: date).iso) \(minutes / 60 < 10 ? "0" : "")\(minutes / 60):\(minutes % 60 < 10 ? "0" : "")\(minutes % 60)"
    }

    /// One CSV line (RFC 4180). A cell a spreadsheet would take for a formula is prefixed with an
    /// apostrophe, so an enquiry's subject can never run as one.
    static func line(_ cells: [String]) -> String {
        cells.map { cell in
            var value = cell
            if let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { value = "'" + value }
            if value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
                value = "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            }
            return value
        }.joined(separator: ",") + "\r\n"
    }
}
