import Fluent
import Foundation
import PortalCore
import SQLKit

/// Delivers the reports in `highways_sends`, exactly once. Each is claimed with a conditional
/// update before anything is done with it, so two senders (two app instances) never act on one
/// report together. Before a report is posted its state becomes `sending`, written down; a sender
/// that dies after that leaves a report whose outcome nobody knows, and such a report (like one
/// whose answer never came) is looked for in the system's own list before it may be posted
/// again. Where the list cannot settle it, the report waits for an administrator rather than
/// risk a second copy in the system.
enum HighwaysSender {
    struct Outcome: Equatable, Sendable {
        var sent = 0
        var retrying = 0
        var unknown = 0
        var held = 0
        var failed = 0
    }

    typealias State = HighwaysSend.State

    struct Row: Decodable, Sendable {
        let id: UUID
        let reference: String
        let service_code: String
        let body: String
        let state: String
        let attempts: Int
        let posted_at: Date?
        let token: String?
        let created_at: Date
        let not_found_at: Date?
    }

    /// Deals with every report that is due, a batch at a time. The clock is read again for each
    /// report: calls take time, and a claim dated from the start of the batch could run out
    /// while it is being used.
    static func deliver(clock: PortalClock, client: Open311Client, on db: any Database, batch: Int = 20) async throws -> Outcome {
        let now = clock.now()
        let due = try await db.sql.select()
            .columns("id", "reference", "service_code", "body", "state", "attempts", "posted_at", "token", "created_at", "not_found_at")
            .from("highways_sends")
            .where(SQLColumn("state"), .in, SQLGroupExpression(State.active.map { SQLBind($0.rawValue) }))
            .where("next_attempt_at", .lessThanOrEqual, now)
            .where { $0.where(SQLColumn("claimed_until"), .is, SQLLiteral.null).orWhere("claimed_until", .lessThan, now) }
            .orderBy("next_attempt_at").limit(batch)
            .all(decoding: Row.self)
        var outcome = Outcome()
        for row in due {
            let now = clock.now()
            let claim = UUID()
            guard let state = State(rawValue: row.state),
                  try await take(row, in: state, claim: claim, until: now.addingTimeInterval(client.settings.claimFor), at: now, on: db)
            else { continue }
            let send = Claimed(row: row, claim: claim)
            switch state {
            case .queued: try await post(send, at: now, client: client, on: db, outcome: &outcome)
            // A claim that ran out on a report being sent: its sender died mid-call.
            case .sending, .unknown: try await findOut(send, at: now, client: client, on: db, outcome: &outcome)
            case .awaitingID: try await resolveToken(send, at: now, client: client, on: db, outcome: &outcome)
            case .sent, .held, .failed: break
            }
        }
        return outcome
    }

    /// A report this sender holds, by its own claim.
    @dynamicMemberLookup
    struct Claimed: Sendable {
        let row: Row
        let claim: UUID
        subscript<T>(dynamicMember path: KeyPath<Row, T>) -> T { row[keyPath: path] }
    }

    private static func take(_ send: Row, in state: State, claim: UUID, until: Date, at now: Date, on db: any Database) async throws -> Bool {
        !(try await db.sql.update("highways_sends").set("claimed_until", to: until).set("claim_id", to: claim)
            .where("id", .equal, send.id).where("state", .equal, state.rawValue)
            .where { $0.where(SQLColumn("claimed_until"), .is, SQLLiteral.null).orWhere("claimed_until", .lessThan, now) }
            .returning("id").all()).isEmpty
    }

    /// Moves the report on and lets it go, if the claim is still this sender's (a sender slower
    /// than its claim writes nothing over what another has done since).
    private static func settle(_ send: Claimed, _ state: State, next: Date? = nil, error: String? = nil, requestID: String? = nil,
                               token: String? = nil, notFoundAt: Date? = nil, at now: Date, on db: any Database) async throws {
        var update = db.sql.update("highways_sends").set("state", to: state.rawValue).set("claimed_until", to: SQLLiteral.null)
            .set("claim_id", to: SQLLiteral.null)
            .set("last_error", to: SQLBind(error.map { String($0.prefix(500)) }))
            .set("not_found_at", to: SQLBind(notFoundAt))
        if let next { update = update.set("next_attempt_at", to: next) }
        if let requestID { update = update.set("service_request_id", to: requestID) }
        if let token { update = update.set("token", to: token) }
        if state == .sent { update = update.set("sent_at", to: now) }
        try await update.where("id", .equal, send.id).where("claim_id", .equal, send.claim).run()
    }

