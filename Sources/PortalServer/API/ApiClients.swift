import Crypto
import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// What an API client may do.
enum ApiScope: String, CaseIterable, Sendable {
    case enquiriesRead = "enquiries:read"
    case enquiriesWrite = "enquiries:write"
    case channelCreate = "channel:create"
    case reportsRead = "reports:read"

    var label: String {
        switch self {
        case .enquiriesRead: "Read enquiries and their conversations"
        case .enquiriesWrite: "Act on enquiries (updates, notes, questions, the lifecycle)"
        case .channelCreate: "Create enquiries (an inbound channel)"
        case .reportsRead: "Read the management reports and the search export"
        }
    }

    static func parse(list text: String) -> [ApiScope] {
        text.split(separator: " ").compactMap { ApiScope(rawValue: String($0)) }
    }
}

/// The JSON API's clients. Each has a token made of its id and a random secret; the portal keeps
/// only the secret's SHA-256 digest (a random 256-bit secret needs no slow hash: nothing can be
/// guessed from its digest), so the token is shown once, when the client is made. Each client
/// acts as an account of its own (inactive, so nobody signs in as it), so everything it writes is
/// in the conversation and the audit trail under its name. A client may act for one Member (it
/// holds that Member's enquiries as they do, while they hold office) or for one service area (as
/// a co-ordinator of it); otherwise it is a co-ordinator of every service area.
enum ApiClients {
    static let tokenPrefix = "mpk_"
    static let nameLimit = 100
    static let defaultPerMinute = 600
    static let perMinuteRange = 1...100_000

    struct Client: Sendable, Decodable {
        let id: UUID
        let name: String
        let user_id: UUID
        let scopes: String
        let member_id: UUID?
        let service_area_id: UUID?
        let per_minute: Int

        var scopeSet: Set<ApiScope> { Set(ApiScope.parse(list: scopes)) }
    }

