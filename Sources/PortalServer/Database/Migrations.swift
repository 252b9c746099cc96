import Fluent
import PortalCore
import SQLKit

/// The schema's history, oldest first. Each migration is written once and never edited after it
/// has shipped; a change is a new migration. Only what both SQLite and PostgreSQL can do with
/// ALTER TABLE appears here (see DESIGN: no type changes, no added constraints).
enum PortalMigrations {
    /// `clock` dates the rows a migration writes.
    static func all(clock: PortalClock) -> [any Migration] {
        [
            CreateGeography(),
            CreateServiceAreas(),
            SeedDefaultServiceAreas(),
            CreateUsers(),
            CreateUserSessions(),
            CreateEnquiryTypes(),
            CreateEnquiries(),
            CreateAuditTrail(),
            CreateServiceLevels(clock: clock),
            CreateDocuments(),
            CreateOutbox(),
            CreateNotificationPreferences(),
            CreateSearchIndex(),
            AddReportIndexes(),
            AddQueueIndexes(),
            AddSearchFilterIndex(),
            CreateAccessibilityStatement(clock: clock),
            AddSignInReservation(),
        ]
    }
}

extension SQLDatabase {
    /// The one check of which database this is, for the few statements the two write differently.
    var isPostgres: Bool { dialect.name == "postgresql" }
}

extension Database {
    /// SQLKit for what Fluent's schema builder lacks (plain indexes) and for the fast queries.
    var sql: any SQLDatabase {
        guard let sql = self as? any SQLDatabase else {
            fatalError("The portal needs an SQL database (SQLite or PostgreSQL)")
        }
        return sql
    }

    func createIndex(_ name: String, on table: String, _ columns: String...) async throws {
        var builder = sql.create(index: SQLIdentifier(name)).on(SQLIdentifier(table))
        for column in columns { builder = builder.column(SQLIdentifier(column)) }
        try await builder.run()
    }
}