    private static func post(_ send: Claimed, at now: Date, client: Open311Client, on db: any Database, outcome: inout Outcome) async throws {
        guard let pairs = try? JSONDecoder().decode([[String]].self, from: Data(send.body.utf8)) else {
            try await settle(send, .failed, error: "The report's stored fields cannot be read", at: now, on: db)
            outcome.failed += 1
            return
        }
        // Written down before the call: from here on, a crash leaves a report to look for, not to resend.
        let marked = try await db.sql.update("highways_sends").set("state", to: State.sending.rawValue).set("posted_at", to: now)
            .set("attempts", to: SQLRaw("attempts + 1")).where("id", .equal, send.id).where("claim_id", .equal, send.claim)
            .returning("id").all()
        guard !marked.isEmpty else { return }
        let attempts = send.attempts + 1
        switch await client.post(pairs.compactMap { $0.count == 2 ? ($0[0], $0[1]) : nil }) {
        case .answered(let data):
            switch Result(catching: { try Open311.created(data, format: client.settings.format) }) {
            case .success(.id(let id)):
                try await settle(send, .sent, requestID: id, at: now, on: db)
                outcome.sent += 1
            case .success(.token(let token)):
                try await settle(send, .awaitingID, next: now.addingTimeInterval(tokenPoll(attempt: 1)), token: token, at: now, on: db)
                outcome.sent += 1
            case .failure(let error):
                // Accepted, but the answer cannot be read: the system may well have it.
                try await settle(send, .unknown, next: now.addingTimeInterval(settleTime(client)), error: "An answer that could not be read: \(error)", at: now, on: db)
                try await IntegrationProblems.record(.highways, "An unreadable answer to sending \(send.reference)", detail: "\(error)", at: now, on: db)
                outcome.unknown += 1
            }
        case .refused(let status, let message, let definite):
            if definite {
                try await settle(send, .failed, error: "The highways system refused it (HTTP \(status)): \(message)", at: now, on: db)
                outcome.failed += 1
            } else {
                try await settle(send, .queued, next: now.addingTimeInterval(backOff(afterAttempt: attempts)), error: "HTTP \(status): \(message)", at: now, on: db)
                outcome.retrying += 1
            }
        case .notReached(let words):
            try await settle(send, .queued, next: now.addingTimeInterval(backOff(afterAttempt: attempts)), error: words, at: now, on: db)
            outcome.retrying += 1
        case .noAnswer(let words):
            try await settle(send, .unknown, next: now.addingTimeInterval(settleTime(client)), error: words, at: now, on: db)
            outcome.unknown += 1
        }
    }

