import Foundation

/// The SMTP server the portal sends email through, from the environment.
public struct MailSettings: Sendable, Equatable {
    public enum Security: String, Sendable {
        /// Plain SMTP, for a relay on the same host or network.
        case none
        /// Upgrade the connection with STARTTLS before anything else is sent.
        case starttls
        /// TLS from the first byte (usually port 465).
        case tls
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?
    public var from: String
    /// A PEM file of the certificate authorities to trust for the server's certificate, for a
    /// relay with a council's own certificate; without it, the system's trusted authorities.
    public var caFile: String?
    /// Attempts before a message is marked failed and shown to administrators.
    public var maxAttempts: Int

    public init(host: String, port: Int, security: Security = .none, username: String? = nil, password: String? = nil,
                from: String = "Member Portal <portal@localhost>", maxAttempts: Int = 8) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.from = from
        self.maxAttempts = maxAttempts
    }

    /// Reads `SMTP_HOST`, `SMTP_PORT`, `SMTP_SECURITY`, `SMTP_USERNAME`, `SMTP_PASSWORD`,
    /// `SMTP_FROM`, `SMTP_CA_FILE` and `PORTAL_MAIL_ATTEMPTS`; nil without `SMTP_HOST` (messages are then kept in
    /// the outbox for administrators to see).
    static func fromEnvironment(_ environment: [String: String]) throws(ConfigurationError) -> MailSettings? {
        guard let host = environment["SMTP_HOST"], !host.isEmpty else { return nil }
        let securityText = environment["SMTP_SECURITY"].flatMap { $0.isEmpty ? nil : $0.lowercased() } ?? "starttls"
        guard let security = Security(rawValue: securityText) else {
            throw ConfigurationError("SMTP_SECURITY must be none, starttls or tls (got \"\(securityText)\")")
        }
        let defaultPort = security == .tls ? 465 : security == .starttls ? 587 : 25
        let portText = environment["SMTP_PORT"].flatMap { $0.isEmpty ? nil : $0 } ?? String(defaultPort)
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw ConfigurationError("SMTP_PORT must be a port number (got \"\(portText)\")")
        }
        let attemptsText = environment["PORTAL_MAIL_ATTEMPTS"].flatMap { $0.isEmpty ? nil : $0 } ?? "8"
        guard let attempts = Int(attemptsText), (1...50).contains(attempts) else {
            throw ConfigurationError("PORTAL_MAIL_ATTEMPTS must be a whole number from 1 to 50 (got \"\(attemptsText)\")")
        }
        var settings = MailSettings(host: host, port: port, security: security, maxAttempts: attempts)
        settings.username = environment["SMTP_USERNAME"].flatMap { $0.isEmpty ? nil : $0 }
        settings.password = environment["SMTP_PASSWORD"]
        if let from = environment["SMTP_FROM"], !from.isEmpty { settings.from = from }
        if let caFile = environment["SMTP_CA_FILE"], !caFile.isEmpty {
            guard FileManager.default.isReadableFile(atPath: caFile) else {
                throw ConfigurationError("SMTP_CA_FILE names a file that cannot be read (\(caFile))")
            }
            settings.caFile = caFile
        }
        return settings
    }

    /// The bare address inside "Name <address>".
    var fromAddress: String {
        guard let open = from.lastIndex(of: "<"), let close = from.lastIndex(of: ">"), open < close else { return from }
        return String(from[from.index(after: open)..<close])
    }
}
