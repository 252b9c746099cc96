import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

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
        let term_starts_on: String?
        let term_ends_on: String?
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
                   users.is_administrator, users.division_id, users.term_starts_on, users.term_ends_on,
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
            // A Member holds the role only within their term of office.
            .inOffice(TermOfOffice(starts: row.term_starts_on, ends: row.term_ends_on), on: CouncilTime.local(now).date)
        let signedIn = SignedIn(
            user: CurrentUser(id: row.user_id, name: row.name, email: row.email, roles: roles, divisionID: row.division_id),
            sessionID: row.session_id, csrfToken: row.csrf_token,
            coordinatedAreas: Set((row.areas ?? "").split(separator: ",").compactMap { UUID(uuidString: String($0)) }),
            fixedEnd: row.expires_at)
        request.signedIn = signedIn
        cache.keep(signedIn, for: tokenHash, lastSeenAt: lastSeenAt, expiresAt: row.expires_at, at: now, readFrom: generation)
    }
}
