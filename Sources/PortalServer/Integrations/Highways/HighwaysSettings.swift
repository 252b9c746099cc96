import Fluent
import Foundation
import PortalCore
import SQLKit

/// How the portal reaches the council's highways system, as the administrator set it on
/// `/admin/integrations`. Until it is saved once, the integration is off.
struct HighwaysSettings: Sendable, Equatable {
    var enabled: Bool
    /// The Open311 endpoint: `https://highways.example.gov.uk/open311/v2`.
    var endpoint: String
    /// Sent with every POST and with the update extension's GET; never shown back in full.
    var apiKey: String
    var jurisdiction: String?
    var format: Open311Format
    /// How often updates are read.
    var pollMinutes: Int
    /// How long one call may take before its outcome counts as unknown.
    var timeoutSeconds: Int
    /// The system has mySociety's update extension (`GET servicerequestupdates`).
    var updatesExtension: Bool
    /// The most requests the system lists in one answer, when known; otherwise a list is taken
    /// as possibly cut short when it is long and round (`HighwaysSender.mayBeCut`).
    var listPageSize: Int?
    var version: Int

    static let off = HighwaysSettings(enabled: false, endpoint: "", apiKey: "", jurisdiction: nil, format: .xml, pollMinutes: 5,
                                      timeoutSeconds: 30, updatesExtension: true, listPageSize: nil, version: 0)

    static let pollMinutesRange = 1...1_440
    static let timeoutRange = 1...300
    static let listPageSizeRange = 1...100_000

    static func load(on db: any Database) async throws -> HighwaysSettings {
        guard let row = try await db.sql.select()
            .columns("enabled", "endpoint", "api_key", "jurisdiction", "format", "poll_minutes", "timeout_seconds", "updates_extension", "list_page_size", "version")
            .from("highways_settings").where("id", .equal, 1).first(decoding: Row.self)
        else { return .off }
        return HighwaysSettings(enabled: row.enabled, endpoint: row.endpoint, apiKey: row.api_key, jurisdiction: row.jurisdiction,
                                format: Open311Format(rawValue: row.format) ?? .xml, pollMinutes: row.poll_minutes,
                                timeoutSeconds: row.timeout_seconds, updatesExtension: row.updates_extension,
                                listPageSize: row.list_page_size.flatMap { listPageSizeRange.contains($0) ? $0 : nil }, version: row.version)
    }

    private struct Row: Decodable {
        let enabled: Bool
        let endpoint: String
        let api_key: String
        let jurisdiction: String?
        let format: String
        let poll_minutes: Int
        let timeout_seconds: Int
        let updates_extension: Bool
        let list_page_size: Int?
        let version: Int
    }

    /// Saves these settings if nobody saved others since `version` was read; false when someone did.
    func save(expecting version: Int, at now: Date, on db: any Database) async throws -> Bool {
        let values: [(String, any SQLExpression)] = [
            ("enabled", SQLBind(enabled)), ("endpoint", SQLBind(endpoint)), ("api_key", SQLBind(apiKey)),
            ("jurisdiction", SQLBind(jurisdiction)), ("format", SQLBind(format.rawValue)), ("poll_minutes", SQLBind(pollMinutes)),
            ("timeout_seconds", SQLBind(timeoutSeconds)), ("updates_extension", SQLBind(updatesExtension)),
            ("list_page_size", SQLBind(listPageSize)),
            ("version", SQLBind(version + 1)), ("updated_at", SQLBind(now)),
        ]
        if version == 0 {
            let inserted = try await db.sql.raw("""
                INSERT INTO highways_settings (id, \(unsafeRaw: values.map(\.0).joined(separator: ", ")))
                VALUES (1, \(SQLList(values.map(\.1))))
                ON CONFLICT (id) DO NOTHING RETURNING id
                """).all()
            return !inserted.isEmpty
        }
        var update = db.sql.update("highways_settings")
        for (column, value) in values { update = update.set(SQLColumn(column), to: value) }
        return !(try await update.where("id", .equal, 1).where("version", .equal, version).returning("id").all()).isEmpty
    }

    /// How long a sender holds a report it is sending: past the call's timeout, with room to
    /// write down the answer, so that no other sender takes it while a call is out.
    var claimFor: TimeInterval { TimeInterval(timeoutSeconds) * 2 + 10 }

    /// The key as the settings page shows it: enough to tell keys apart, not enough to use.
    var maskedKey: String {
        apiKey.isEmpty ? "" : String(repeating: "•", count: 8) + apiKey.suffix(min(4, apiKey.count / 3))
    }
}
