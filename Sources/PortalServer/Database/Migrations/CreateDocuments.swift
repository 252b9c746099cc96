import Fluent
import SQLKit

/// Documents and their bytes (`documents`, `document_chunks`). The bytes live in the database, in
/// chunks, not in files: one backup holds everything, every app instance sees the same documents
/// without shared storage, and a document's row and bytes are written and erased together, so there
/// can be no file without a record and no record without its file.
struct CreateDocuments: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("documents")
            .id()
            .field("enquiry_id", .uuid, .required, .references("enquiries", "id"))
            // "enquiry", "entry" or "question"; `attached_id` names the entry or question.
            .field("attached_kind", .string, .required)
            .field("attached_id", .uuid)
            .field("name", .string, .required)
            .field("size", .int64, .required)
            .field("kind", .string)
            .field("content_type", .string)
            .field("sha256", .string)
            // "incoming" while it arrives (never shown), "kept", or "removed" (bytes erased).
            .field("state", .string, .required)
            // "clean", "not_scanned" (the scanner did not answer and the council keeps such files)
            // or "no_scanner" (none configured).
            .field("scan", .string)
            .field("added_by_id", .uuid, .required, .references("users", "id"))
            .field("added_at", .datetime, .required)
            .field("removed_by_id", .uuid, .references("users", "id"))
            .field("removed_at", .datetime)
            .create()
        try await database.createIndex("documents_enquiry", on: "documents", "enquiry_id", "state")
        try await database.createIndex("documents_state", on: "documents", "state", "added_at")

        try await database.schema("document_chunks")
            .field("document_id", .uuid, .required, .references("documents", "id"))
            .field("seq", .int, .required)
            .field("bytes", .data, .required)
            .unique(on: "document_id", "seq")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("document_chunks").delete()
        try await database.schema("documents").delete()
    }
}
