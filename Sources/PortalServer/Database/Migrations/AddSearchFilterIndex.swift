import Fluent
import Foundation
import SQLKit

/// On PostgreSQL, one GIN index over the words of each enquiry and the filters most often given
/// with them (status, service area, district, type), replacing the index over the words alone.
/// A search such as "pothole" in one district, closed, then reads a single index whose postings
/// for the word and for each filter are intersected inside it, instead of intersecting the
/// word's matches with a bitmap of a quarter of the council's enquiries (the district's) built
/// from a b-tree. The index holds the filter columns through `btree_gin`, an extension shipped
/// with PostgreSQL that a database owner may create. SQLite's full-text index is a table of its
/// own, joined to the enquiries, so there is nothing to change there.
struct AddSearchFilterIndex: AsyncMigration {
    static let columns = ["search_document", "status", "service_area_id", "district_id", "type_id"]

    func prepare(on database: any Database) async throws {
        let sql = database.sql
        guard sql.isPostgres else { return }
        try await sql.raw("CREATE EXTENSION IF NOT EXISTS btree_gin").run()
        try await sql.raw("CREATE INDEX enquiries_search_filters ON enquiries USING GIN (\(unsafeRaw: Self.columns.joined(separator: ", ")))").run()
        // Led by the words, the new index answers every search the old one did.
        try await sql.raw("DROP INDEX enquiries_search_document").run()
    }

    func revert(on database: any Database) async throws {
        let sql = database.sql
        guard sql.isPostgres else { return }
        try await sql.raw("CREATE INDEX enquiries_search_document ON enquiries USING GIN (search_document)").run()
        try await sql.raw("DROP INDEX enquiries_search_filters").run()
    }
}
