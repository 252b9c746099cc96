import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// The person behind a request, as every page needs them: loaded once per request by
/// `SessionLoader` with a single joined query.
struct CurrentUser: Sendable {
    let id: UUID
    let name: String
    let email: String
    let roles: RoleSet
    let divisionID: UUID?

    init(id: UUID, name: String, email: String, roles: RoleSet, divisionID: UUID?) {
        self.id = id
        self.name = name
        self.email = email
        self.roles = roles
        self.divisionID = divisionID
    }

    init(_ user: User) throws {
        self.id = try user.requireID()
        self.name = user.name
        self.email = user.email
        self.roles = user.roles
        self.divisionID = user.$division.id
    }
}

struct SignedIn: Sendable {
    var user: CurrentUser
    let sessionID: UUID
    let csrfToken: String
    /// The service areas the person co-ordinates, read with the session.
    var coordinatedAreas: Set<UUID> = []
    /// When the session ends whatever the person does (`SessionLifetime.absolute` after sign-in).
    var fixedEnd: Date = .distantFuture
}

private struct SignedInKey: StorageKey { typealias Value = SignedIn }

extension Request {
    var signedIn: SignedIn? {
        get { storage[SignedInKey.self] }
        set { storage[SignedInKey.self] = newValue }
    }

    var currentUser: CurrentUser? { signedIn?.user }

    func requireUser() throws -> CurrentUser {
        guard let user = currentUser else { throw Abort(.unauthorized) }
        return user
    }
}

/// How long a sign-in lasts. Council PCs are shared and phones get lost, so a session ends after
/// two idle hours and, whatever happens, twelve hours after sign-in.
enum SessionLifetime {
    static let idle: TimeInterval = 2 * 60 * 60
    static let absolute: TimeInterval = 12 * 60 * 60
    /// `last_seen_at` is written at most this often, so reading pages does not write to the database.
    static let touchInterval: TimeInterval = 5 * 60
    /// How long before the end the page warns and offers to keep the session (`SessionRoutes`).
    static let warning: TimeInterval = 5 * 60
    static let cookieName = "portal_session"
}

enum SecureToken {
    /// 32 random bytes, URL-safe base64.
    static func make() -> String {
        let bytes = [UInt8].random(count: 32)
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).hex
    }

    /// Compares without leaking, through timing, how much of a guess was right.
    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }
}

/// Finds the session named by the cookie and the user it belongs to.
struct SessionLoader: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let token = request.cookies[SessionLifetime.cookieName]?.string, !token.isEmpty {
            try await load(token: token, for: request)
        }
        return try await next.respond(to: request)
    }

    /// The columns a request needs, read in one query and decoded without Fluent's models (this
    /// runs on every signed-in request): the session, its user and the service areas they
    /// co-ordinate. Nothing that notifications change is read with it (see `PageMiddleware`).
    private struct Row: Decodable {
        let session_id: UUID
        let csrf_token: String
        let last_seen_at: Date
        let expires_at: Date
        let user_id: UUID
        let name: String
        let email: String
        let is_member: Bool
        let is_coordinator: Bool
        let is_responder: Bool
        let is_administrator: Bool
        let division_id: UUID?
        /// Comma-separated service area IDs; nil for someone who co-ordinates none.
        let areas: String?
    }

    private func load(token: String, for request: Request) async throws {
        let now = request.now
        let tokenHash = SecureToken.hash(token)
        let cache = request.application.sessionCache
        if let signedIn = cache.session(for: tokenHash, at: now) {
            request.signedIn = signedIn
            return
        }
        let generation = cache.generation()
        let sql = request.db.sql
        let areaList = sql.isPostgres ? "string_agg(service_area_id::text, ',')" : "group_concat(service_area_id)"
        // Written out rather than built, so no time goes on assembling the same statement each request.
        let query: SQLQueryString = """
            SELECT user_sessions.id AS session_id, user_sessions.csrf_token, user_sessions.last_seen_at, user_sessions.expires_at,
                   users.id AS user_id, users.name, users.email, users.is_member, users.is_coordinator, users.is_responder,
                   users.is_administrator, users.division_id,
                   (SELECT \(unsafeRaw: areaList) FROM coordinator_areas WHERE coordinator_areas.user_id = users.id) AS areas
            FROM user_sessions JOIN users ON user_sessions.user_id = users.id
            WHERE user_sessions.token_hash = \(bind: tokenHash) AND user_sessions.expires_at > \(bind: now)
              AND users.is_active = \(bind: true)
            """
        guard let row = try await sql.raw(query).first(decoding: Row.self) else { return }
        if row.last_seen_at.addingTimeInterval(SessionLifetime.idle) < now {
            try await sql.delete(from: "user_sessions").where("id", .equal, row.session_id).run()
            return
        }
        var lastSeenAt = row.last_seen_at
        if now.timeIntervalSince(row.last_seen_at) > SessionLifetime.touchInterval {
            try await sql.update("user_sessions").set("last_seen_at", to: now).where("id", .equal, row.session_id).run()
            lastSeenAt = now
        }
        let roles = RoleSet([row.is_member ? Role.member : nil, row.is_coordinator ? .coordinator : nil,
                             row.is_responder ? .responder : nil, row.is_administrator ? .administrator : nil].compactMap { $0 })
        let signedIn = SignedIn(
            user: CurrentUser(id: row.user_id, name: row.name, email: row.email, roles: roles, divisionID: row.division_id),
            sessionID: row.session_id, csrfToken: row.csrf_token,
            coordinatedAreas: Set((row.areas ?? "").split(separator: ",").compactMap { UUID(uuidString: String($0)) }),
            fixedEnd: row.expires_at)
        request.signedIn = signedIn
        cache.keep(signedIn, for: tokenHash, lastSeenAt: lastSeenAt, expiresAt: row.expires_at, at: now, readFrom: generation)
    }
}

enum SessionStore {
    /// Starts a new session with a new token, so a token planted before sign-in is worthless.
    static func start(for user: User, on request: Request, response: Response) async throws {
        let token = SecureToken.make()
        let now = request.now
        let session = UserSession(
            tokenHash: SecureToken.hash(token), userID: try user.requireID(), csrfToken: SecureToken.make(),
            now: now, expiresAt: now.addingTimeInterval(SessionLifetime.absolute))
        try await session.create(on: request.db)
        // Sessions nobody came back to are pruned here, at the moment a new one is made.
        try await UserSession.query(on: request.db).filter(\.$expiresAt < now).delete()
        response.cookies[SessionLifetime.cookieName] = request.application.portal.cookie(token)
    }

    static func end(on request: Request, response: Response) async throws {
        if let signedIn = request.signedIn {
            try await UserSession.query(on: request.db).filter(\.$id == signedIn.sessionID).delete()
            request.application.sessionCache.changed(signedIn.user.id)
        }
        response.cookies[SessionLifetime.cookieName] = request.application.portal.cookie("", expired: true)
    }

    /// Signs a person out everywhere, as when an administrator deactivates them.
    static func endAll(for userID: UUID, on database: any Database, sessions: SessionCache) async throws {
        try await UserSession.query(on: database).filter(\.$user.$id == userID).delete()
        sessions.changed(userID)
    }
}
