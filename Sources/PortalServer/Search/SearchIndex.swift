import Fluent
import Foundation
import PortalCore
import SQLKit

/// Keeps the full-text index in step with the enquiries. `reindex` is called inside the
/// transaction of every change to an enquiry (`EnquiryWorkflow`), so a search never finds text an
/// enquiry no longer has, nor misses what it has, and a rolled-back change leaves no trace.
enum SearchIndex {
    /// The four parts of one enquiry's document.
    struct Document: Sendable {
        let enquiryID: UUID
        var subject = ""
        var core = ""
        var conversation = ""
        var officer = ""
    }

    private struct EnquiryText: Decodable {
        let id: UUID
        let reference: String
        let subject: String
        let details: String
        let location: String?
        let asset_reference: String?
        let asset_label: String?
        let resident_name: String?
        let resident_address: String?
    }

    private struct EntryText: Decodable {
        let enquiry_id: UUID
        let kind: String
        let body: String
    }

    private struct QuestionText: Decodable {
        let enquiry_id: UUID
        let question: String
        let answer: String?
        let withdrawn_reason: String?
    }

    /// Rebuilds the documents of these enquiries: three reads and two writes whatever their number.
    static func reindex(_ ids: [UUID], on db: any Database) async throws {
        guard !ids.isEmpty else { return }
        try await write(try await documents(ids, on: db), on: db)
    }

    /// Indexes every enquiry, or those `only` picks, a thousand at a time (the migrations that
    /// create the index and add to its documents).
    static func rebuild(on db: any Database, only condition: (any SQLExpression)? = nil, batch: Int = 1000) async throws {
        var after: UUID?
        while true {
            var select = db.sql.select().column("id").from(Enquiry.schema).orderBy("id").limit(batch)
            if let condition { select = select.where(condition) }
            if let after { select = select.where("id", .greaterThan, after) }
            let ids = try await select.all().map { try $0.decode(column: "id", as: UUID.self) }
            guard let last = ids.last else { return }
            try await reindex(ids, on: db)
            after = last
        }
    }

    /// The core part of an enquiry's document: its details, its location, and the asset it is
    /// about (its label, and its id in the words a search splits it into), which everyone who may
    /// find the enquiry may read.
    static func core(details: String, location: String?, assetReference: String?, assetLabel: String?) -> String {
        var parts = [details, location ?? ""]
        if let assetReference {
            parts.append(AssetChoice.name(label: assetLabel ?? assetReference, reference: assetReference) + "\n" + SearchText.plainWords(assetReference))
        }
        return parts.joined(separator: "\n")
    }

    static func documents(_ ids: [UUID], on db: any Database) async throws -> [Document] {
        try await documents(try await db.sql.select()
            .columns("id", "reference", "subject", "details", "location", "asset_reference", "asset_label", "resident_name", "resident_address")
            .from(Enquiry.schema).where(EnquiryList.column("id", in: ids)).all(decoding: EnquiryText.self), on: db)
    }

    /// The documents of enquiries as they stand in memory, their conversations as written: for
    /// a change that writes its enquiries and their documents in one statement.
    static func documents(of enquiries: [Enquiry], on db: any Database) async throws -> [Document] {
        try await documents(try enquiries.map { enquiry in
            EnquiryText(id: try enquiry.requireID(), reference: enquiry.reference, subject: enquiry.subject, details: enquiry.details,
                        location: enquiry.location, asset_reference: enquiry.assetReference, asset_label: enquiry.assetLabel,
                        resident_name: enquiry.residentName, resident_address: enquiry.residentAddress)
        }, on: db)
    }

    private static func documents(_ texts: [EnquiryText], on db: any Database) async throws -> [Document] {
        let ids = texts.map(\.id)
        var documents: [UUID: Document] = [:]
        for enquiry in texts {
            var document = Document(enquiryID: enquiry.id)
            document.subject = enquiry.reference + " " + enquiry.subject
            document.core = core(details: enquiry.details, location: enquiry.location, assetReference: enquiry.asset_reference, assetLabel: enquiry.asset_label)
            document.conversation = [enquiry.resident_name ?? "", enquiry.resident_address ?? ""].joined(separator: "\n")
            documents[enquiry.id] = document
        }
        for entry in try await db.sql.select().columns("enquiry_id", "kind", "body").from(EnquiryEntry.schema)
            .where(EnquiryList.column("enquiry_id", in: ids)).orderBy("created_at").orderBy("id").all(decoding: EntryText.self) {
            if entry.kind == EnquiryEntry.Kind.note.rawValue {
                documents[entry.enquiry_id]?.officer += "\n" + entry.body
            } else {
                documents[entry.enquiry_id]?.conversation += "\n" + entry.body
            }
        }
        for question in try await db.sql.select().columns("enquiry_id", "question", "answer", "withdrawn_reason").from(ResponderQuestion.schema)
            .where(EnquiryList.column("enquiry_id", in: ids)).all(decoding: QuestionText.self) {
            documents[question.enquiry_id]?.officer += "\n" + [question.question, question.answer ?? "", question.withdrawn_reason ?? ""].joined(separator: "\n")
        }
        return ids.compactMap { documents[$0] }
    }

