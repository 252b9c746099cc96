import Fluent
import Foundation
@testable import PortalServer
import Testing

@Suite struct MigrationTests {
    @Test func migrationsRevertAndApplyAgainCleanly() async throws {
        try await withApp { app in
            try await app.autoRevert()
            #expect(try await app.migrator.previewPrepareBatch().get().count == PortalMigrations.all(clock: .system).count)
            try await app.autoMigrate()
            #expect(try await app.migrator.previewPrepareBatch().get().isEmpty)
            #expect(try await ServiceArea.query(on: app.db).count() == 18)
        }
    }
}
