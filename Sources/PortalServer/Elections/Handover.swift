import Fluent
import Foundation
import PortalCore
import SQLKit

/// The handover after an election: each departing Member's open and draft enquiries, with a
/// proposal the administrator may change one by one, applied together.
///
/// - Urgent enquiries (of a service area marked urgent, Adult and Children's Social Care unless
///   the administrator says otherwise, or flagged urgent) pass to the officers of their area: they
///   stay open, the area's co-ordinators already see and own them, and a note says why.
/// - The rest are closed and their resident's personal data erased (`ResidentErasure`).
/// - Drafts are erased; they stay drafts, which nobody but their Member sees.
///
/// Nothing passes to another Member: the new Member of the division inherits nothing. Shares end.
///
/// Applying is claimed once (`start`), then done in batches, each in one transaction that also
/// marks its items applied, so a handover stopped at any point (a server killed) has each item
/// wholly done or not begun; whoever runs it next (`run`, from the page's background task or the
/// repeating job on any instance) takes up the items not yet applied, and nothing is done twice.
enum Handover {
    enum Decision: String, CaseIterable, Sendable {
        /// Pass to the officers of its service area.
        case pass
        /// Close, and erase the resident's personal data.
        case close
        /// Erase the draft.
        case erase

        var label: String {
            switch self {
            case .pass: "Pass to officers"
            case .close: "Close and erase the resident's data"
            case .erase: "Erase the draft"
            }
        }

        /// The decisions open for an item proposed as `proposal`: a draft is only ever erased.
        static func choices(for proposal: Decision) -> [Decision] {
            proposal == .erase ? [.erase] : [.pass, .close]
        }
    }

    /// Service areas whose enquiries pass to officers unless the administrator says otherwise.
    static let defaultUrgentAreas: Set<String> = ["Adult Social Care", "Children's Social Care"]
    /// How many items one transaction applies.
    static let batchSize = 200
    /// The statuses handed over: open, or completed and awaiting the Member's confirmation.
    static let lodged: [EnquiryStatus] = [.submitted, .inProgress, .awaitingWorks, .completed]

    struct Election: Sendable, Decodable {
        let id: UUID
        let polling_day: String
        let term_starts_on: String
        let handover_started_at: Date?
        let handover_finished_at: Date?
        /// When the last batch could not be applied; nil once one is.
        let handover_problem_at: Date?

        var pollingDay: String { CivilDate(iso: polling_day)?.longText ?? polling_day }
    }

    static func election(_ id: UUID, on db: any Database) async throws -> Election? {
        try await db.sql.select().columns("id", "polling_day", "term_starts_on", "handover_started_at", "handover_finished_at", "handover_problem_at")
            .from("elections").where("id", .equal, id).first(decoding: Election.self)
    }

    // MARK: urgent areas

    struct Area: Sendable, Decodable {
        let id: UUID
        let name: String
        let handover_urgent: Bool?

        var isUrgent: Bool { handover_urgent ?? Handover.defaultUrgentAreas.contains(name) }
    }

    static func areas(on db: any Database) async throws -> [Area] {
        try await db.sql.select().columns("id", "name", "handover_urgent").from(ServiceArea.schema).orderBy("name").all(decoding: Area.self)
    }

    /// Marks exactly these areas urgent, and brings the proposals of a handover not yet begun in
    /// line (a decision the administrator changed stays as they chose).
    static func setUrgentAreas(_ urgent: Set<UUID>, election: UUID, by actorID: UUID?, at now: Date, on db: any Database) async throws {
        try await db.transaction { db in
            let before = try await areas(on: db)
            for area in before where area.isUrgent != urgent.contains(area.id) || area.handover_urgent == nil {
                try await db.sql.update(ServiceArea.schema).set("handover_urgent", to: urgent.contains(area.id)).where("id", .equal, area.id).run()
            }
            let names = { (set: [Area]) in set.map(\.name).joined(separator: ", ") }
            let was = names(before.filter(\.isUrgent)), becomes = names(before.filter { urgent.contains($0.id) })
            if was != becomes {
                try await AuditTrail.record(action: "handover_urgent_areas", enquiryID: nil, actorID: actorID,
                                            changes: [FieldChange(field: "Service areas passed to officers at a handover", before: was, after: becomes)],
                                            at: now, on: db)
            }
            try await propose(election, on: db, refresh: true)
        }
    }

