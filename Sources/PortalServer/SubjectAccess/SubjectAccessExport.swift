import Fluent
import Foundation
import NIOCore
import PortalCore
import SQLKit
import Vapor

/// A subject access export: one ZIP file, sent as it is made (`ZipStream`), holding
/// `summary.html` (`SubjectAccessSummary`), `enquiries.json` (each `SubjectAccessRecord`) and
/// `documents/<reference>/<name>`. Enquiries are read `batch` at a time, once for each of the
/// two files, and documents a chunk at a time, so memory stays flat however much is sent.
enum SubjectAccessExport {
    static let batch = 25
    /// Room kept, for each enquiry, for its part of the summary and the JSON when checking that
    /// everything fits in a ZIP file without ZIP64 (details are at most 5,000 characters; this
    /// leaves room for a long conversation).
    static let textAllowance: UInt64 = 1 << 20

    /// A document going into the archive, and where.
    struct ArchivedDocument: Sendable {
        let id: UUID
        let enquiryID: UUID
        let name: String
        let size: Int
        let contentType: String?
        let addedAt: Date
        /// Its path in the archive: `documents/<reference>/<name>`, each part made safe
        /// (`ZipPath`) and the names in a folder made unique.
        let path: String
    }

    /// Too much for one ZIP file.
    struct TooLarge: Error {
        let message: String
    }

    private struct DocumentColumns: Decodable {
        let id: UUID
        let enquiry_id: UUID
        let name: String
        let size: Int
        let content_type: String?
        let added_at: Date
    }

    /// The documents of these enquiries that their Member can see (on the enquiry, or on an item
    /// of its conversation other than an internal note), in the enquiries' order.
    static func documents(of matches: [SubjectAccessSearch.Match], on db: any Database) async throws -> [UUID: [ArchivedDocument]] {
        guard !matches.isEmpty else { return [:] }
        let rows = try await db.sql.select()
            .columns(["id", "enquiry_id", "name", "size", "content_type", "added_at"].map { SQLColumn($0, table: "documents") })
            .from("documents")
            .join(EnquiryEntry.schema, method: SQLJoinMethod.left, on: SQLColumn("id", table: EnquiryEntry.schema), .equal, SQLColumn("attached_id", table: "documents"))
            .where(SQLBinaryExpression(SQLColumn("enquiry_id", table: "documents"), .in, SQLGroupExpression(matches.map { SQLBind($0.id) })))
            .where(SQLColumn("state", table: "documents"), .equal, SQLBind("kept"))
            .where(SQLQueryString("""
                (documents.attached_kind = \(bind: "enquiry") OR (documents.attached_kind = \(bind: "entry") AND \(SQLColumn("kind", table: EnquiryEntry.schema)) <> \(bind: EnquiryEntry.Kind.note.rawValue)))
                """))
            .orderBy(SQLColumn("added_at", table: "documents")).orderBy(SQLColumn("name", table: "documents"))
            .all(decoding: DocumentColumns.self)
        let byEnquiry = Dictionary(grouping: rows, by: \.enquiry_id)
        var folders = Set<String>()
        var found: [UUID: [ArchivedDocument]] = [:]
        for match in matches {
            guard let documents = byEnquiry[match.id] else { continue }
            let folder = ZipPath.unique(ZipPath.part(match.reference, fallback: "enquiry"), taken: &folders)
            var names = Set<String>()
            found[match.id] = documents.map { row in
                let file = ZipPath.unique(ZipPath.part(row.name, fallback: "document"), taken: &names)
                return ArchivedDocument(id: row.id, enquiryID: row.enquiry_id, name: row.name, size: row.size, contentType: row.content_type,
                                        addedAt: row.added_at, path: "documents/\(folder)/\(file)")
            }
        }
        return found
    }