    /// Looks for a report whose outcome is unknown in the system's list of requests, by the
    /// reference line in its description. Found: it was sent. Not there, in a list that is
    /// complete: it never arrived, and is queued again. Anything else: an administrator decides.
    private static func findOut(_ send: Claimed, at now: Date, client: Open311Client, on db: any Database, outcome: inout Outcome) async throws {
        // A day either side: the system's clock need not agree with ours.
        let from = (send.posted_at ?? send.created_at).addingTimeInterval(-86_400)
        let answer = await client.requests([("service_code", send.service_code), ("start_date", W3CDate.string(from)),
                                            ("end_date", W3CDate.string(now.addingTimeInterval(86_400)))])
        let line = HighwaysSend.referenceLine(send.reference, send: send.id)
        switch answer {
        case .answered(let data):
            guard let listed = try? Open311.requests(data, format: client.settings.format) else {
                try await hold(send, "The list of requests that would show whether it arrived could not be read", at: now, on: db, outcome: &outcome)
                return
            }
            // The line opens the description; matched whole, so another report cannot pass for it.
            let matches = listed.filter { $0.description.map(HighwaysSend.opensWith(line)) == true }
            if let found = matches.first, let id = found.id {
                try await settle(send, .sent, requestID: id, at: now, on: db)
                outcome.sent += 1
            } else if !matches.isEmpty {
                try await hold(send, "The system lists it but gives no request id", at: now, on: db, outcome: &outcome)
            } else if mayBeCut(listed.count, pageSize: client.settings.listPageSize) {
                try await hold(send, "The system's list of requests (\(listed.count)) may be cut short by its page size, and does not show it",
                               at: now, on: db, outcome: &outcome)
            } else if let first = send.not_found_at, now.timeIntervalSince(first) >= secondLook, now.timeIntervalSince(first) < 86_400 {
                // Not there twice, minutes apart: the earlier attempt never arrived, so the next is not a second copy.
                try await settle(send, .queued, next: now, error: "It had not arrived; sending again", at: now, on: db)
                outcome.retrying += 1
            } else {
                // Not there yet: a system may list a new request only after a while, so it is
                // looked for once more before it is sent again.
                let first = send.not_found_at.flatMap { now.timeIntervalSince($0) < secondLook ? $0 : nil } ?? now
                try await settle(send, .unknown, next: first.addingTimeInterval(secondLook),
                                 error: "Not in the system's list yet; looking again before sending it again", notFoundAt: first, at: now, on: db)
                outcome.unknown += 1
            }
        case .refused(let status, let message, true):
            try await hold(send, "The system cannot list requests to show whether it arrived (HTTP \(status): \(message))", at: now, on: db, outcome: &outcome)
        case .refused(_, let message, false), .notReached(let message), .noAnswer(let message):
            // The system is down or failing: ask again later, still sending nothing.
            try await settle(send, .unknown, next: now.addingTimeInterval(backOff(afterAttempt: send.attempts)),
                             error: "Still checking whether it arrived: \(message)", at: now, on: db)
            outcome.unknown += 1
        }
    }

    private static func hold(_ send: Claimed, _ why: String, at now: Date, on db: any Database, outcome: inout Outcome) async throws {
        try await settle(send, .held, error: why, at: now, on: db)
        try await IntegrationProblems.record(.highways, "\(send.reference) needs an administrator", detail: why, at: now, on: db)
        outcome.held += 1
    }

    private static func resolveToken(_ send: Claimed, at now: Date, client: Open311Client, on db: any Database, outcome: inout Outcome) async throws {
        guard let token = send.token else {
            try await hold(send, "A token was expected but none is stored", at: now, on: db, outcome: &outcome)
            return
        }
        if case .answered(let data) = await client.token(token), let id = try? Open311.resolvedToken(data, format: client.settings.format) {
            try await settle(send, .sent, requestID: id, at: now, on: db)
            return
        }
        // Not yet (or the system is busy): ask again, less often as the day goes on, for a day.
        let waited = now.timeIntervalSince(send.posted_at ?? send.created_at)
        guard waited < 86_400 else {
            try await hold(send, "The system has not turned its token \(token) into a request id in a day", at: now, on: db, outcome: &outcome)
            return
        }
        try await settle(send, .awaitingID, next: now.addingTimeInterval(tokenPoll(attempt: Int(waited / 60) + 1)), at: now, on: db)
    }

    /// How long after an unanswered post the system is asked about it: past the time a slow call
    /// could still be arriving.
    static func settleTime(_ client: Open311Client) -> TimeInterval { client.settings.claimFor }

    /// 30 seconds after the first failure, doubling, at most 30 minutes: a long outage is tried
    /// twice an hour, and never given up on.
    static func backOff(afterAttempt attempt: Int) -> TimeInterval {
        min(1_800, 30 * pow(2, Double(min(10, max(0, attempt - 1)))))
    }

    static func tokenPoll(attempt: Int) -> TimeInterval { min(600, 5 * Double(attempt)) }

    /// How long after a first look that did not find a report it is looked for again.
    static let secondLook: TimeInterval = 300

    /// Whether a list of requests may have been cut short by the system's page size: as long as
    /// the page, when the administrator gave it; otherwise a thousand or more, or a round number
    /// of a hundred or more.
    static func mayBeCut(_ count: Int, pageSize: Int?) -> Bool {
        if let pageSize { return count >= pageSize }
        return count >= 1_000 || (count >= 100 && count % 50 == 0)
    }
}