    // MARK: proposals

    private struct Candidate: Decodable {
        let id: UUID
        let member_id: UUID
        let status: String
        let urgency: String
        let service_area_id: UUID
        let reference: String
    }

    /// The leaving Members of an election.
    static func leaving(_ election: UUID, on db: any Database) async throws -> [UUID] {
        try await db.sql.select().column("user_id").from("election_members").where("election_id", .equal, election)
            .where("outcome", .equal, Elections.Outcome.leaving.rawValue).all().map { try $0.decode(column: "user_id", as: UUID.self) }
    }

    /// Proposes an item for each departing Member's open or draft enquiry not yet listed, while
    /// the handover has not begun; with `refresh`, proposals already listed follow the urgent areas
    /// again. Returns false once the handover has begun (its list is then fixed).
    @discardableResult
    static func propose(_ electionID: UUID, on db: any Database, refresh: Bool = false) async throws -> Bool {
        try await db.transaction { db in
            // Taking the election's row (PostgreSQL) or the write lock (SQLite) makes two pages
            // proposing at once take turns, and a proposal wait for a handover beginning.
            let open = try await db.sql.update("elections").set(SQLColumn("handover_started_at"), to: SQLColumn("handover_started_at"))
                .where("id", .equal, electionID).where("handover_started_at", .is, SQLLiteral.null).returning("id").all()
            guard !open.isEmpty else { return false }
            let members = try await leaving(electionID, on: db)
            guard !members.isEmpty else { return true }
            let urgentAreas = Set(try await areas(on: db).filter(\.isUrgent).map(\.id))
            var candidates: [Candidate] = []
            for chunk in members.chunked(500) {
                candidates += try await db.sql.select().columns("id", "member_id", "status", "urgency", "service_area_id", "reference")
                    .from(Enquiry.schema).where(EnquiryList.column("member_id", in: Array(chunk)))
                    .where(EnquiryList.column("status", in: ([EnquiryStatus.draft] + lodged).map(\.rawValue)))
                    .orderBy("reference").all(decoding: Candidate.self)
            }
            func proposal(_ candidate: Candidate) -> Decision {
                if candidate.status == EnquiryStatus.draft.rawValue { return .erase }
                return candidate.urgency == Urgency.urgent.rawValue || urgentAreas.contains(candidate.service_area_id) ? .pass : .close
            }
            let listed = try await db.sql.select().columns("id", "enquiry_id", "number", "proposal", "decision").from("handover_items")
                .where("election_id", .equal, electionID).all()
            var known: [UUID: (id: UUID, proposal: String, decision: String)] = [:]
            var next = 0
            for row in listed {
                known[try row.decode(column: "enquiry_id", as: UUID.self)] = (try row.decode(column: "id", as: UUID.self),
                    try row.decode(column: "proposal", as: String.self), try row.decode(column: "decision", as: String.self))
                next = max(next, try row.decode(column: "number", as: Int.self))
            }
            var rows: [[any SQLExpression]] = []
            for candidate in candidates {
                let proposed = proposal(candidate)
                if let item = known[candidate.id] {
                    guard refresh, item.proposal != proposed.rawValue else { continue }
                    // A decision left as proposed follows the new proposal; one changed stays.
                    let decision = item.decision == item.proposal ? proposed.rawValue : item.decision
                    try await db.sql.update("handover_items").set("proposal", to: proposed.rawValue).set("decision", to: decision)
                        .where("id", .equal, item.id).run()
                } else {
                    next += 1
                    rows.append([SQLBind(UUID()), SQLBind(electionID), SQLBind(candidate.id), SQLBind(candidate.member_id), SQLBind(next),
                                 SQLBind(proposed.rawValue), SQLBind(proposed.rawValue)])
                }
            }
            try await BulkInsert.rows(into: "handover_items", columns: ["id", "election_id", "enquiry_id", "member_id", "number", "proposal", "decision"],
                                      rows: rows, on: db)
            return true
        }
    }