    static func write(_ documents: [Document], on db: any Database) async throws {
        guard !documents.isEmpty else { return }
        // Each statement stays well under both databases' limit on bound values.
        for chunk in stride(from: 0, to: documents.count, by: 500).map({ Array(documents[$0..<min($0 + 500, documents.count)]) }) {
            if EnquirySearch.isPostgres(db) {
                try await writePostgres(chunk, on: db)
            } else {
                try await writeSQLite(chunk, on: db)
            }
        }
    }

    /// The weighted PostgreSQL document of these texts, as an expression: the same as `write`
    /// stores, for a bulk insert that writes each enquiry with its document at once.
    static func postgresDocument(_ document: Document) -> any SQLExpression {
        SQLQueryString("""
            setweight(to_tsvector('english', \(bind: document.subject)), 'A') || setweight(to_tsvector('english', \(bind: document.core)), 'B') ||
            setweight(to_tsvector('english', \(bind: document.conversation)), 'C') || setweight(to_tsvector('english', \(bind: document.officer)), 'D')
            """)
    }

    /// On PostgreSQL, the texts of documents whose weighted form the caller writes itself (a
    /// change writing it with the enquiry's row, or enquiries inserted with it), replacing any before.
    static func writePostgresTexts(_ documents: [Document], on db: any Database) async throws {
        for chunk in documents.chunked(500) {
            try await db.sql.insert(into: "enquiry_search")
                .columns("enquiry_id", "subject_text", "core_text", "conversation_text", "officer_text")
                .rows(chunk.map { [SQLBind($0.enquiryID), SQLBind($0.subject), SQLBind($0.core), SQLBind($0.conversation), SQLBind($0.officer)] })
                .onConflict(with: ["enquiry_id"]) { conflict in
                    conflict.set(excludedValueOf: "subject_text").set(excludedValueOf: "core_text")
                        .set(excludedValueOf: "conversation_text").set(excludedValueOf: "officer_text")
                }
                .run()
        }
    }

    private static func writePostgres(_ documents: [Document], on db: any Database) async throws {
        try await writePostgresTexts(documents, on: db)
        try await db.sql.raw("""
            UPDATE enquiries SET search_document =
                setweight(to_tsvector('english', s.subject_text), 'A') || setweight(to_tsvector('english', s.core_text), 'B') ||
                setweight(to_tsvector('english', s.conversation_text), 'C') || setweight(to_tsvector('english', s.officer_text), 'D')
            FROM enquiry_search s
            WHERE s.enquiry_id = enquiries.id AND enquiries.id IN (\(binds: documents.map(\.enquiryID)))
            """).run()
    }

    private static func writeSQLite(_ documents: [Document], on db: any Database) async throws {
        let ids = documents.map(\.enquiryID)
        try await db.sql.insert(into: "search_rows").columns("enquiry_id").rows(ids.map { [SQLBind($0)] })
            .ignoringConflicts(with: ["enquiry_id"]).run()
        var numbers: [UUID: Int64] = [:]
        for row in try await db.sql.select().columns("row", "enquiry_id").from("search_rows").where(EnquiryList.column("enquiry_id", in: ids)).all() {
            numbers[try row.decode(column: "enquiry_id", as: UUID.self)] = try row.decode(column: "row", as: Int64.self)
        }
        try await db.sql.delete(from: "enquiry_fts").where(EnquiryList.column("rowid", in: Array(numbers.values))).run()
        let rows: [[any SQLExpression]] = documents.compactMap { document in
            numbers[document.enquiryID].map {
                [SQLBind($0), SQLBind(document.subject), SQLBind(document.core), SQLBind(document.conversation), SQLBind(document.officer)]
            }
        }
        try await db.sql.insert(into: "enquiry_fts")
            .columns("rowid", "subject_text", "core_text", "conversation_text", "officer_text")
            .rows(rows).run()
    }
}
