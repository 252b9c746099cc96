import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// Updates from the highways system, read by date window and applied to the enquiries they
/// belong to: matched on the system's request id, de-duplicated on `update_id` (a unique key, so
/// two instances reading one window apply each once), and applied oldest first. Each becomes a
/// change through `EnquiryWorkflow` by the highways system's own account, so it reaches the
/// timeline, the audit trail, the service level and the Member's notifications.
enum HighwaysUpdates {
    /// What the portal made of an update.
    enum Handling: String, Sendable {
        case applied
        /// Older than one already applied: its words are kept, the status not moved back.
        case wordsOnly = "words_only"
        /// Kept as an internal note (the enquiry is finished, or the mapping says so).
        case note
        /// For a request the portal never sent.
        case unknownRequest = "unknown_request"
    }

    struct Pulled: Equatable, Sendable {
        var received = 0
        var applied = 0
        var repeated = 0
        var unknownRequests = 0
        var outsideWindow = 0
    }

    struct BadAnswer: Error, CustomStringConvertible {
        let description: String
    }

    /// Reads the updates of one window, `start` to `end`, and applies those not seen before.
    /// An answer that cannot be read is recorded for the administrator and nothing of it applied.
    static func pull(from start: Date, to end: Date, client: Open311Client, at now: Date, on db: any Database) async throws -> Pulled {
        let data: Data
        switch await client.updates(from: start, to: end) {
        case .answered(let body): data = body
        case .refused(let status, let message, _): throw BadAnswer(description: "Reading updates failed (HTTP \(status)): \(message)")
        case .notReached(let words), .noAnswer(let words): throw BadAnswer(description: "Reading updates failed: \(words)")
        }
        let updates: [Open311.Update]
        do {
            updates = try Open311.updates(data, format: client.settings.format)
        } catch {
            try await IntegrationProblems.record(.highways, "An answer of updates that could not be read; none of it was applied", detail: "\(error)", at: now, on: db)
            throw BadAnswer(description: "\(error)")
        }
        // A system may answer with more than was asked for: only the window's updates count.
        let inWindow = updates.filter { $0.updated >= start && $0.updated <= end }
        var pulled = try await apply(inWindow, at: now, on: db)
        pulled.outsideWindow = updates.count - inWindow.count
        return pulled
    }

    /// Applies updates in `updated_datetime` order, each once.
    static func apply(_ updates: [Open311.Update], at now: Date, on db: any Database) async throws -> Pulled {
        var pulled = Pulled(received: updates.count)
        var seen = Set<String>()
        let ordered = updates.sorted { ($0.updated, $0.updateID) < ($1.updated, $1.updateID) }.filter { seen.insert($0.updateID).inserted }
        pulled.repeated = updates.count - ordered.count
        let known = try await alreadyStored(ordered.map(\.updateID), on: db)
        let fresh = ordered.filter { !known.contains($0.updateID) }
        pulled.repeated += ordered.count - fresh.count
        guard !fresh.isEmpty else { return pulled }
        let requests = try await sends(for: Set(fresh.map(\.requestID)), on: db)
        let outcomes = try await statusOutcomes(on: db)
        let actor = try await SystemAccount.highways.actor(at: now, on: db)
        var latest = requests.values.reduce(into: [UUID: Date]()) { $0[$1.id] = $1.last_update_at }
        var unknown: [String] = []
        func count(_ handling: Handling?, _ update: Open311.Update) {
            switch handling {
            case .some(.unknownRequest): unknown.append(update.requestID)
            case .some: pulled.applied += 1
            case nil: pulled.repeated += 1
            }
        }
        // A hundred at a time in one transaction; should one of them fail (an officer changing
        // the same enquiry at that moment), the hundred are applied one by one instead, and the
        // one that failed is read again with the next window.
        for chunk in fresh.chunked(100) {
            let before = latest
            do {
                let (results, after) = try await db.transaction { db -> ([Handling?], [UUID: Date]) in
                    var results: [Handling?] = []
                    var newest = before
                    for update in chunk {
                        results.append(try await applyOne(update, send: requests[update.requestID], latest: &newest, outcomes: outcomes, actor: actor, at: now, on: db))
                    }
                    return (results, newest)
                }
                latest = after
                for (update, handling) in zip(chunk, results) { count(handling, update) }
            } catch {
                for update in chunk {
                    do {
                        let current = latest
                        let (handling, after) = try await db.transaction { db -> (Handling?, [UUID: Date]) in
                            var newest = current
                            return (try await applyOne(update, send: requests[update.requestID], latest: &newest, outcomes: outcomes, actor: actor, at: now, on: db), newest)
                        }
                        latest = after
                        count(handling, update)
                    } catch {
                        IntegrationProblems.logger.warning("highways: update \(update.updateID) not applied yet: \(String(describing: error))")
                    }
                }
            }
        }
        pulled.unknownRequests = unknown.count
        if !unknown.isEmpty {
            try await IntegrationProblems.record(.highways, "\(unknown.count) update(s) for requests the portal never sent were kept but not applied",
                                                 detail: "Request ids: " + Set(unknown).sorted().prefix(20).joined(separator: ", "), at: now, on: db)
        }
        return pulled
    }