    /// Changes decisions, by item number, before the handover begins. A decision not open to its
    /// item (a draft passed to officers) is refused, and nothing is saved.
    enum DecideRefusal: Error, Equatable {
        case started
        case notOpen(number: Int)
    }

    static func decide(_ decisions: [Int: Decision], election electionID: UUID, on db: any Database) async throws {
        try await db.transaction { db in
            guard let election = try await Handover.election(electionID, on: db), election.handover_started_at == nil else { throw DecideRefusal.started }
            let numbers = Array(decisions.keys)
            var proposals: [Int: Decision] = [:]
            for chunk in numbers.chunked(500) {
                for row in try await db.sql.select().columns("number", "proposal").from("handover_items").where("election_id", .equal, electionID)
                    .where(EnquiryList.column("number", in: Array(chunk))).all() {
                    proposals[try row.decode(column: "number", as: Int.self)] = Decision(rawValue: try row.decode(column: "proposal", as: String.self))
                }
            }
            for number in numbers.sorted() {
                guard let proposal = proposals[number], let decision = decisions[number], Decision.choices(for: proposal).contains(decision) else {
                    throw DecideRefusal.notOpen(number: number)
                }
            }
            for decision in Decision.allCases {
                let these = numbers.filter { decisions[$0] == decision }
                for chunk in these.chunked(500) {
                    try await db.sql.update("handover_items").set("decision", to: decision.rawValue).where("election_id", .equal, electionID)
                        .where(EnquiryList.column("number", in: Array(chunk))).run()
                }
            }
        }
    }

    // MARK: applying

    enum Start: Equatable {
        case started
        /// Begun already (another click, another browser): nothing more is done.
        case alreadyStarted
        case noSuchElection
    }

    /// Claims the handover: the list is fixed (any enquiry that appeared since the page was drawn
    /// is proposed first) and the start recorded, once, whoever asks.
    static func start(_ electionID: UUID, by actor: CurrentUser, at now: Date, on db: any Database) async throws -> Start {
        try await db.transaction { db in
            guard try await election(electionID, on: db) != nil else { return .noSuchElection }
            guard try await propose(electionID, on: db) else { return .alreadyStarted }
            let claimed = try await db.sql.update("elections").set("handover_started_at", to: now).set("handover_started_by_id", to: actor.id)
                .where("id", .equal, electionID).where("handover_started_at", .is, SQLLiteral.null).returning("id").all()
            guard !claimed.isEmpty else { return .alreadyStarted }
            let counts = try await progress(electionID, on: db)
            try await AuditTrail.record(action: "handover_started", enquiryID: nil, actorID: actor.id, changes: [
                FieldChange(field: "Handover after the election of", before: "", after: (try await election(electionID, on: db))?.polling_day ?? ""),
                FieldChange(field: "Enquiries", before: "", after: String(counts.total)),
            ], at: now, on: db)
            return .started
        }
    }

    struct Progress: Sendable, Equatable {
        var total = 0
        var done = 0
    }

