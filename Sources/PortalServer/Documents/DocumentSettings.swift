import Foundation
import PortalCore

/// How documents are received: the size limit, the kinds allowed, and the virus scanner.
public struct DocumentSettings: Sendable {
    public enum Scanner: Sendable, Equatable {
        case unixSocket(String)
        case tcp(host: String, port: Int)
    }

    public var maxFileBytes: Int = 20 * 1024 * 1024
    /// At most this many files in one upload.
    public var maxFiles = 10
    public var allowed: Set<DocumentKind.Family> = Set(DocumentKind.Family.allCases)
    public var scanner: Scanner?
    /// When the scanner does not answer: false refuses the upload; true keeps the file marked
    /// "not scanned" and says so in the audit trail.
    public var keepUnscanned = false
    /// How long to wait for the scanner's verdict.
    public var scanTimeout: TimeInterval = 30

    public init() {}

    /// Reads `PORTAL_MAX_UPLOAD_MB`, `PORTAL_DOCUMENT_TYPES`, `CLAMD_SOCKET`, `CLAMD_HOST`,
    /// `CLAMD_PORT` and `PORTAL_KEEP_UNSCANNED`.
    static func fromEnvironment(_ environment: [String: String]) throws(ConfigurationError) -> DocumentSettings {
        var settings = DocumentSettings()
        if let text = environment["PORTAL_MAX_UPLOAD_MB"], !text.isEmpty {
            guard let megabytes = Int(text), (1...2048).contains(megabytes) else {
                throw ConfigurationError("PORTAL_MAX_UPLOAD_MB must be a whole number of megabytes from 1 to 2048 (got \"\(text)\")")
            }
            settings.maxFileBytes = megabytes * 1024 * 1024
        }
        if let text = environment["PORTAL_DOCUMENT_TYPES"], !text.isEmpty {
            var families = Set<DocumentKind.Family>()
            for name in text.split(separator: ",").map({ $0.trimmingWhitespace().lowercased() }) where !name.isEmpty {
                guard let family = DocumentKind.Family(rawValue: name) else {
                    throw ConfigurationError("PORTAL_DOCUMENT_TYPES lists \"\(name)\"; use any of image, pdf, office, text, separated by commas")
                }
                families.insert(family)
            }
            settings.allowed = families
        }
        if let socket = environment["CLAMD_SOCKET"], !socket.isEmpty {
            settings.scanner = .unixSocket(socket)
        } else if let host = environment["CLAMD_HOST"], !host.isEmpty {
            let portText = environment["CLAMD_PORT"].flatMap { $0.isEmpty ? nil : $0 } ?? "3310"
            guard let port = Int(portText), (1...65535).contains(port) else {
                throw ConfigurationError("CLAMD_PORT must be a port number (got \"\(portText)\")")
            }
            settings.scanner = .tcp(host: host, port: port)
        }
        settings.keepUnscanned = try PortalConfiguration.parseBool(environment["PORTAL_KEEP_UNSCANNED"], name: "PORTAL_KEEP_UNSCANNED") ?? false
        return settings
    }

    var maxFileText: String { DocumentSettings.size(maxFileBytes) }

    /// "20 MB", "340 KB", "12 bytes".
    static func size(_ bytes: Int) -> String {
        if bytes >= 1024 * 1024 { return String(format: bytes % (1024 * 1024) == 0 ? "%.0f MB" : "%.1f MB", Double(bytes) / 1_048_576) }
        if bytes >= 1024 { return String(format: "%.0f KB", (Double(bytes) / 1024).rounded(.up)) }
        return bytes == 1 ? "1 byte" : "\(bytes) bytes"
    }
}
