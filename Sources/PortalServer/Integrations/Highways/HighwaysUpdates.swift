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
        var unknown: [String] = []
        for update in fresh {
            let handling = try await db.transaction { db in
                try await applyOne(update, send: requests[update.requestID], outcomes: outcomes, actor: actor, at: now, on: db)
            }
            switch handling {
            case .some(.unknownRequest): unknown.append(update.requestID)
            case .some: pulled.applied += 1
            case nil: pulled.repeated += 1
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
    }

    private static func sends(for requestIDs: Set<String>, on db: any Database) async throws -> [String: SendRow] {
        var found: [String: SendRow] = [:]
        for chunk in Array(requestIDs).chunked(500) {
            let rows = try await db.sql.select().columns("id", "enquiry_id", "service_request_id").from("highways_sends")
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

    /// One update, in its own transaction: stored (or found already stored by another
    /// instance: nil), then applied to its enquiry.
    private static func applyOne(_ update: Open311.Update, send: SendRow?, outcomes: [String: HighwaysOutcome], actor: EnquiryActor,
                                 at now: Date, on db: any Database) async throws -> Handling? {
        let rowID = UUID()
        let stored = try await db.sql.raw("""
            INSERT INTO highways_updates (id, update_id, service_request_id, enquiry_id, status, description, external_status_code, updated_at, received_at, handling)
            VALUES (\(bind: rowID), \(bind: update.updateID), \(bind: update.requestID), \(bind: send?.enquiry_id), \(bind: update.status),
                    \(bind: update.description), \(bind: update.externalStatusCode), \(bind: update.updated), \(bind: now), \(bind: Handling.unknownRequest.rawValue))
            ON CONFLICT (update_id) DO NOTHING RETURNING id
            """).all()
        guard !stored.isEmpty else { return nil }
        guard let send else { return .unknownRequest }
        let latest = try await db.sql.select().column("last_update_at").from("highways_sends").where("id", .equal, send.id).first()
        let lastApplied = try latest?.decodeNil(column: "last_update_at") == false ? try latest?.decode(column: "last_update_at", as: Date.self) : nil
        let isLatest = lastApplied.map { update.updated > $0 } ?? true
        let loaded = try await EnquiryWorkflow.load(send.enquiry_id, for: actor, on: db)
        // A status the table does not know is shown to the Member as words, for the administrator to map.
        let outcome = outcomes[update.status] ?? .update
        let label = HighwaysStatusMap.label(of: update.status)
        let text = "Highways system: \(label)." + (update.description.isEmpty ? "" : "\n\n" + update.description)
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
        var record = db.sql.update("highways_sends").set("system_status", to: update.status)
        if isLatest { record = record.set("last_update_at", to: update.updated) }
        try await record.where("id", .equal, send.id).run()
        try await db.sql.update("highways_updates").set("handling", to: handling.rawValue).where("id", .equal, rowID).run()
        return handling
    }
}

extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
