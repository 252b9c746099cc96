import Fluent
import PortalCore

/// Every council starts with the common service areas; administrators change them afterwards.
struct SeedDefaultServiceAreas: AsyncMigration {
    func prepare(on database: any Database) async throws {
        for area in DefaultServiceAreas.all {
            try await ServiceArea(name: area.name, glossary: area.glossary).create(on: database)
        }
    }

    /// Lossy by nature: the areas' teams and works areas go with them.
    func revert(on database: any Database) async throws {
        try await WorksArea.query(on: database).delete()
        try await Team.query(on: database).delete()
        try await ServiceArea.query(on: database).delete()
    }
}
