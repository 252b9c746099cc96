import Foundation
import PortalCore
import SQLKit
import Vapor

/// The session's time limit, told to the page before it ends (WCAG 2.2.1): how long is left, and
/// a way to stay signed in. Each page of a signed-in person carries a warning dialog that the
/// page's script opens `SessionLifetime.warning` before the end; the status it asks for is read
/// straight from the database, so asking does not itself keep the session alive, and a session
/// extended in another tab is seen.
enum SessionRoutes {
    struct Status: Content, Equatable {
        var signedIn: Bool
        /// Seconds until the session ends, idle or not.
        var secondsLeft: Int
        /// False when the end is the fixed limit after sign-in, which nothing extends.
        var canExtend: Bool
    }

    /// `GET /session`: registered without the session loader, so it never counts as activity.
    @Sendable static func status(_ request: Request) async throws -> Response {
        let status = try await read(request)
        let response = try await status.encodeResponse(for: request)
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    /// `POST /session/extend`: the person is here; the idle clock starts again.
    @Sendable static func extend(_ request: Request) async throws -> Response {
        guard let signedIn = request.signedIn else { throw Abort(.unauthorized) }
        try await request.db.sql.update("user_sessions").set("last_seen_at", to: request.now)
            .where("id", .equal, signedIn.sessionID).run()
        request.application.sessionCache.changed(signedIn.user.id)
        if request.headers.accept.contains(where: { $0.mediaType == .json }) {
            return try await read(request).encodeResponse(for: request)
        }
        let next = (try? request.content.get(String.self, at: "next")).flatMap { LocalPath.isSafe($0) ? $0 : nil } ?? "/"
        return request.seeOther(next, flash: "You are still signed in.")
    }

    private static func read(_ request: Request) async throws -> Status {
        let signedOut = Status(signedIn: false, secondsLeft: 0, canExtend: false)
        guard let token = request.cookies[SessionLifetime.cookieName]?.string, !token.isEmpty, token.utf8.count <= 100 else {
            return signedOut
        }
        let now = request.now
        guard let row = try await request.db.sql.raw("""
            SELECT user_sessions.last_seen_at, user_sessions.expires_at FROM user_sessions
            JOIN users ON users.id = user_sessions.user_id
            WHERE user_sessions.token_hash = \(bind: SecureToken.hash(token)) AND users.is_active = \(bind: true)
            """).first()
        else { return signedOut }
        let lastSeen = try row.decode(column: "last_seen_at", as: Date.self)
        let fixedEnd = try row.decode(column: "expires_at", as: Date.self)
        let idleEnd = lastSeen.addingTimeInterval(SessionLifetime.idle)
        let end = min(idleEnd, fixedEnd)
        guard end > now else { return signedOut }
        return Status(signedIn: true, secondsLeft: Int(end.timeIntervalSince(now).rounded(.down)), canExtend: idleEnd < fixedEnd)
    }
}
