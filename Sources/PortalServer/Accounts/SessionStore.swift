import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

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