    /// A token's two parts, or nil when the text is not one (checked before any database read).
    static func parse(token text: Substring) -> (id: UUID, secret: String)? {
        guard text.count <= 120, text.hasPrefix(tokenPrefix) else { return nil }
        let parts = text.dropFirst(tokenPrefix.count).split(separator: "_", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 32, parts[1].count == 43,
              parts[1].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }),
              let id = UUID(uuidString: hyphenated(parts[0]))
        else { return nil }
        return (id, String(parts[1]))
    }

    private static func hyphenated(_ hex: Substring) -> String {
        let h = Array(hex)
        guard h.count == 32 else { return "" }
        return [h[0..<8], h[8..<12], h[12..<16], h[16..<20], h[20..<32]].map { String($0) }.joined(separator: "-")
    }

    static func digest(_ secret: String) -> String { SHA256.hash(data: Data(secret.utf8)).hex }

    static func token(id: UUID, secret: String) -> String {
        tokenPrefix + id.uuidString.lowercased().replacingOccurrences(of: "-", with: "") + "_" + secret
    }

    /// 32 random bytes, base64url without padding: 43 characters.
    static func newSecret() -> String {
        Data((0..<32).map { _ in UInt8.random(in: .min ... .max) }).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    struct Valid: Sendable {
        var name: String
        var scopes: [ApiScope]
        var memberID: UUID?
        var serviceAreaID: UUID?
        var perMinute: Int
    }

    /// Makes the client and its account; returns its id and its token, which is never shown again.
    static func create(_ valid: Valid, by actorID: UUID?, at now: Date, on db: any Database) async throws -> (id: UUID, token: String) {
        let id = UUID()
        let secret = newSecret()
        try await db.transaction { db in
            guard case .success(let address) = EmailAddress.parse("api-\(id.uuidString.lowercased())@system.invalid") else {
                throw Abort(.internalServerError, reason: "An API client's address is not valid")
            }
            // A hash of a random password nobody holds; the account is inactive besides.
            let account = User(name: "\(valid.name) (API)", email: address, passwordHash: try Bcrypt.hash(newSecret(), cost: 4), roles: RoleSet([]),
                               isActive: false, at: now)
            try await account.create(on: db)
            try await db.sql.insert(into: "api_clients")
                .columns("id", "name", "user_id", "scopes", "member_id", "service_area_id", "secret_digest", "per_minute", "created_at", "created_by_id")
                .values(SQLBind(id), SQLBind(valid.name), SQLBind(try account.requireID()), SQLBind(valid.scopes.map(\.rawValue).joined(separator: " ")),
                        SQLBind(valid.memberID), SQLBind(valid.serviceAreaID), SQLBind(digest(secret)), SQLBind(valid.perMinute), SQLBind(now), SQLBind(actorID))
                .run()
            try await AuditTrail.record(action: "api_client_created", enquiryID: nil, actorID: actorID, changes: [
                FieldChange(field: "API client", before: "", after: valid.name),
                FieldChange(field: "Scopes", before: "", after: valid.scopes.map(\.rawValue).joined(separator: " ")),
                FieldChange(field: "Calls a minute", before: "", after: String(valid.perMinute)),
            ] + (valid.memberID.map { [FieldChange(field: "Acts for Member", before: "", after: $0.uuidString)] } ?? [])
              + (valid.serviceAreaID.map { [FieldChange(field: "Acts for service area", before: "", after: $0.uuidString)] } ?? []),
                                        at: now, on: db)
        }
        return (id, token(id: id, secret: secret))
    }

    /// Revokes the client at once: its next call is refused. Revoking twice changes nothing.
    @discardableResult
    static func revoke(_ id: UUID, by actorID: UUID?, at now: Date, on db: any Database) async throws -> Bool {
        try await db.transaction { db in
            let revoked = try await db.sql.update("api_clients").set("revoked_at", to: now).where("id", .equal, id).where("revoked_at", .is, SQLLiteral.null)
                .returning("name").all()
            guard let name = try revoked.first?.decode(column: "name", as: String.self) else { return false }
            try await AuditTrail.record(action: "api_client_revoked", enquiryID: nil, actorID: actorID,
                                        changes: [FieldChange(field: "API client", before: name, after: "")], at: now, on: db)
            return true
        }
    }

    enum Authentication: Sendable {
        case allowed(Client)
        /// Past its calls for this minute: try again after this many seconds.
        case overLimit(Client, retryAfter: Int)
        case refused(String)
    }

    /// Checks a call's `Authorization` header and counts the call against the client's minute, in
    /// one statement, so several instances share one count. The cheap checks (the header's form,
    /// the token's form) come first.
    static func authenticate(_ header: String?, at now: Date, on db: any Database) async throws -> Authentication {
        guard let header, !header.isEmpty else { return .refused("Send the client's token in an Authorization header: Bearer followed by the token.") }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", let token = parse(token: parts[1]) else {
            return .refused("The Authorization header does not hold an API token. Send: Bearer followed by the token.")
        }
        let minute = Int64((now.timeIntervalSince1970 / 60).rounded(.down))
        let row = try await db.sql.raw("""
            UPDATE api_clients SET window_calls = CASE WHEN window_minute = \(bind: minute) THEN window_calls + 1 ELSE 1 END,
                   window_minute = \(bind: minute), last_used_at = \(bind: now)
            WHERE id = \(bind: token.id) AND secret_digest = \(bind: digest(token.secret)) AND revoked_at IS NULL
            RETURNING id, name, user_id, scopes, member_id, service_area_id, per_minute, window_calls
            """).first()
        guard let row else { return .refused("The token is not valid, or its client has been revoked.") }
        let client = try row.decode(model: Client.self, keyDecodingStrategy: .useDefaultKeys)
        let calls = try row.decode(column: "window_calls", as: Int.self)
        if calls > client.per_minute {
            let seconds = Int(now.timeIntervalSince1970.rounded(.down)) % 60
            return .overLimit(client, retryAfter: max(1, 60 - seconds))
        }
        return .allowed(client)
    }

    /// The client as an actor on enquiries.
    static func actor(for client: Client, at now: Date, on db: any Database) async throws -> EnquiryActor {
        let name = "\(client.name) (API)"
        if let memberID = client.member_id {
            // The Member's enquiries while they hold office; nothing once they leave it.
            let member = try await User.find(memberID, on: db)
            let inOffice = member.map { $0.isActive && $0.roles(on: CouncilTime.local(now).date).contains(.member) } ?? false
            let user = CurrentUser(id: client.user_id, name: name, email: "", roles: RoleSet(inOffice ? [.member] : []), divisionID: nil)
            return EnquiryActor(user: user, coordinatedAreas: [], actsForMember: memberID)
        }
        let areas: Set<UUID>
        if let area = client.service_area_id {
            areas = [area]
        } else {
            areas = Set(try await db.sql.select().column("id").from(ServiceArea.schema).all().map { try $0.decode(column: "id", as: UUID.self) })
        }
        let user = CurrentUser(id: client.user_id, name: name, email: "", roles: RoleSet([.coordinator]), divisionID: nil)
        return EnquiryActor(user: user, coordinatedAreas: areas)
    }

    struct Listed: Sendable, Decodable {
        let id: UUID
        let name: String
        let scopes: String
        let member_name: String?
        let area_name: String?
        let per_minute: Int
        let created_at: Date
        let last_used_at: Date?
        let revoked_at: Date?
    }

    static func list(on db: any Database) async throws -> [Listed] {
        try await db.sql.raw("""
            SELECT c.id, c.name, c.scopes, m.name AS member_name, a.name AS area_name, c.per_minute, c.created_at, c.last_used_at, c.revoked_at
            FROM api_clients c LEFT JOIN users m ON m.id = c.member_id LEFT JOIN service_areas a ON a.id = c.service_area_id
            ORDER BY c.revoked_at IS NOT NULL, c.name
            """).all(decoding: Listed.self)
    }
}
