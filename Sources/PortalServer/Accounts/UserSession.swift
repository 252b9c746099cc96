import Fluent
import Foundation

/// A signed-in browser. The cookie holds a random token; the database holds only its SHA-256,
/// so a copy of the database cannot be used to sign in. Kept in the database so that every app
/// instance behind a load balancer recognises the same sign-in.
final class UserSession: Model, @unchecked Sendable {
    static let schema = "user_sessions"

    @ID(key: .id) var id: UUID?
    @Field(key: "token_hash") var tokenHash: String
    @Parent(key: "user_id") var user: User
    /// The token every form of this session must carry (see `CSRFMiddleware`).
    @Field(key: "csrf_token") var csrfToken: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "last_seen_at") var lastSeenAt: Date
    @Field(key: "expires_at") var expiresAt: Date

    init() {}
    init(tokenHash: String, userID: UUID, csrfToken: String, now: Date, expiresAt: Date) {
        self.tokenHash = tokenHash
        self.$user.id = userID
        self.csrfToken = csrfToken
        self.createdAt = now
        self.lastSeenAt = now
        self.expiresAt = expiresAt
    }
}

/// One failed sign-in, kept for the throttle's window and then deleted.
final class SignInFailure: Model, @unchecked Sendable {
    static let schema = "sign_in_failures"

    @ID(key: .id) var id: UUID?
    @Field(key: "email") var email: String
    @Field(key: "address") var address: String
    @Field(key: "at") var at: Date

    init() {}
    init(email: String, address: String, at: Date) {
        self.email = email
        self.address = address
        self.at = at
    }
}
