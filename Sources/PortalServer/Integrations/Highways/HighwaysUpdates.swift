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
        /// Tried one by one after their transaction met a conflict (an enquiry changed meanwhile).
        var oneByOne = 0

        static func + (one: Pulled, other: Pulled) -> Pulled {
            Pulled(received: one.received + other.received, applied: one.applied + other.applied, repeated: one.repeated + other.repeated,
                   unknownRequests: one.unknownRequests + other.unknownRequests, outsideWindow: one.outsideWindow + other.outsideWindow,
                   oneByOne: one.oneByOne + other.oneByOne)
        }
    }

    struct BadAnswer: Error, CustomStringConvertible {
        let description: String
    }

    /// Reads the updates of one window, `start` to `end`, and applies those not seen before.
    /// An answer that cannot be read is recorded for the administrator and nothing of it applied.
    static func pull(from start: Date, to end: Date, client: Open311Client, at now: Date, on db: any Database) async throws -> Pulled {
        let (updates, received) = try await read(from: start, to: end, client: client, at: now, on: db)
        var pulled = try await apply(updates, at: now, on: db)
        pulled.received = received
        pulled.outsideWindow = received - updates.count
        return pulled
    }

    /// The window's updates, and how many the system sent. A window whose answer is too large to
    /// read is read in halves, down to ten minutes; the halves are applied together, in order.
    private static func read(from start: Date, to end: Date, client: Open311Client, at now: Date,
                             on db: any Database) async throws -> (updates: [Open311.Update], received: Int) {
        let data: Data
        let answer = await client.updates(from: start, to: end)
        if answer.wasTooLarge, end.timeIntervalSince(start) > 600 {
            let middle = start.addingTimeInterval(end.timeIntervalSince(start) / 2)
            let earlier = try await read(from: start, to: middle, client: client, at: now, on: db)
            let later = try await read(from: middle, to: end, client: client, at: now, on: db)
            return (earlier.updates + later.updates, earlier.received + later.received)
        }
        switch answer {
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
        return (updates.filter { $0.updated >= start && $0.updated <= end }, updates.count)
    }

    /// Applies updates in `updated_datetime` order, each once.
    static func apply(_ updates: [Open311.Update], at now: Date, on db: any Database, perTransaction: Int = 1_000) async throws -> Pulled {
        var pulled = Pulled(received: updates.count)
        var seen = Set<String>()
        let ordered = updates.sorted { ($0.updated, $0.updateID) < ($1.updated, $1.updateID) }.filter { seen.insert($0.updateID).inserted }
        pulled.repeated = updates.count - ordered.count
        let storedBefore = try await alreadyStored(ordered.map(\.updateID), on: db)
        let fresh = ordered.filter { !storedBefore.contains($0.updateID) }
        pulled.repeated += ordered.count - fresh.count
        guard !fresh.isEmpty else { return pulled }
        let requests = try await sends(for: Set(fresh.map(\.requestID)), on: db)
        let outcomes = try await statusOutcomes(on: db)
        let actor = try await SystemAccount.highways.actor(at: now, on: db)
        // One for a request not known yet (its id still to come) is left to be read again with
        // the next window, not stored: stored, it would count as seen once the id is known.
        let known = fresh.filter { requests[$0.requestID] != nil }
        var unknown = fresh.filter { requests[$0.requestID] == nil }.map(\.requestID)
        var failed: [String] = []
        // Each turn of changes a millisecond after the one before, across the whole pull, so the
        // conversation shows an enquiry's updates in the order they were made.
        var tick = 0
        // A thousand (`perTransaction`) at a time in one transaction; should that fail (an officer changing one of
        // the enquiries at that moment), they are applied one by one instead, and one that still
        // fails is read again with the next window.
        let chunks = known.chunked(max(1, perTransaction))
        var reading: Task<[UUID: EnquiryWorkflow.Loaded], any Error>?
        for (index, chunk) in chunks.enumerated() {
            // The enquiries a thousand starts from are read while the thousand before is written,
            // all but those it changes. Should one change meanwhile, its version no longer matches
            // and the thousand goes one by one, as it would had an officer changed it a moment later.
            let early = (try? await reading?.value) ?? [:]
            reading = nil
            if index + 1 < chunks.count {
                let changing = Set(chunk.compactMap { requests[$0.requestID]?.enquiry_id })
                let next = Set(chunks[index + 1].compactMap { requests[$0.requestID]?.enquiry_id }).subtracting(changing)
                reading = Task { try await EnquiryWorkflow.load(Array(next), for: actor, on: db) }
            }
            do {
                let first = tick
                let (handled, turns) = try await db.transaction { db in
                    try await applyTogether(Array(chunk), sends: requests, outcomes: outcomes, actor: actor, at: now,
                                            firstTick: first, readEarly: early, on: db)
                }
                tick += turns
                pulled.applied += handled
                pulled.repeated += chunk.count - handled
            } catch {
                pulled.oneByOne += chunk.count
                for update in chunk {
                    do {
                        let first = tick
                        let (handled, turns) = try await db.transaction { db in
                            try await applyTogether([update], sends: requests, outcomes: outcomes, actor: actor, at: now,
                                                    firstTick: first, readEarly: [:], on: db)
                        }
                        tick += turns
                        pulled.applied += handled
                        pulled.repeated += 1 - handled
                    } catch {
                        failed.append(update.updateID)
                        IntegrationProblems.logger.warning("highways: update \(update.updateID) not applied yet: \(String(describing: error))")
                    }
                }
            }
        }
        unknown = Array(Set(unknown)).sorted()
        pulled.unknownRequests = fresh.count - known.count
        if !unknown.isEmpty {
            try await IntegrationProblems.record(.highways, "\(pulled.unknownRequests) update(s) for requests the portal does not know (yet) were not applied; they are read again with later windows",
                                                 detail: "Request ids: " + unknown.prefix(20).joined(separator: ", "), at: now, on: db)
        }
        if !failed.isEmpty {
            try await IntegrationProblems.record(.highways, "\(failed.count) update(s) could not be applied this time; they are read again with later windows",
                                                 detail: "Update ids: " + failed.prefix(20).joined(separator: ", "), at: now, on: db)
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

    /// The time of the newest update applied to each of these reports, for those that have one.
    private static func newestApplied(_ sendIDs: Set<UUID>, on db: any Database) async throws -> [UUID: Date] {
        var newest: [UUID: Date] = [:]
        for chunk in Array(sendIDs).chunked(500) {
            let rows = try await db.sql.select().columns("id", "last_update_at").from("highways_sends")
                .where(EnquiryList.column("id", in: Array(chunk))).where("last_update_at", .isNot, SQLLiteral.null).all()
            for row in rows { newest[try row.decode(column: "id", as: UUID.self)] = try row.decode(column: "last_update_at", as: Date.self) }
        }
        return newest
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

    /// Updates for known requests, in order, inside the caller's transaction: stored (those another
    /// instance stored first are left to it), then applied to their enquiries through the
    /// workflow, all together. An enquiry with several updates takes them in turns, oldest first,
    /// each turn deciding from what the one before left, `firstTick` milliseconds and more after
    /// `now`. The first turn starts from the enquiries `readEarly` holds and reads the rest.
    /// Returns how many were applied, each report's newest update after them, and the turns taken.
    private static func applyTogether(_ updates: [Open311.Update], sends: [String: SendRow],
                                      outcomes: [String: HighwaysOutcome], actor: EnquiryActor, at now: Date, firstTick: Int,
                                      readEarly: [UUID: EnquiryWorkflow.Loaded],
                                      on db: any Database) async throws -> (applied: Int, turns: Int) {
        var stored = Set<String>()
        let columns = ["update_id", "service_request_id", "enquiry_id", "status", "description", "external_status_code", "updated_at", "received_at", "handling"]
        for chunk in updates.chunked(1_000) {
            var insert = db.sql.insert(into: "highways_updates").columns(["id"] + columns)
            for update in chunk {
                insert = insert.values([SQLBind(UUID()), SQLBind(update.updateID), SQLBind(update.requestID), SQLBind(sends[update.requestID]?.enquiry_id),
                                        SQLBind(TextRules.oneLine(update.status)), SQLBind(TextRules.multiLine(update.description)),
                                        SQLBind(update.externalStatusCode.map(TextRules.oneLine)), SQLBind(update.updated),
                                        SQLBind(now), SQLBind(Handling.applied.rawValue)])
            }
            for row in try await insert.ignoringConflicts(with: ["update_id"]).returning("update_id").all() {
                stored.insert(try row.decode(column: "update_id", as: String.self))
            }
        }
        // Each report's newest update so far, read here rather than when the pull began: another
        // instance may have applied a newer one since. One applied after this read changed the
        // enquiry too, so its version no longer matches and this transaction writes nothing.
        var latest = try await newestApplied(Set(updates.compactMap { sends[$0.requestID]?.id }), on: db)
        var handlings: [Handling: [String]] = [:]
        // Turns: the first update of each enquiry, then the second, and so on.
        var turns: [[(Open311.Update, SendRow)]] = []
        var place: [UUID: Int] = [:]
        for update in updates where stored.contains(update.updateID) {
            guard let send = sends[update.requestID] else { continue }
            let turn = place[send.enquiry_id, default: 0]
            place[send.enquiry_id] = turn + 1
            if turn == turns.count { turns.append([]) }
            turns[turn].append((update, send))
        }
        for (index, turn) in turns.enumerated() {
            let now = now.addingTimeInterval(Double(firstTick + index) / 1_000)
            let ids = turn.map(\.1.enquiry_id), wanted = Set(ids)
            var loaded = index == 0 ? readEarly.filter { wanted.contains($0.key) } : [:]
            loaded.merge(try await EnquiryWorkflow.load(ids.filter { loaded[$0] == nil }, for: actor, on: db)) { early, _ in early }
            var changes: [EnquiryWorkflow.Request] = []
            var newest: [ColumnWrites.Row] = []
            for (update, send) in turn {
                guard let enquiry = loaded[send.enquiry_id] else {
                    handlings[.unknownRequest, default: []].append(update.updateID)
                    continue
                }
                // Made in the same second as the last applied, it comes after it (updates are applied in order).
                let isLatest = latest[send.id].map { update.updated >= $0 } ?? true
                // A status the table does not know is shown to the Member as words, for the administrator to map.
                let outcome = outcomes[update.status] ?? .update
                // The system's words, made fit for the conversation: no control characters or direction overrides.
                let words = TextRules.multiLine(update.description).trimmingWhitespace()
                let text = "Highways system: \(HighwaysStatusMap.label(of: update.status))." + (words.isEmpty ? "" : "\n\n" + words)
                let change = HighwaysStatusMap.change(for: outcome, enquiryStatus: enquiry.enquiry.status, isLatest: isLatest)
                // The co-ordinator hears of what needs them: the system finished with it, words after
                // it was completed, or a status nobody has mapped. Progress is the Member's to hear.
                let needsCoordinator = change == .complete || change == .note || outcomes[update.status] == nil
                let coordinatorsHear: NotificationEvent? = needsCoordinator ? .outsideWord : nil
                switch change {
                case .update: changes.append(.init(loaded: enquiry, change: .postUpdate(text), alsoNotify: coordinatorsHear))
                case .complete: changes.append(.init(loaded: enquiry, change: .complete(finalResponse: text), alsoNotify: coordinatorsHear))
                case .awaitWorks: changes.append(.init(loaded: enquiry, change: .awaitWorks(note: text), alsoNotify: coordinatorsHear))
                case .note: changes.append(.init(loaded: enquiry, change: .addNote(text), alsoNotify: coordinatorsHear))
                }
                if change == .note {
                    handlings[.note, default: []].append(update.updateID)
                } else if !isLatest {
                    handlings[.wordsOnly, default: []].append(update.updateID)
                }
                if isLatest {
                    latest[send.id] = update.updated
                    newest.append(.init(id: send.id, columns: [("system_status", SQLBind(TextRules.oneLine(update.status))), ("last_update_at", SQLBind(update.updated))]))
                }
            }
            try await ColumnWrites.write(newest, to: "highways_sends", on: db)
            try await EnquiryWorkflow.perform(changes, by: actor, at: now, on: db)
        }
        for (handling, ids) in handlings {
            for chunk in ids.chunked(500) {
                try await db.sql.update("highways_updates").set("handling", to: handling.rawValue).where(EnquiryList.column("update_id", in: Array(chunk))).run()
            }
        }
        return (stored.count - (handlings[.unknownRequest]?.count ?? 0), turns.count)
    }
}
