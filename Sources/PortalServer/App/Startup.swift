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
                let connections = app.eventLoopGroup.makeIterator().compactMap { app.databases.database(.sqlite, logger: app.logger, on: $0) }
                if let first = connections.first { try await analyzeUnmeasuredIndexes(on: first.sql) }
                for db in connections {
                    _ = try await db.sql.raw("PRAGMA cache_size = -65536").all()
                    _ = try await db.sql.raw("PRAGMA mmap_size = 2147418112").all()
                    // Statistics are read with the schema: a connection opened before they were
                    // written reads them again.
                    try await db.sql.raw("ANALYZE sqlite_schema").run()
                }
            }
        } catch {
            throw ConfigurationError("Cannot reach the database (\(app.portal.databaseDescription)): \(describe(error))")
        }
    }

    /// Gives SQLite's planner figures for indexes that have none. An index made by a migration
    /// after the database was last analysed (`portal seed-volume` analyses at its end) has no
    /// statistics, and SQLite then takes it to be highly selective: on a million enquiries it
    /// chose the queue index for "closed, by phone", collected 850,000 rows and sorted them
    /// (1.4 s), instead of reading (status, created_at) in order for the first 25. Each such index
    /// is measured whole: a sample of its first entries misjudges how values repeat (half a second
    /// measured four indexes over a million enquiries). With no statistics at all (a database never
    /// analysed) the planner's guesses are at least even, and nothing is done.
    static func analyzeUnmeasuredIndexes(on sql: any SQLDatabase) async throws {
        guard try await sql.raw("SELECT 1 AS found FROM sqlite_master WHERE name = 'sqlite_stat1'").first() != nil else { return }
        let unmeasured = try await sql.raw("""
            SELECT name FROM sqlite_master
            WHERE type = 'index' AND tbl_name IN (SELECT tbl FROM sqlite_stat1)
              AND name NOT IN (SELECT idx FROM sqlite_stat1 WHERE idx IS NOT NULL)
            """).all().map { try $0.decode(column: "name", as: String.self) }
        for index in unmeasured { try await sql.raw("ANALYZE \(ident: index)").run() }
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
        // A newcomer needs the address and the sign-ins, not a line for each migration.
        let level = app.logger.logLevel
        app.logger.logLevel = max(level, .warning)
        try await app.autoMigrate()
        app.logger.logLevel = level
        if try await User.query(on: app.db).count() == 0 {
            app.logger.notice("Loading the demo council")
            try await DemoCouncil.load(on: app.db, passwordHash: try await app.password.async.hash("demo"), at: app.now)
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

    /// Once the demo's server is listening, says where to open it and how to sign in (and says
    /// nothing if it never starts, for instance because the port is taken).
    static func greetOnceListening(_ app: Application, highways: String? = nil) {
        let server = app.http.server.shared
        Task {
            for _ in 0..<1_200 {
                if let address = server.localAddress, let port = address.port {
                    print(demoGreeting(address: "http://\(address.ipAddress ?? "127.0.0.1"):\(port)", highways: highways))
                    return
                }
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    static func demoGreeting(address: String, highways: String? = nil) -> String {
        let stand = highways.map {
            "\nSafety reports go to a stand-in highways system at \($0),\nwhich marks each in progress after 10 seconds and fixed after 30; the updates come back by themselves.\n"
        } ?? ""
        return """

        The demo council is ready: open \(address) and sign in with the password "demo" as
          member@demo.test       Cllr Alex Morgan, a Member (councillor)
          coordinator@demo.test  Sam Patel, who co-ordinates Highways enquiries
          responder@demo.test    Chris Walker, an officer who answers co-ordinators' questions
          admin@demo.test        Morgan Blake, the administrator
        \(stand)Stop it with Ctrl-C.

        """
    }
}
