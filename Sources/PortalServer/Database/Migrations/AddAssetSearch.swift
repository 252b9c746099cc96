import Fluent
import SQLKit

/// Finding enquiries by the asset they are about: an index on the asset's id in upper case, which
/// the search's asset filter matches in any case, and the asset's label and id written into the
/// search documents of the enquiries that have one.
struct AddAssetSearch: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.sql.raw("CREATE INDEX enquiries_asset ON enquiries (UPPER(asset_reference))").run()
        try await SearchIndex.rebuild(on: database, only: SQLRaw("asset_reference IS NOT NULL"))
    }

    func revert(on database: any Database) async throws {
        try await database.sql.raw("DROP INDEX enquiries_asset").run()
    }
}
