import Fluent
import Foundation
import Logging
import PortalCore
import SQLKit

/// What went wrong with an outside system that an administrator should know of: a bad answer, a
/// report that needs deciding. Each is written to the log as well, and listed on
/// `/admin/integrations`.
enum IntegrationProblems {
    enum System: String, Sendable {
        case highways
        case partners
    }

    static let logger = Logger(label: "portal.integrations")

    static func record(_ system: System, _ what: String, detail: String, at now: Date, on db: any Database) async throws {
        let what = String(TextRules.oneLine(what).prefix(300))
        let detail = String(TextRules.oneLine(detail).prefix(1_000))
        logger.warning("\(system.rawValue): \(what): \(detail)")
        try await db.sql.insert(into: "integration_problems").columns("id", "system", "what", "detail", "at")
            .values(SQLBind(UUID()), SQLBind(system.rawValue), SQLBind(what), SQLBind(detail), SQLBind(now)).run()
    }

    struct Row: Decodable, Sendable {
        let system: String
        let what: String
        let detail: String
        let at: Date
    }

    static func recent(_ system: System, limit: Int = 50, on db: any Database) async throws -> [Row] {
        try await db.sql.select().columns("system", "what", "detail", "at").from("integration_problems")
            .where("system", .equal, system.rawValue).orderBy("at", .descending).limit(limit).all(decoding: Row.self)
    }
}
