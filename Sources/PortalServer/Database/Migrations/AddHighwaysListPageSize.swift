import Fluent
import SQLKit

/// How many requests the highways system lists at most in one answer, when the administrator
/// knows it: a list that long may be cut short, so it settles nothing about a report.
struct AddHighwaysListPageSize: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("highways_settings").field("list_page_size", .int64).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("highways_settings").deleteField("list_page_size").update()
    }
}
