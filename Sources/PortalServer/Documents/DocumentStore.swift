import Crypto
import Fluent
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import PortalCore
import SQLKit

/// A document's row as pages and downloads need it.
struct DocumentRow: Decodable, Sendable {
    let id: UUID
    let enquiry_id: UUID
    let attached_kind: String
    let attached_id: UUID?
    let name: String
    let size: Int
    let kind: String?
    let content_type: String?
    let state: String
    let added_by_id: UUID
    let added_at: Date
}

/// The documents tables: bytes in 256 KB chunks, written as they arrive and read back one chunk
/// at a time, so no document is ever held whole in memory.
enum DocumentStore {
    static let chunkSize = 256 * 1024
    static let columns = ["id", "enquiry_id", "attached_kind", "attached_id", "name", "size", "kind", "content_type", "state",
                          "added_by_id", "added_at"]

    /// A row for bytes about to arrive: "incoming", which no page, list or download shows.
    static func begin(enquiryID: UUID, name: String, addedBy: UUID, at now: Date, on db: any Database) async throws -> UUID {
        let id = UUID()
        try await db.sql.insert(into: "documents")
            .columns("id", "enquiry_id", "attached_kind", "name", "size", "state", "added_by_id", "added_at")
            .values(SQLBind(id), SQLBind(enquiryID), SQLBind("enquiry"), SQLBind(name), SQLBind(0), SQLBind("incoming"),
                    SQLBind(addedBy), SQLBind(now))
            .run()
        return id
    }

    static func append(_ bytes: ByteBuffer, to document: UUID, seq: Int, on db: any Database) async throws {
        try await db.sql.insert(into: "document_chunks").columns("document_id", "seq", "bytes")
            .values(SQLBind(document), SQLBind(seq), SQLBind(Data(bytes.readableBytesView)))
            .run()
    }

    /// Reads the chunks back in order, one per call; nil at the end.
    static func reader(_ document: UUID, on db: any Database) -> @Sendable () async throws -> ByteBuffer? {
        let next = NIOLockedValueBox(0)
        return {
            let seq = next.withLockedValue { value in
                defer { value += 1 }
                return value
            }
            guard let row = try await db.sql.select().column("bytes").from("document_chunks")
                .where("document_id", .equal, document).where("seq", .equal, seq).first()
            else { return nil }
            return ByteBuffer(data: try row.decode(column: "bytes", as: Data.self))
        }
    }

    /// Erases the bytes and the row of documents that never became visible.
    static func discard(_ documents: [UUID], on db: any Database) async throws {
        guard !documents.isEmpty else { return }
        try await db.sql.delete(from: "document_chunks").where(EnquiryList.column("document_id", in: documents)).run()
        try await db.sql.delete(from: "documents").where(EnquiryList.column("id", in: documents))
            .where("state", .equal, "incoming").run()
    }

    /// Uploads that never finished (the connection dropped, the server stopped): erased at start-up
    /// and whenever they are older than a day.
    static func sweepAbandoned(olderThan cutoff: Date, on db: any Database) async throws -> Int {
        let abandoned = try await db.sql.select().column("id").from("documents")
            .where("state", .equal, "incoming").where("added_at", .lessThan, cutoff)
            .all().map { try $0.decode(column: "id", as: UUID.self) }
        try await discard(abandoned, on: db)
        return abandoned.count
    }

    static func visible(on enquiry: UUID, on db: any Database) async throws -> [DocumentRow] {
        try await db.sql.select().columns(columns).from("documents")
            .where("enquiry_id", .equal, enquiry).where("state", .equal, "kept")
            .orderBy("added_at").orderBy("name")
            .all(decoding: DocumentRow.self)
    }

    static func find(_ id: UUID, on enquiry: UUID, on db: any Database) async throws -> DocumentRow? {
        try await db.sql.select().columns(columns).from("documents")
            .where("id", .equal, id).where("enquiry_id", .equal, enquiry).where("state", .equal, "kept")
            .first(decoding: DocumentRow.self)
    }
}
