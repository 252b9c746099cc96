import Fluent
import Foundation
@testable import PortalServer
import SQLKit
import Testing

@Suite struct MigrationTests {
    /// The names under which Fluent has recorded the portal's migrations in `_fluent_migrations`,
    /// in every database made so far, oldest first. A recorded migration is never run again, so
    /// these stay the names of the first of `PortalMigrations.all`: a type renamed, or nested in
    /// another, would run again on every council's database and fail on the tables it made. A new
    /// migration's name joins the list once it has shipped.
    static let recorded = [
        "PortalServer.CreateGeography", "PortalServer.CreateServiceAreas", "PortalServer.SeedDefaultServiceAreas",
        "PortalServer.CreateUsers", "PortalServer.CreateUserSessions", "PortalServer.CreateEnquiryTypes",
        "PortalServer.CreateEnquiries", "PortalServer.CreateAuditTrail", "PortalServer.CreateServiceLevels",
        "PortalServer.CreateDocuments", "PortalServer.CreateOutbox", "PortalServer.CreateNotificationPreferences",
        "PortalServer.CreateSearchIndex", "PortalServer.AddReportIndexes", "PortalServer.AddQueueIndexes",
        "PortalServer.AddSearchFilterIndex", "PortalServer.CreateAccessibilityStatement", "PortalServer.AddSignInReservation",
        "PortalServer.CreatePlaces",
    ]

    /// The migrations the upgraded database lacks (the accessibility statement's, the sign-in
    /// reservation and the heat map's tallies), so that the upgrade both leaves alone what ran and
    /// runs what is new. The database is filled by today's code, so it has every migration that
    /// code's tables need.
    static let newest: Set = ["PortalServer.CreateAccessibilityStatement", "PortalServer.AddSignInReservation", "PortalServer.CreateEnquiryTallies", "PortalServer.CreateHighways", "PortalServer.AddHighwaysSecondLook", "PortalServer.TallyChangesByStatement", "PortalServer.AddHighwaysListPageSize"]

    @Test func migrationsRevertAndApplyAgainCleanly() async throws {
        try await withApp { app in
            try await app.autoRevert()
            #expect(try await app.migrator.previewPrepareBatch().get().count == PortalMigrations.all(clock: .system).count)
            try await app.autoMigrate()
            #expect(try await app.migrator.previewPrepareBatch().get().isEmpty)
            #expect(try await ServiceArea.query(on: app.db).count() == 18)
        }
    }

    /// A database made by an earlier release, holding the demo council and its casework, migrated
    /// by this one: the migrations it had run are not run again, every row is as it was, and the
    /// newer migrations run.
    @Test func anExistingDatabaseUpgradesUnchanged() async throws {
        try await withApp(emptyDatabase: true) { app in
            let all = PortalMigrations.all(clock: app.portal.clock)
            #expect(Array(all.map(\.name).prefix(Self.recorded.count)) == Self.recorded)

            let earlier = Migrations()
            earlier.add(all.filter { !Self.newest.contains($0.name) })
            let migrator = Migrator(databases: app.databases, migrations: earlier, logger: app.logger, on: app.eventLoopGroup.any())
            try await migrator.setupIfNeeded().get()
            try await migrator.prepareBatch().get()
            try await DemoCouncil.load(on: app.db, passwordHash: try await app.password.async.hash("demo"), at: app.now)
            let ran = try await MigrationLog.query(on: app.db).all()
            #expect(Set(ran.map(\.name)) == Set(all.map(\.name)).subtracting(Self.newest))
            let tables = try await Self.tables(on: app.db.sql).filter { $0 != MigrationLog.schema }
            let before = try await Contents.read(tables, on: app.db)
            #expect(before.rows["enquiries"] == DemoEnquiries.count)

            try await app.autoMigrate()

            #expect(try await app.migrator.previewPrepareBatch().get().isEmpty)
            let log = try await MigrationLog.query(on: app.db).all()
            #expect(log.count == all.count)
            #expect(Set(log.map(\.name)) == Set(all.map(\.name)))
            // Each earlier migration keeps the row it was recorded with, in the first batch.
            #expect(Set(ran.map(LogRow.init)).isSubset(of: Set(log.map(LogRow.init))))
            #expect(Set(log.filter { $0.batch == 2 }.map(\.name)) == Self.newest)
            #expect(try await Contents.read(tables, on: app.db) == before)

            // What the newer migrations made is there and works.
            #expect(try await count("council_accessibility", on: app.db) == 1)
            let tallied = try await app.db.sql.raw("SELECT CAST(SUM(tally) AS BIGINT) AS n FROM enquiry_tallies").first()?.decode(column: "n", as: Int.self)
            #expect(tallied == DemoEnquiries.count, "the heat map's tallies hold the enquiries already there")
            if app.db.sql.isPostgres {
                let functions = try await app.db.sql.raw("SELECT COUNT(*) AS n FROM pg_proc WHERE proname = 'portal_reserve_sign_in'")
                    .first()?.decode(column: "n", as: Int.self)
                #expect(functions == 1)
            }
            #expect(try await TestBrowser(app).signIn("member@demo.test").status == .seeOther)
        }
    }

    /// Every table, by name.
    static func tables(on sql: any SQLDatabase) async throws -> [String] {
        let query: SQLQueryString = sql.isPostgres
            ? "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()"
            : "SELECT name FROM sqlite_master WHERE type = 'table'"
        return try await sql.raw(query).all().map { try $0.decode(column: "name", as: String.self) }.sorted()
    }

    /// One migration as `_fluent_migrations` recorded it.
    struct LogRow: Hashable {
        let id: UUID?, name: String, batch: Int, createdAt: Date?
        init(_ row: MigrationLog) { (id, name, batch, createdAt) = (row.id, row.name, row.batch, row.createdAt) }
    }

    /// What an upgrade must leave as it was: how many rows each table holds, each enquiry's
    /// reference, status and version, and the audit trail's chain.
    struct Contents: Equatable {
        let rows: [String: Int]
        let enquiries: [String]
        let audit: AuditTrail.Verification

        static func read(_ tables: [String], on db: any Database) async throws -> Contents {
            var rows: [String: Int] = [:]
            for table in tables { rows[table] = try await count(table, on: db) }
            let enquiries = try await db.sql.select().columns("reference", "status", "version").from("enquiries").orderBy("reference").all()
                .map { "\(try $0.decode(column: "reference", as: String.self)) \(try $0.decode(column: "status", as: String.self)) \(try $0.decode(column: "version", as: Int.self))" }
            return Contents(rows: rows, enquiries: enquiries, audit: try await AuditTrail.verify(on: db))
        }
    }
}
