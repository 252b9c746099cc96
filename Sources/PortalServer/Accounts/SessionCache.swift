import Foundation
import NIOConcurrencyHelpers
import Vapor

/// The sessions this application has read lately, so a person moving from page to page is not
/// looked up in the database on every request (the Member dashboard serves a third more requests a
/// second for it on the demo).
///
/// An entry is used only while all of these hold, and otherwise the session is read again:
/// - it was read less than `lifetime` ago;
/// - nothing about its person has changed since, as far as this application knows: their roles,
///   areas or account, or their sessions ending (`changed(_:)` is called by every code path that
///   changes those);
/// - the session has been seen within `SessionLifetime.touchInterval`, so the reading that keeps
///   `last_seen_at` up to date still happens, and the session has not reached its end.
///
/// A change is announced as it is written, inside its transaction: a read that begins in the
/// moment before the transaction commits may keep what the change replaces, for at most
/// `lifetime`. Another instance serving the same PostgreSQL database learns of such changes when
/// its entry's lifetime runs out: a person signed out or deactivated there stays signed in here
/// for at most `lifetime` (`PORTAL_SESSION_CACHE_SECONDS`; 0 turns the cache off).
///
/// Each application has its own (`Application.sessionCache`, made by `configure`): session tokens
/// belong to one database, and two applications in one process (the tests run dozens) must
/// neither see each other's sessions nor change each other's lifetime.
final class SessionCache: Sendable {
    struct Entry: Sendable {
        let signedIn: SignedIn
        let lastSeenAt: Date
        let expiresAt: Date
        let readAt: Date
        let generation: UInt64
    }

    private struct State {
        var entries: [String: Entry] = [:]
        /// Bumped for a person whenever something a session carries changes for them.
        var generations: [UUID: UInt64] = [:]
        var nextGeneration: UInt64 = 1
    }

    let lifetime: TimeInterval
    /// Past this many entries, the cache is emptied rather than grow without bound.
    let capacity: Int
    private let state: NIOLockedValueBox<State>

    init(lifetime: TimeInterval, capacity: Int = 50_000) {
        self.lifetime = lifetime
        self.state = NIOLockedValueBox(State())
        self.capacity = capacity
    }

    /// The session for this token's hash, if it was read lately and is still good at `now`.
    func session(for tokenHash: String, at now: Date) -> SignedIn? {
        state.withLockedValue { state in
            guard lifetime > 0, let entry = state.entries[tokenHash] else { return nil }
            let current = state.generations[entry.signedIn.user.id, default: 0]
            guard entry.generation >= current, now.timeIntervalSince(entry.readAt) < lifetime, now < entry.expiresAt,
                  now.timeIntervalSince(entry.lastSeenAt) <= SessionLifetime.touchInterval else {
                state.entries[tokenHash] = nil
                return nil
            }
            return entry.signedIn
        }
    }

    /// Keeps a session just read from the database. `readFrom` is the generation taken before the
    /// read began, so a change made while it ran is not hidden by what it read.
    func keep(_ signedIn: SignedIn, for tokenHash: String, lastSeenAt: Date, expiresAt: Date, at now: Date, readFrom generation: UInt64) {
        state.withLockedValue { state in
            guard lifetime > 0, generation >= state.generations[signedIn.user.id, default: 0] else { return }
            if state.entries.count >= capacity { state.entries.removeAll(keepingCapacity: true) }
            state.entries[tokenHash] = Entry(signedIn: signedIn, lastSeenAt: lastSeenAt, expiresAt: expiresAt, readAt: now,
                                             generation: generation)
        }
    }

    /// The generation a read starting now belongs to.
    func generation() -> UInt64 {
        state.withLockedValue { $0.nextGeneration }
    }

    /// Something a session carries has changed for these people: their sessions are read again.
    func changed(_ users: some Sequence<UUID>) {
        state.withLockedValue { state in
            let generation = state.nextGeneration
            state.nextGeneration += 1
            for user in users { state.generations[user] = generation + 1 }
            // A person's generation only matters while entries for them may exist; past the
            // capacity, forget both together.
            if state.generations.count > capacity {
                state.generations.removeAll(keepingCapacity: true)
                state.entries.removeAll(keepingCapacity: true)
            }
        }
    }

    func changed(_ user: UUID) { changed([user]) }
}

private struct SessionCacheKey: StorageKey { typealias Value = SessionCache }

extension Application {
    /// Set once by `configure`, before any request runs.
    var sessionCache: SessionCache {
        get { installed(SessionCacheKey.self) }
        set { storage[SessionCacheKey.self] = newValue }
    }
}
