import Fluent
import Foundation
import SQLKit

/// Messages waiting in a table to go outside the portal (the mail outbox, partners' webhooks),
/// with one way to find what is due, claim it, and record how the try went. A row is written in
/// the transaction of the change that causes it; a background sender then claims it with a
/// conditional update (only one of two senders' updates takes, on SQLite and PostgreSQL alike),
/// sends it outside any transaction, and records success, or a failure to retry after a back-off
/// (30 seconds, doubling, at most an hour unless a queue says otherwise) until the last attempt
/// marks it failed for an administrator to retry.
///
/// The table has `id`, `state` ("pending", then "sent" or "failed"), `attempts`,
/// `next_attempt_at`, `claimed_until`, `last_error` and `sent_at`.
struct OutgoingQueue: Sendable {
    let table: String
    /// How long a claim holds: a sender that stops mid-way lets the row go after this.
    var lease: TimeInterval = 120
    /// The wait after the first failure, doubling after each one, up to `longestWait`.
    var firstWait: TimeInterval = 30
    var longestWait: TimeInterval = 3600

    /// Rows due now, oldest due first: pending, their time come, claimed by no live sender.
    func due(_ columns: [String], at now: Date, limit: Int, on db: any Database) -> SQLSelectBuilder {
        db.sql.select().columns(columns).from(table)
            .where("state", .equal, "pending").where("next_attempt_at", .lessThanOrEqual, now)
            .where { $0.where(SQLColumn("claimed_until"), .is, SQLLiteral.null).orWhere("claimed_until", .lessThan, now) }
            .orderBy("next_attempt_at").limit(limit)
    }

    /// Claims the row for this sender and counts the attempt; the attempt's number, or nil when
    /// another sender has it or it is no longer pending.
    func claim(_ id: UUID, at now: Date, on db: any Database) async throws -> Int? {
        try await db.sql.update(table)
            .set("claimed_until", to: now.addingTimeInterval(lease)).set("attempts", to: SQLRaw("attempts + 1"))
            .where("id", .equal, id).where("state", .equal, "pending")
            .where { $0.where(SQLColumn("claimed_until"), .is, SQLLiteral.null).orWhere("claimed_until", .lessThan, now) }
            .returning("attempts").first()?.decode(column: "attempts", as: Int.self)
    }

    /// The row went: it is sent, and `also` sets what the sender keeps or forgets with it.
    func succeeded(_ id: UUID, at now: Date, also: [(String, any SQLExpression)] = [], on db: any Database) async throws {
        let update = db.sql.update(table).set("state", to: "sent").set("sent_at", to: now)
            .set("claimed_until", to: SQLLiteral.null).set("last_error", to: SQLLiteral.null)
        for (column, value) in also { update.set(column, to: value) }
        try await update.where("id", .equal, id).run()
    }

    /// The row did not go: it waits for its next try, or is failed after `maxAttempts`. Returns
    /// whether it was given up.
    @discardableResult
    func failed(_ id: UUID, attempt: Int, maxAttempts: Int, error: String, at now: Date,
                also: (_ givenUp: Bool) -> [(String, any SQLExpression)] = { _ in [] }, on db: any Database) async throws -> Bool {
        let giveUp = attempt >= maxAttempts
        let update = db.sql.update(table)
            .set("state", to: giveUp ? "failed" : "pending").set("claimed_until", to: SQLLiteral.null)
            .set("next_attempt_at", to: now.addingTimeInterval(backOff(afterAttempt: attempt)))
            .set("last_error", to: String(error.prefix(500)))
        for (column, value) in also(giveUp) { update.set(column, to: value) }
        try await update.where("id", .equal, id).run()
        return giveUp
    }

    /// Puts failed rows back in the queue, due at once with their attempts counted afresh;
    /// `filter` narrows which (one row, say). Returns the ids put back.
    func retryFailed(at now: Date, also: [(String, any SQLExpression)] = [], on db: any Database,
                     filter: (SQLUpdateBuilder) -> SQLUpdateBuilder = { $0 }) async throws -> [UUID] {
        let update = db.sql.update(table)
            .set("state", to: "pending").set("attempts", to: 0).set("next_attempt_at", to: now).set("claimed_until", to: SQLLiteral.null)
        for (column, value) in also { update.set(column, to: value) }
        return try await filter(update.where("state", .equal, "failed")).returning("id").all()
            .map { try $0.decode(column: "id", as: UUID.self) }
    }

    /// `firstWait` after the first failure, doubling, at most `longestWait`.
    func backOff(afterAttempt attempt: Int) -> TimeInterval {
        min(longestWait, firstWait * pow(2, Double(min(62, max(0, attempt - 1)))))
    }

    /// How long after its first attempt a row's last one is made, failing every time.
    func lastAttempt(of maxAttempts: Int) -> TimeInterval {
        (1..<max(1, maxAttempts)).map(backOff(afterAttempt:)).reduce(0, +)
    }

    /// What one round of sending came to.
    struct Outcome: Equatable, Sendable {
        var sent = 0
        var retrying = 0
        var failed = 0
    }
}
