import Fluent
import Foundation
import PortalCore
import SQLKit

/// The sign-in throttle's record (`SignInThrottle`): each attempt is written as a failure
/// *before* the password is checked, by one conditional insert that counts the recent failures
/// of the account and of the network address and adds the row only while both are under their
/// limits. Requests arriving together each take a place or are refused; none can check a
/// password beyond the limit, whatever the timing. A right password then clears the account's
/// failures, its own reserved row among them.
enum SignInAttempts {
    enum Outcome: Equatable {
        /// The attempt holds a place: this row, until the password proves right.
        case reserved(UUID)
        case refused(retryAfter: TimeInterval)
    }

    /// `email` nil reserves for the address alone (a password-reset link being tried).
    static func reserve(email: String?, address: String, at now: Date, throttle: SignInThrottle, on db: any Database) async throws -> Outcome {
        let since = throttle.windowStart(now: now)
        try await db.sql.delete(from: SignInFailure.schema).where("at", .lessThan, since).run()
        let id = UUID()
        let inserted: Bool
        if db.sql.isPostgres {
            // One statement: the locks and the counts live inside the database (AddSignInReservation).
            let row = try await db.sql.raw("""
                SELECT portal_reserve_sign_in(\(bind: id), \(bind: email ?? ""), \(bind: address), \(bind: now), \(bind: since), \(bind: throttle.limitPerAccount), \(bind: throttle.limitPerAddress)) AS \(ident: "reserved")
                """).first()
            inserted = try row?.decode(column: "reserved", as: Bool.self) ?? false
        } else {
            // SQLite runs one writing statement at a time, holding the write lock from its first
            // read to its last write: the counts and the insert are one step as they stand.
            let account: SQLQueryString = email.map { email in
                "(SELECT COUNT(*) FROM \(ident: SignInFailure.schema) WHERE \(ident: "email") = \(bind: email) AND \(ident: "at") >= \(bind: since)) < \(literal: throttle.limitPerAccount) AND "
            } ?? ""
            inserted = !(try await db.sql.raw("""
                INSERT INTO \(ident: SignInFailure.schema) (\(ident: "id"), \(ident: "email"), \(ident: "address"), \(ident: "at"))
                SELECT \(bind: id), \(bind: email ?? ""), \(bind: address), \(bind: now)
                WHERE \(account)(SELECT COUNT(*) FROM \(ident: SignInFailure.schema) WHERE \(ident: "address") = \(bind: address) AND \(ident: "at") >= \(bind: since)) < \(literal: throttle.limitPerAddress)
                RETURNING \(ident: "id")
                """).all()).isEmpty
        }
        if inserted { return .reserved(id) }
        let byEmail = try await email.asyncMap { email in
            try await SignInFailure.query(on: db).filter(\.$email == email).filter(\.$at >= since).all(\.$at)
        } ?? []
        let byAddress = try await SignInFailure.query(on: db).filter(\.$address == address).filter(\.$at >= since).all(\.$at)
        if case .refused(let wait) = throttle.decide(accountFailures: byEmail, addressFailures: byAddress, now: now) {
            return .refused(retryAfter: wait)
        }
        // Places freed between the insert and the count: the next attempt will find one.
        return .refused(retryAfter: 1)
    }

    /// The attempt proved right: its place is given back.
    static func release(_ id: UUID, on db: any Database) async throws {
        try await db.sql.delete(from: SignInFailure.schema).where("id", .equal, id).run()
    }
}
