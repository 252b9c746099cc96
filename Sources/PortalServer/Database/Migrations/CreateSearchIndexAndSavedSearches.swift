import Fluent
import Foundation
import SQLKit

/// The full-text index of enquiries, one document per enquiry in four parts (see `SearchPart`),
/// the indexes the search filters and reports read, and `saved_searches`, each person's named
/// searches.
///
/// - SQLite: an FTS5 table with the Porter stemmer, whose rowid is the `row` of `search_rows`
///   (an integer kept for each enquiry, because FTS5 rows are numbered, not keyed by UUID).
/// - PostgreSQL: `enquiry_search` with the four texts, and on each enquiry a `tsvector` of them
///   (English stemming, each part with its own weight) under a GIN index.
struct CreateSearchIndex: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database.sql
        if sql.dialect.name == "postgresql" {
            // The texts, for marking matches; the weighted document itself lives on the enquiry,
            // so one index scan answers the words and the filters together.
            try await sql.raw("""
                CREATE TABLE enquiry_search (
                    enquiry_id uuid PRIMARY KEY REFERENCES enquiries (id),
                    subject_text text NOT NULL,
                    core_text text NOT NULL,
                    conversation_text text NOT NULL,
                    officer_text text NOT NULL
                )
                """).run()
            try await sql.raw("ALTER TABLE enquiries ADD COLUMN search_document tsvector").run()
            try await sql.raw("CREATE INDEX enquiries_search_document ON enquiries USING GIN (search_document)").run()
        } else {
            try await sql.raw("CREATE TABLE search_rows (row INTEGER PRIMARY KEY, enquiry_id BLOB NOT NULL UNIQUE)").run()
            try await sql.raw("""
                CREATE VIRTUAL TABLE enquiry_fts USING fts5(
                    subject_text, core_text, conversation_text, officer_text,
                    tokenize = 'porter unicode61 remove_diacritics 2'
                )
                """).run()
        }
        // The filters and reports: by when raised and completed, within the usual narrowings.
        try await database.createIndex("enquiries_created", on: "enquiries", "created_at", "id")
        try await database.createIndex("enquiries_completed", on: "enquiries", "completed_at")
        try await database.createIndex("enquiries_area_created", on: "enquiries", "service_area_id", "created_at")
        try await database.createIndex("enquiries_district_created", on: "enquiries", "district_id", "created_at")
        try await database.createIndex("enquiries_member_created", on: "enquiries", "member_id", "created_at")
        try await database.createIndex("enquiries_type_created", on: "enquiries", "type_id", "created_at")
        try await database.createIndex("enquiries_status_created", on: "enquiries", "status", "created_at")
        // The reopenings report reads the "reopened" entries without touching the rest, starting
        // from the few enquiries ever reopened.
        try await database.createIndex("enquiry_entries_kind", on: "enquiry_entries", "kind", "enquiry_id")
        try await sql.raw("CREATE INDEX enquiries_reopened ON enquiries (created_at) WHERE reopen_count > 0").run()

        try await database.schema("saved_searches")
            .id()
            .field("user_id", .uuid, .required, .references("users", "id"))
            .field("name", .string, .required)
            // The search's address after `?`, as the search page builds it.
            .field("query", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.createIndex("saved_searches_user", on: "saved_searches", "user_id", "name")

        try await SearchIndex.rebuild(on: database)
    }

    func revert(on database: any Database) async throws {
        try await database.schema("saved_searches").delete()
        for index in ["enquiries_created", "enquiries_completed", "enquiries_area_created", "enquiries_district_created",
                      "enquiries_member_created", "enquiries_type_created", "enquiries_status_created", "enquiry_entries_kind", "enquiries_reopened"] {
            try await database.sql.drop(index: SQLIdentifier(index)).run()
        }
        if database.sql.dialect.name == "postgresql" {
            try await database.sql.raw("DROP INDEX enquiries_search_document").run()
            try await database.sql.raw("ALTER TABLE enquiries DROP COLUMN search_document").run()
            try await database.sql.raw("DROP TABLE enquiry_search").run()
        } else {
            try await database.sql.raw("DROP TABLE enquiry_fts").run()
            try await database.sql.raw("DROP TABLE search_rows").run()
        }
    }
}
