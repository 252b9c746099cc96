import Fluent
import SQLKit

/// SQLite: the search index forgets an enquiry's words as soon as its document is replaced or
/// removed, rather than when its segments are next merged, so erased words leave no trace in it.
/// (PostgreSQL keeps each enquiry's words in its own row.)
struct SecureDeleteSearchWords: AsyncMigration {
    func prepare(on database: any Database) async throws {
        guard !database.sql.isPostgres else { return }
        try await database.sql.raw("INSERT INTO enquiry_fts (enquiry_fts, rank) VALUES ('secure-delete', 1)").run()
        // Words already left behind by earlier changes go with one merge of the whole index.
        try await database.sql.raw("INSERT INTO enquiry_fts (enquiry_fts) VALUES ('optimize')").run()
    }

    func revert(on database: any Database) async throws {
        guard !database.sql.isPostgres else { return }
        try await database.sql.raw("INSERT INTO enquiry_fts (enquiry_fts, rank) VALUES ('secure-delete', 0)").run()
    }
}