    /// The archive as a response, after checking it fits and writing the audit entry. The search
    /// itself (what was typed) is personal data and stays out of the trail, which cannot be
    /// erased: the entry names the fields searched, the enquiries and how much was sent.
    static func response(_ matches: [SubjectAccessSearch.Match], query: SubjectAccessQuery, request: Request) async throws -> Response {
        let db = request.db
        let documents = try await documents(of: matches, on: db)
        let all = matches.flatMap { documents[$0.id] ?? [] }
        let documentBytes = all.reduce(UInt64(0)) { $0 + UInt64(max(0, $1.size)) }
        let nameBytes = all.reduce(UInt64(0)) { $0 + UInt64($1.path.utf8.count) }
        guard ZipStream.fits(entries: all.count + 2, nameBytes: nameBytes, contentBytes: documentBytes + UInt64(matches.count) * textAllowance) else {
            throw TooLarge(message: "Their documents come to \(DocumentSettings.size(Int(clamping: documentBytes))), more than one ZIP file can hold "
                + "(4 GB). Select fewer enquiries and download them in parts.")
        }
        let now = request.now
        let user = try request.requireUser()
        let references = matches.map(\.reference).joined(separator: ", ")
        try await db.transaction { db in
            try await AuditTrail.record(
                action: "subject_access_export", enquiryID: nil, actorID: user.id,
                detail: "Downloaded \(matches.count == 1 ? "1 enquiry" : "\(matches.count) enquiries") with "
                    + "\(all.count == 1 ? "1 document" : "\(all.count) documents") (\(DocumentSettings.size(Int(clamping: documentBytes)))) "
                    + "for a subject access request, found by \(query.fieldsText): \(references)",
                at: now, on: db)
        }
        let names = SubjectAccessRecord.Names(reference: try await request.referenceData(), people: try await request.people())
        let council = request.application.portal.councilName
        let (date, minutes) = CouncilTime.local(now)
        let stamp = ZipStream.Timestamp(year: date.year, month: date.month, day: date.day, hour: minutes / 60, minute: minutes % 60,
                                        second: Int(now.timeIntervalSince1970.rounded(.down)) % 60)
        let fileName = "subject-access-\(date.iso)-\(String(format: "%02d%02d", minutes / 60, minutes % 60)).zip"
        let headers: HTTPHeaders = [
            "Content-Type": "application/zip",
            "Content-Disposition": "attachment; filename=\"\(fileName)\"",
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        ]
        return Response(status: .ok, headers: headers, body: .init(managedAsyncStream: { writer in
            var archive = ArchiveWriter(zip: ZipStream(modified: stamp), writer: writer)
            try await archive.begin("summary.html")
            try await archive.write(SubjectAccessSummary.opening(council: council, exportedAt: now, enquiries: matches.map { ($0.reference, $0.subject) }))
            try await forEachRecord(matches, documents: documents, names: names, on: db) { record, number in
                try await archive.write(SubjectAccessSummary.section(record, number: number))
            }
            try await archive.write(SubjectAccessSummary.closing)
            try await archive.end()

            try await archive.begin("enquiries.json")
            try await archive.write(ByteBuffer(string: "{\n\"council\": \(jsonString(council)),\n\"exportedAt\": \(jsonString(now.formatted(.iso8601))),\n\"enquiries\": [\n"))
            try await forEachRecord(matches, documents: documents, names: names, on: db) { record, number in
                try await archive.write(ByteBuffer(bytes: (number == 1 ? [] : Array(",\n".utf8)) + (try record.json())))
            }
            try await archive.write(ByteBuffer(string: "\n]\n}\n"))
            try await archive.end()

            for document in all {
                try await archive.begin(document.path)
                let reader = DocumentStore.reader(document.id, on: db)
                while let chunk = try await reader() { try await archive.write(chunk) }
                try await archive.end()
            }
            try await archive.finish()
        }))
    }

    /// Each enquiry's record, `batch` read at a time, with its place (from 1) in the list.
    private static func forEachRecord(_ matches: [SubjectAccessSearch.Match], documents: [UUID: [ArchivedDocument]], names: SubjectAccessRecord.Names,
                                      on db: any Database, _ body: (SubjectAccessRecord, Int) async throws -> Void) async throws {
        var number = 0
        for chunk in matches.chunked(batch) {
            let ids = chunk.map(\.id)
            for record in try await SubjectAccessRecord.load(ids, documents: documents, names: names, on: db) {
                number += 1
                try await body(record, number)
            }
        }
    }

    private static func jsonString(_ text: String) -> String {
        (try? JSONEncoder().encode(text)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
    }
}

/// A `ZipStream` sending what it makes to a response as it goes.
private struct ArchiveWriter {
    var zip: ZipStream
    let writer: any AsyncBodyStreamWriter

    mutating func begin(_ name: String) async throws {
        try await writer.writeBuffer(ByteBuffer(bytes: try zip.begin(name)))
    }

    mutating func write(_ buffer: ByteBuffer) async throws {
        try buffer.withUnsafeReadableBytes { try zip.add($0) }
        try await writer.writeBuffer(buffer)
    }

    mutating func end() async throws {
        try await writer.writeBuffer(ByteBuffer(bytes: try zip.end()))
    }

    mutating func finish() async throws {
        try await writer.writeBuffer(ByteBuffer(bytes: try zip.finish()))
    }
}
