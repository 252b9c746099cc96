import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Vapor

/// Sets up the application: database, migrations, password hashing, middleware and routes.
/// Throws `ConfigurationError` for anything a person must fix before the portal can start.
public func configure(_ app: Application, _ configuration: PortalConfiguration) async throws {
    app.portal = configuration
    await app.makeOutsideHTTP()
    switch configuration.database {
    case .sqlite(let path):
        try DataDirectory.prepare((path as NSString).deletingLastPathComponent)
        // SQLite's calls block a thread of this pool, and one waiting for another connection's
        // write lock keeps its thread until the lock is free. With a pool of its own, twice the
        // connections (one an event loop), the connection holding the lock always has a thread
        // to finish on, whatever the others wait for or another application in the process does.
        app.threadPool = NIOThreadPool(numberOfThreads: max(4, 2 * System.coreCount))
        app.databases.use(.takingWriteLockAtBegin(.sqlite(.file(path), sqlLogLevel: .debug)), as: .sqlite)
    case .postgres(let url):
        let postgres: SQLPostgresConfiguration
        do { postgres = try SQLPostgresConfiguration(url: url) } catch {
            throw ConfigurationError("DATABASE_URL could not be read: \(error.localizedDescription)")
        }
        app.databases.use(.postgres(configuration: postgres, maxConnectionsPerEventLoop: 4, sqlLogLevel: .debug), as: .psql)
    }
    app.migrations.add(PortalMigrations.all(clock: configuration.clock))

    app.passwords.use(.bcrypt(cost: configuration.bcryptCost))
    app.decoyPasswordHash = try await app.password.async.hash(SecureToken.make())

    // Vapor's default error middleware answers in JSON; the portal's answers people with pages,
    // drawn like every other page (`PageMiddleware`, inside it, so a page that fails to draw is
    // answered with an error page).
    app.middleware = Middlewares()
    app.middleware.use(RequestLogMiddleware())
    app.middleware.use(SecurityHeadersMiddleware(strictTransport: configuration.publicBaseURL?.hasPrefix("https://") == true,
                                                    tileOrigin: configuration.map.tileOrigin))
    app.middleware.use(ErrorPageMiddleware())
    app.middleware.use(PageMiddleware())
    app.routes.defaultMaxBodySize = "64kb"
    app.referenceDataCache = ShortLivedCache { try await ReferenceData.load(on: $0) }
    app.placeIndexCache = ShortLivedCache(lifetime: 300) { try Places.Loaded(try await Places.load(on: $0)) }
    app.peopleDirectoryCache = ShortLivedCache { try await PeopleDirectory.load(on: $0) }
    app.serviceLevelCache = ShortLivedCache { try await ServiceLevelSettings.load(on: $0) }
    app.sessionCache = SessionCache(lifetime: configuration.sessionCacheSeconds)
    let handovers = HandoverRunner()
    app.handoverRunner = handovers
    app.lifecycle.use(handovers)
    registerRoutes(app)
    try registerAPI(app)
}

enum DataDirectory {
    /// Creates the folder if needed and proves it can be written, so a read-only or misspelt
    /// folder is reported at start-up rather than on the first save.
    static func prepare(_ path: String) throws(ConfigurationError) {
        let folder = path.isEmpty ? "." : path
        let manager = FileManager.default
        do {
            try manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let probe = (folder as NSString).appendingPathComponent(".write-check-\(UUID().uuidString)")
            guard manager.createFile(atPath: probe, contents: Data("ok".utf8)) else {
                throw ConfigurationError("the folder is not writable")
            }
            try manager.removeItem(atPath: probe)
        } catch {
            throw ConfigurationError("The data folder \(folder) cannot be written (\(error is ConfigurationError ? "\(error)" : error.localizedDescription)); set PORTAL_DATA_DIR to a folder the portal may write to")
        }
    }
}
