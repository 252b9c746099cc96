import FluentPostgresDriver
import Fluent
import Foundation
import SQLKit
import Vapor

/// What `serve` and `demo` check and prepare before accepting requests.
public enum Startup {
    /// Proves the database answers, and (for SQLite) turns on write-ahead logging so readers never
    /// wait for a writer.
    public static func checkDatabase(_ app: Application) async throws {
        do {
            _ = try await app.db.sql.raw("SELECT 1 AS ok").first()
            if app.db.sql.dialect.name == "sqlite" {
                _ = try await app.db.sql.raw("PRAGMA journal_mode = WAL").all()
            }
        } catch {
            throw ConfigurationError("Cannot reach the database (\(app.portal.databaseDescription)): \(describe(error))")
        }
    }

    /// The production server refuses to start on an out-of-date schema rather than fail later.
    public static func requireMigrated(_ app: Application) async throws {
        let pending = try await app.migrator.previewPrepareBatch().get()
        guard pending.isEmpty else {
            throw ConfigurationError("The database needs \(pending.count) migration(s); run `portal migrate` first")
        }
    }

    /// For the demo: migrate, and load the demo council into an empty database.
    public static func prepareDemo(_ app: Application) async throws {
        try await app.autoMigrate()
        if try await User.query(on: app.db).count() == 0 {
            app.logger.notice("Loading the demo council")
            try await DemoCouncil.load(on: app.db, passwordHash: try await app.password.async.hash("demo"))
        }
    }

    static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("connection refused") || text.contains("Connection refused") { return "connection refused" }
        if let psql = error as? PSQLError { return psql.serverInfo?[.message] ?? "\(psql.code)" }
        return text.count > 300 ? String(text.prefix(300)) + "…" : text
    }
}
