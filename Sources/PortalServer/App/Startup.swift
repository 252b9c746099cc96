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
                // Each event loop has one connection; give each a larger page cache and read the
                // file through memory mapping, which large searches and reports need.
                for loop in app.eventLoopGroup.makeIterator() {
                    guard let db = app.databases.database(.sqlite, logger: app.logger, on: loop) else { continue }
                    _ = try await db.sql.raw("PRAGMA cache_size = -65536").all()
                    _ = try await db.sql.raw("PRAGMA mmap_size = 2147418112").all()
                }
            }
        } catch {
            throw ConfigurationError("Cannot reach the database (\(app.portal.databaseDescription)): \(describe(error))")
        }
    }

    /// The production server refuses to start on an out-of-date schema rather than fail later.
    public static func requireMigrated(_ app: Application) async throws {
        let pending: [(any Migration, DatabaseID?)]
        do { pending = try await app.migrator.previewPrepareBatch().get() } catch {
            throw ConfigurationError("The database has not been set up for the portal; run `portal migrate` first")
        }
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
        let text = String(reflecting: error)
        if let psql = error as? PSQLError {
            if let message = psql.serverInfo?[.message] { return message }
            if text.contains("Connection refused") { return "connection refused; is PostgreSQL running there?" }
            if text.contains("timed out") || text.contains("Timeout") { return "no answer in time" }
            if let underlying = psql.underlying { return String(describing: underlying) }
            return "\(psql.code)"
        }
        return text.count > 300 ? String(text.prefix(300)) + "…" : text
    }
}
