import Foundation
import PortalCore
import Vapor

/// Everything the portal reads from its environment, checked once at start-up so that a
/// mistake is one clear sentence rather than a failure on the first request.
public struct PortalConfiguration: Sendable {
    public enum DatabaseChoice: Sendable, Equatable {
        /// The embedded database: one file in the data folder.
        case sqlite(path: String)
        case postgres(url: String)
    }

    public var database: DatabaseChoice
    public var dataDirectory: String
    /// The address people use to reach the portal, for links in emails and for the CSRF origin check.
    public var publicBaseURL: String?
    /// Send cookies only over HTTPS. On by default; off only for local use over plain HTTP.
    public var secureCookies: Bool
    public var councilName: String
    public var bcryptCost: Int
    public var demoMode: Bool
    /// Addresses of load balancers whose `X-Forwarded-For` is believed, so the sign-in throttle
    /// counts people, not the balancer.
    public var trustedProxies: Set<String> = []
    /// Documents: size limit, allowed kinds, virus scanner.
    public var documents = DocumentSettings()
    /// The largest boundary, asset or address file the administrator may upload.
    public var geographyUploads = GeographyUploadLimits()
    /// The SMTP server; nil keeps email in the outbox, shown to administrators.
    public var mail: MailSettings?
    /// Leaflet's files and the council's tile server, for maps in the browser.
    public var map = MapSettings()
    /// How long a session read from the database is kept in memory (`SessionCache`); 0 never.
    public var sessionCacheSeconds: TimeInterval = PortalConfiguration.defaultSessionCacheSeconds
    public static let defaultSessionCacheSeconds: TimeInterval = 10
    /// Where every part of the portal reads the time: the machine's clock, except in tests.
    public var clock: PortalClock = .system
    /// Lets webhooks go to private, loopback and link-local addresses (`NetworkAddress`), which
    /// are refused otherwise: for the demo, tests, and a council whose receiving system is on its
    /// own network.
    public var webhooksAllowPrivate = false

    public init(
        database: DatabaseChoice, dataDirectory: String, publicBaseURL: String? = nil,
        secureCookies: Bool, councilName: String, bcryptCost: Int = 12, demoMode: Bool = false
    ) {
        self.database = database
        self.dataDirectory = dataDirectory
        self.publicBaseURL = publicBaseURL
        self.secureCookies = secureCookies
        self.councilName = councilName
        self.bcryptCost = bcryptCost
        self.demoMode = demoMode
    }

    public static let demoCouncilName = "Brackenshire County Council"

    /// Reads `DATABASE_URL`, `PORTAL_DATA_DIR`, `PORTAL_BASE_URL`, `PORTAL_SECURE_COOKIES`,
    /// `PORTAL_COUNCIL_NAME` and the rest below. In demo mode the council is the demo council,
    /// cookies default to non-secure, because the demo is served over plain HTTP on the loopback
    /// address, and webhooks may go to private addresses, where a demo's receiver would be.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment, demoMode: Bool
    ) throws(ConfigurationError) -> PortalConfiguration {
        let dataDirectory = environment["PORTAL_DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "./data"
        let database: DatabaseChoice
        if let url = environment["DATABASE_URL"], !url.isEmpty {
            database = try parseDatabaseURL(url)
        } else {
            database = .sqlite(path: (dataDirectory as NSString).appendingPathComponent("portal.sqlite"))
        }
        let secure = try parseBool(environment["PORTAL_SECURE_COOKIES"], name: "PORTAL_SECURE_COOKIES") ?? !demoMode
        var baseURL = environment["PORTAL_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        if let given = baseURL {
            guard let url = URL(string: given), let scheme = url.scheme, ["http", "https"].contains(scheme),
                  url.host != nil
            else {
                throw ConfigurationError("PORTAL_BASE_URL must be an http:// or https:// address, like https://portal.example.gov.uk (got \"\(given)\")")
            }
            while baseURL?.hasSuffix("/") == true { baseURL?.removeLast() }
        }
        let councilName = demoMode
            ? demoCouncilName
            : (environment["PORTAL_COUNCIL_NAME"].flatMap { $0.isEmpty ? nil : $0 } ?? "County Council")
        var configuration = PortalConfiguration(
            database: database, dataDirectory: dataDirectory, publicBaseURL: baseURL,
            secureCookies: secure, councilName: councilName, demoMode: demoMode)
        configuration.documents = try DocumentSettings.fromEnvironment(environment)
        configuration.mail = try MailSettings.fromEnvironment(environment)
        configuration.map = try MapSettings.fromEnvironment(environment)
        if let text = environment["PORTAL_SESSION_CACHE_SECONDS"], !text.isEmpty {
            guard let seconds = Int(text), (0...300).contains(seconds) else {
                throw ConfigurationError("PORTAL_SESSION_CACHE_SECONDS must be a whole number of seconds from 0 to 300 (got \"\(text)\")")
            }
            configuration.sessionCacheSeconds = TimeInterval(seconds)
        }
        configuration.webhooksAllowPrivate = try parseBool(environment["PORTAL_WEBHOOKS_ALLOW_PRIVATE"], name: "PORTAL_WEBHOOKS_ALLOW_PRIVATE") ?? demoMode
        configuration.trustedProxies = Set((environment["PORTAL_TRUSTED_PROXIES"] ?? "")
            .split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty })
        return configuration
    }

    static func parseDatabaseURL(_ url: String) throws(ConfigurationError) -> DatabaseChoice {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased() else {
            throw ConfigurationError("DATABASE_URL is not a valid address; expected postgres://user:password@host:5432/database")
        }
        guard ["postgres", "postgresql"].contains(scheme) else {
            throw ConfigurationError("DATABASE_URL must start with postgres:// (got \"\(scheme)://\"); leave it unset to use the embedded database")
        }
        guard let host = parsed.host, !host.isEmpty else {
            throw ConfigurationError("DATABASE_URL has no host name; expected postgres://user:password@host:5432/database")
        }
        guard parsed.path.count > 1 else {
            throw ConfigurationError("DATABASE_URL names no database; expected postgres://user:password@host:5432/database")
        }
        return .postgres(url: url)
    }

    static func parseBool(_ value: String?, name: String) throws(ConfigurationError) -> Bool? {
        guard let value, !value.isEmpty else { return nil }
        switch value.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigurationError("\(name) must be true or false (got \"\(value)\")")
        }
    }

    /// The database in words for logs, without the password.
    public var databaseDescription: String {
        switch database {
        case .sqlite(let path): "SQLite at \(path)"
        case .postgres(let url): "PostgreSQL at \(URL(string: url)?.host ?? "?")\(URL(string: url)?.path ?? "")"
        }
    }
}

/// A configuration or start-up problem, reported as one line on stderr.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
