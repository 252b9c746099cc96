import Fluent
import SQLKit

/// When the highways system's list first failed to show a report whose outcome was unknown: it is
/// posted again only if a second look, minutes later, still does not find it.
struct AddHighwaysSecondLook: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("highways_sends").field("not_found_at", .datetime).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("highways_sends").deleteField("not_found_at").update()
    }
}
