import Foundation

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