    static func progress(_ electionID: UUID, on db: any Database) async throws -> Progress {
        let row = try await db.sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "total")
            .column(SQLFunction("COUNT", args: SQLColumn("applied_at")), as: "done")
            .from("handover_items").where("election_id", .equal, electionID).first()
        return Progress(total: try row?.decode(column: "total", as: Int?.self) ?? 0, done: try row?.decode(column: "done", as: Int?.self) ?? 0)
    }

    /// Applies a begun handover's items not yet applied, a batch a transaction, until none is
    /// left; then records its end. Safe to run from several places at once: each batch claims its
    /// items in its own transaction. `now` is read for each batch. Returns how many items this
    /// run applied.
    @discardableResult
    static func run(_ electionID: UUID, now: @Sendable () -> Date, on db: any Database) async throws -> Int {
        guard let election = try await Handover.election(electionID, on: db), election.handover_started_at != nil else { return 0 }
        guard election.handover_finished_at == nil else { return 0 }
        let actor = try await SystemAccount.portal.actor(at: now(), on: db)
        var applied = 0
        while true {
            try Task.checkCancellation()
            let count = try await applyBatch(election, by: actor, at: now(), on: db)
            applied += count
            if count > 0, applied == count { try await recordProblem(nil, election: electionID, on: db) }
            if count == 0 { break }
        }
        let at = now()
        try await db.transaction { db in
            let pending = try await db.sql.select().column("id").from("handover_items").where("election_id", .equal, electionID)
                .where("applied_at", .is, SQLLiteral.null).limit(1).all()
            guard pending.isEmpty else { return }
            let finished = try await db.sql.update("elections").set("handover_finished_at", to: at).where("id", .equal, electionID)
                .where("handover_finished_at", .is, SQLLiteral.null).returning("id").all()
            guard !finished.isEmpty else { return }
            let counts = try await outcomes(electionID, on: db)
            try await AuditTrail.record(action: "handover_finished", enquiryID: nil, actorID: actor.user.id,
                                        changes: counts.map { FieldChange(field: $0.outcome, before: "", after: String($0.count)) }, at: at, on: db)
        }
        return applied
    }

    /// Records when a batch could not be applied (the page says so), or clears it.
    static func recordProblem(_ at: Date?, election electionID: UUID, on db: any Database) async throws {
        try await db.sql.update("elections").set("handover_problem_at", to: at).where("id", .equal, electionID).run()
    }

    /// What the applied items came to, with how many of each.
    static func outcomes(_ electionID: UUID, on db: any Database) async throws -> [(outcome: String, count: Int)] {
        try await db.sql.select().column("outcome").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "total").from("handover_items")
            .where("election_id", .equal, electionID).where("applied_at", .isNot, SQLLiteral.null).groupBy("outcome").orderBy("outcome").all()
            .map { (try $0.decode(column: "outcome", as: String?.self) ?? "", try $0.decode(column: "total", as: Int.self)) }
    }

    private struct Claimed: Decodable {
        let id: UUID
        let enquiry_id: UUID
        let member_id: UUID
        let decision: String
    }

    enum Outcome {
        static let handedOver = "Handed to officers"
        static let closedAndErased = "Closed and the resident's data erased"
        static let erasedClosed = "Already closed: the resident's data erased"
        static let draftErased = "Draft erased"
        static func untouched(_ status: String) -> String { "Nothing done: it was \(status) when the handover reached it" }
    }

    /// Claims up to a batch of items and applies them, all in one transaction. Returns how many.
    private static func applyBatch(_ election: Election, by actor: EnquiryActor, at now: Date, on db: any Database) async throws -> Int {
        let applied = try await applyInTransaction(election, by: actor, at: now, on: db)
        // An erasure inside a transaction leaves emptying SQLite's log, which still holds the
        // erased words, to after the commit (`ResidentErasure`).
        if applied > 0 { try await ResidentErasure.emptyLog(on: db) }
        return applied
    }

    private static func applyInTransaction(_ election: Election, by actor: EnquiryActor, at now: Date, on db: any Database) async throws -> Int {
        try await db.transaction { db in
            // The claim: rows another run holds are waited for and then skipped (applied_at is no
            // longer empty when PostgreSQL reads them again; SQLite runs one writer at a time).
            let claimed = try await db.sql.raw("""
                UPDATE handover_items SET applied_at = \(bind: now)
                WHERE election_id = \(bind: election.id) AND applied_at IS NULL AND id IN (
                    SELECT id FROM handover_items WHERE election_id = \(bind: election.id) AND applied_at IS NULL
                    ORDER BY number LIMIT \(unsafeRaw: String(batchSize)))
                RETURNING id, enquiry_id, member_id, decision
                """).all(decoding: Claimed.self)
            guard !claimed.isEmpty else { return 0 }
            let enquiryIDs = claimed.map(\.enquiry_id)
            var statuses: [UUID: EnquiryStatus] = [:]
            for chunk in enquiryIDs.chunked(500) {
                for row in try await db.sql.select().columns("id", "status").from(Enquiry.schema).where(EnquiryList.column("id", in: Array(chunk))).all() {
                    statuses[try row.decode(column: "id", as: UUID.self)] = EnquiryStatus(rawValue: try row.decode(column: "status", as: String.self))
                }
            }
            var names: [UUID: String] = [:]
            for row in try await db.sql.select().columns("id", "name").from(User.schema)
                .where(EnquiryList.column("id", in: Array(Set(claimed.map(\.member_id))))).all() {
                names[try row.decode(column: "id", as: UUID.self)] = try row.decode(column: "name", as: String.self)
            }
            let after = "after the election of \(election.pollingDay)"
            func left(_ item: Claimed) -> String { "\(names[item.member_id] ?? "their Member") left office" }

            let loaded = try await EnquiryWorkflow.load(claimed.filter { statuses[$0.enquiry_id] != .draft }.map(\.enquiry_id), for: actor, on: db)
            var requests: [EnquiryWorkflow.Request] = []
            var erase: [String: [UUID]] = [:]
            var outcomes: [String: [UUID]] = [:]
            for item in claimed {
                let status = statuses[item.enquiry_id]
                let open = status.map(lodged.contains) ?? false
                let outcome: String
                switch (Decision(rawValue: item.decision), status, loaded[item.enquiry_id]) {
                case (.pass?, _, let enquiry?) where open:
                    requests.append(.init(loaded: enquiry, change: .handOver(reason: "Handed to officers \(after): \(left(item))")))
                    outcome = Outcome.handedOver
                case (.close?, _, let enquiry?) where open:
                    let reason = "Closed at the handover \(after): \(left(item))"
                    requests.append(.init(loaded: enquiry, change: .closeAtHandover(reason: reason)))
                    erase[reason, default: []].append(item.enquiry_id)
                    outcome = Outcome.closedAndErased
                case (.close?, .closed?, _):
                    erase["Erased at the handover \(after): \(left(item))", default: []].append(item.enquiry_id)
                    outcome = Outcome.erasedClosed
                case (.erase?, .draft?, _):
                    erase["Draft erased at the handover \(after): \(left(item))", default: []].append(item.enquiry_id)
                    outcome = Outcome.draftErased
                default:
                    outcome = Outcome.untouched(status?.officerLabel.lowercased() ?? "missing")
                }
                outcomes[outcome, default: []].append(item.id)
            }
            try await EnquiryWorkflow.perform(requests.sorted { $0.loaded.enquiry.reference < $1.loaded.enquiry.reference }, by: actor, at: now, on: db)
            try await EnquirySharing.endAll(of: enquiryIDs, reason: "Ended at the handover \(after)", by: actor.user.id, at: now, on: db)
            for (reason, ids) in erase.sorted(by: { $0.key < $1.key }) {
                try await ResidentErasure.erase(ids, reason: reason, by: actor.user.id, at: now, on: db)
            }
            for (outcome, ids) in outcomes {
                for chunk in ids.chunked(500) {
                    try await db.sql.update("handover_items").set("outcome", to: outcome).where(EnquiryList.column("id", in: Array(chunk))).run()
                }
            }
            return claimed.count
        }
    }
}