    struct SendRow: Decodable, Sendable {
        let id: UUID
        let enquiry_id: UUID
        let service_request_id: String
        let last_update_at: Date?
    }

    private static func sends(for requestIDs: Set<String>, on db: any Database) async throws -> [String: SendRow] {
        var found: [String: SendRow] = [:]
        for chunk in Array(requestIDs).chunked(500) {
            let rows = try await db.sql.select().columns("id", "enquiry_id", "service_request_id", "last_update_at").from("highways_sends")
                .where(SQLColumn("service_request_id"), .in, SQLGroupExpression(chunk.map { SQLBind($0) }))
                .all(decoding: SendRow.self)
            for row in rows { found[row.service_request_id] = row }
        }
        return found
    }

    private static func alreadyStored(_ ids: [String], on db: any Database) async throws -> Set<String> {
        var found = Set<String>()
        for chunk in ids.chunked(500) {
            let rows = try await db.sql.select().column("update_id").from("highways_updates")
                .where(SQLColumn("update_id"), .in, SQLGroupExpression(chunk.map { SQLBind($0) })).all()
            for row in rows { found.insert(try row.decode(column: "update_id", as: String.self)) }
        }
        return found
    }

    static func statusOutcomes(on db: any Database) async throws -> [String: HighwaysOutcome] {
        let rows = try await db.sql.select().columns("status", "outcome").from("highways_statuses").all()
        var map: [String: HighwaysOutcome] = [:]
        for row in rows {
            map[try row.decode(column: "status", as: String.self)] = HighwaysOutcome(rawValue: try row.decode(column: "outcome", as: String.self))
        }
        return map
    }

    /// One update, inside the caller's transaction: stored (or found already stored by another
    /// instance: nil), then applied to its enquiry. `latest` holds each report's newest update
    /// applied, kept up to date as updates are applied.
    private static func applyOne(_ update: Open311.Update, send: SendRow?, latest: inout [UUID: Date], outcomes: [String: HighwaysOutcome],
                                 actor: EnquiryActor, at now: Date, on db: any Database) async throws -> Handling? {
        // One for a request not known yet (its id still to come) is left to be read again with
        // the next window, not stored: stored, it would count as seen once the id is known.
        guard let send else { return .unknownRequest }
        let rowID = UUID()
        let stored = try await db.sql.raw("""
            INSERT INTO highways_updates (id, update_id, service_request_id, enquiry_id, status, description, external_status_code, updated_at, received_at, handling)
            VALUES (\(bind: rowID), \(bind: update.updateID), \(bind: update.requestID), \(bind: send.enquiry_id), \(bind: update.status),
                    \(bind: update.description), \(bind: update.externalStatusCode), \(bind: update.updated), \(bind: now), \(bind: Handling.unknownRequest.rawValue))
            ON CONFLICT (update_id) DO NOTHING RETURNING id
            """).all()
        guard !stored.isEmpty else { return nil }
        // Made in the same second as the last applied, it comes after it (updates are applied in order).
        let isLatest = latest[send.id].map { update.updated >= $0 } ?? true
        let loaded = try await EnquiryWorkflow.load(send.enquiry_id, for: actor, on: db)
        // A status the table does not know is shown to the Member as words, for the administrator to map.
        let outcome = outcomes[update.status] ?? .update
        let label = HighwaysStatusMap.label(of: update.status)
        // The system's words, made fit for the conversation: no control characters or direction overrides.
        let words = TextRules.multiLine(update.description).trimmingWhitespace()
        let text = "Highways system: \(label)." + (words.isEmpty ? "" : "\n\n" + words)
        let change = HighwaysStatusMap.change(for: outcome, enquiryStatus: loaded.enquiry.status, isLatest: isLatest)
        var handling: Handling = isLatest ? .applied : .wordsOnly
        switch change {
        case .update: try await EnquiryWorkflow.perform(.postUpdate(text), on: loaded, by: actor, at: now, on: db)
        case .complete: try await EnquiryWorkflow.perform(.complete(finalResponse: text), on: loaded, by: actor, at: now, on: db)
        case .awaitWorksThenUpdate:
            try await EnquiryWorkflow.perform(.awaitWorks(note: ""), on: loaded, by: actor, at: now, on: db)
            let moved = try await EnquiryWorkflow.load(send.enquiry_id, for: actor, on: db)
            try await EnquiryWorkflow.perform(.postUpdate(text), on: moved, by: actor, at: now, on: db)
        case .note:
            try await EnquiryWorkflow.perform(.addNote(text), on: loaded, by: actor, at: now, on: db)
            handling = .note
        }
        if isLatest {
            try await db.sql.update("highways_sends").set("system_status", to: update.status).set("last_update_at", to: update.updated)
                .where("id", .equal, send.id).run()
            latest[send.id] = update.updated
        }
        try await db.sql.update("highways_updates").set("handling", to: handling.rawValue).where("id", .equal, rowID).run()
        return handling
    }
}

extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
