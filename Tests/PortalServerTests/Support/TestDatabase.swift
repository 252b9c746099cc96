import Fluent
import FluentPostgresDriver
import Foundation
import Logging
@testable import PortalServer
import Vapor

/// Each test gets its own database, copied from a template that was migrated and loaded with the
/// demo council once per test run: a file copy on SQLite, `CREATE DATABASE … TEMPLATE` on
/// PostgreSQL. Setting `PORTAL_TEST_POSTGRES_URL` (a URL of a maintenance database such as
/// `postgres`) runs the suite on PostgreSQL; otherwise it runs on SQLite.
actor TestDatabase {
    static let shared = TestDatabase()

    static var postgresURL: String? {
        ProcessInfo.processInfo.environment["PORTAL_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    private var template: Task<String, any Error>?
    private let folder = TestRunFolder.named("databases")
    private var counter = 0

    /// A fresh database for one test, and how to throw it away afterwards.
    func fresh() async throws -> (PortalConfiguration.DatabaseChoice, cleanup: @Sendable () async -> Void) {
        try await make(copying: try await templateName())
    }

    /// An empty database, not migrated, for a test that builds the schema itself.
    func empty() async throws -> (PortalConfiguration.DatabaseChoice, cleanup: @Sendable () async -> Void) {
        try await make(copying: nil)
    }

    private func make(copying template: String?) async throws -> (PortalConfiguration.DatabaseChoice, cleanup: @Sendable () async -> Void) {
        counter += 1
        if let url = Self.postgresURL {
            let name = "portal_t_\(getpid())_\(counter)"
            try await Self.execute("CREATE DATABASE \(name)" + (template.map { " TEMPLATE \($0)" } ?? ""), url: url)
            return (.postgres(url: Self.replacingDatabase(in: url, with: name)), {
                try? await Self.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", url: url)
            })
        }
        let path = (folder as NSString).appendingPathComponent("test-\(counter).sqlite")
        try? FileManager.default.removeItem(atPath: path)
        if let template {
            try FileManager.default.copyItem(atPath: template, toPath: path)
        } else {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        return (.sqlite(path: path), { try? FileManager.default.removeItem(atPath: path) })
    }

    private func templateName() async throws -> String {
        if let template { return try await template.value }
        let task = Task { try await Self.buildTemplate(folder: folder) }
        template = task
        return try await task.value
    }

    private static func buildTemplate(folder: String) async throws -> String {
        let choice: PortalConfiguration.DatabaseChoice
        let name: String
        if let url = postgresURL {
            name = "portal_template_\(getpid())"
            try await execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", url: url)
            try await execute("CREATE DATABASE \(name)", url: url)
            choice = .postgres(url: replacingDatabase(in: url, with: name))
        } else {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            name = (folder as NSString).appendingPathComponent("template.sqlite")
            try? FileManager.default.removeItem(atPath: name)
            choice = .sqlite(path: name)
        }
        let app = try await Application.make(.testing)
        do {
            try await configure(app, .forTests(choice))
            try await app.autoMigrate()
            try await DemoCouncil.load(on: app.db, passwordHash: try await app.password.async.hash("demo"), withEnquiries: false, at: app.now)
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
        return name
    }

    static func replacingDatabase(in url: String, with name: String) -> String {
        var components = URLComponents(string: url)!
        components.path = "/\(name)"
        return components.string!
    }

    static func execute(_ sql: String, url: String) async throws {
        let configuration = try SQLPostgresConfiguration(url: url)
        let logger = Logger(label: "test-database")
        let connection = try await PostgresConnection.connect(configuration: configuration.coreConfiguration, id: 1, logger: logger)
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }
}

extension PortalConfiguration {
    static func forTests(_ database: DatabaseChoice, demoMode: Bool = true, clock: TestClock = TestClock()) -> PortalConfiguration {
        // bcrypt's lowest cost keeps the suite fast; production uses 12.
        var configuration = PortalConfiguration(database: database, dataDirectory: FileManager.default.temporaryDirectory.path,
                                                secureCookies: true, councilName: demoCouncilName, bcryptCost: 4, demoMode: demoMode)
        configuration.clock = clock.portalClock
        // The tests' webhook receivers listen on the loopback address.
        configuration.webhooksAllowPrivate = true
        return configuration
    }
}

/// Runs a test against a freshly configured app on its own copy of the demo council (or, with
/// `emptyDatabase`, on a database with nothing in it, not even the schema), reading the time from
/// `clock` (an ordinary working morning unless the test chooses). `adjust` changes the
/// configuration before the app is configured with it.
func withApp(demoMode: Bool = true, clock: TestClock = TestClock(), emptyDatabase: Bool = false,
             adjust: (inout PortalConfiguration) -> Void = { _ in }, _ body: (Application) async throws -> Void) async throws {
    let (database, cleanup) = try await emptyDatabase ? TestDatabase.shared.empty() : TestDatabase.shared.fresh()
    let app = try await Application.make(.testing)
    app.logger.logLevel = .error
    do {
        var configuration = PortalConfiguration.forTests(database, demoMode: demoMode, clock: clock)
        adjust(&configuration)
        try await configure(app, configuration)
        try await body(app)
    } catch {
        try? await app.asyncShutdown()
        await cleanup()
        throw error
    }
    try await app.asyncShutdown()
    await cleanup()
}
