import Crypto
import Fluent
import Foundation
import PortalCore
import SQLKit

/// Entries written before seals (`AuditSeals`) hold a resident's values in their chained text,
/// where erasing them would break the chain. Resealing moves those values out, the way entries
/// are written now, and so re-anchors the chain from the first entry it changes: every later
/// entry gets its new link and hash. It is done once, when a portal is upgraded, and only to a
/// chain that verifies first, so it can never launder an entry changed behind the trail's back.
/// It ends by appending an entry that records how many entries it resealed, from which sequence,
/// and the head's hash before and after, so a hash kept outside the portal can still be matched
/// to the trail. The values of enquiries already erased are not kept at all: they are sealed
/// under a key that is thrown away.
enum AuditReseal {
    static let action = "audit_resealed"

    /// The actions whose detail is someone's words (a question, an answer), as written before seals.
    static let personalDetailActions: Set<String> = Set([EnquiryAction.askResponder, .answerQuestion, .withdrawQuestion].map(\.rawValue))

    enum Outcome: Equatable {
        /// No entry holds a resident's values in its chained text.
        case nothingToReseal
        /// The chain does not verify; nothing was changed.
        case refused(AuditTrail.Verification)
        case resealed(entries: Int, fromSequence: Int64, rechained: Int, headBefore: String, headAfter: String)
    }

    static func record(of entry: AuditEntry) -> AuditTrail.Record {
        AuditTrail.Record(action: entry.action, enquiryID: entry.enquiryID, actorID: entry.actorID, changes: entry.decodedChanges,
                          detail: entry.detail, detailIsPersonal: personalDetailActions.contains(entry.action))
    }

    /// The values an entry still holds in its chained text.
    static func unsealedValues(of entry: AuditEntry) -> [String: String] {
        entry.sealed.isEmpty ? AuditSeals.personalValues(of: record(of: entry)) : [:]
    }

    static func run(at now: Date, on db: any Database, pageSize: Int = 1_000) async throws -> Outcome {
        guard let first = try await firstUnsealed(on: db, pageSize: pageSize) else { return .nothingToReseal }
        let verification = try await AuditTrail.verify(on: db)
        guard case .intact = verification else {
            db.logger.warning("The audit trail was not resealed: it is broken (\(verification)). Residents' values written before seals stay in its chained text.")
            return .refused(verification)
        }
        return try await ResidentErasure.overwritingWhatIsReplaced(on: db) { db in
            try await db.transaction { db in
                try await AuditTrail.lockHead(on: db)
                return try await reseal(from: first, at: now, on: db, pageSize: pageSize)
            }
        }
    }

    /// The sequence of the first entry that holds a resident's values in its chained text.
    private static func firstUnsealed(on db: any Database, pageSize: Int) async throws -> Int64? {
        var after: Int64 = 0
        while true {
            let page = try await AuditEntry.query(on: db).filter(\.$sequence > after).filter(\.$sealed == "").filter(\.$enquiryID != nil)
                .sort(\.$sequence).limit(pageSize).all()
            if let found = page.first(where: { !unsealedValues(of: $0).isEmpty }) { return found.sequence }
            guard page.count == pageSize, let last = page.last else { return nil }
            after = last.sequence
        }
    }

    private static func reseal(from first: Int64, at now: Date, on db: any Database, pageSize: Int) async throws -> Outcome {
        let headBefore = try await db.sql.raw("SELECT hash FROM audit_head WHERE id = 1").first()?.decode(column: "hash", as: String.self) ?? AuditTrail.genesis
        guard var previous = try await AuditEntry.query(on: db).filter(\.$sequence == first - 1).first()?.hash ?? (first == 1 ? AuditTrail.genesis : nil) else {
            throw AuditError("The entry before \(first) is missing")
        }
        try await CreateAuditTrail.liftAppendOnly(db)
        var resealed = 0, rechained = 0
        var after = first - 1
        while true {
            let page = try await AuditEntry.query(on: db).filter(\.$sequence > after).sort(\.$sequence).limit(pageSize).all()
            guard let last = page.last else { break }
            let unsealed = page.map(unsealedValues)
            let enquiries = Set(zip(page, unsealed).compactMap { $1.isEmpty ? nil : $0.enquiryID })
            let kept = try await notErased(enquiries, on: db)
            let keys = try await AuditSeals.keys(for: kept, on: db)
            var writes: [ColumnWrites.Row] = []
            var values: [[any SQLExpression]] = []
            for (entry, personal) in zip(page, unsealed) {
                let id = try entry.requireID()
                var columns: [(column: String, value: any SQLExpression)] = []
                if !personal.isEmpty, let enquiry = entry.enquiryID {
                    let key = keys[enquiry] ?? SymmetricKey(size: .bits256)
                    let chained = AuditSeals.withoutPersonalValues(record(of: entry))
                    entry.changes = AuditTrail.encode(chained.changes)
                    entry.detail = chained.detail
                    entry.sealed = AuditSeals.encode(Dictionary(uniqueKeysWithValues: personal.map { name, value in
                        (name, AuditSeals.digest(value, name: name, entry: id, key: key))
                    }))
                    columns += [("changes", SQLBind(entry.changes)), ("detail", SQLBind(entry.detail)), ("sealed", SQLBind(entry.sealed))]
                    if keys[enquiry] != nil { values.append([SQLBind(id), SQLBind(enquiry), SQLBind(AuditSeals.encode(personal))]) }
                    resealed += 1
                }
                entry.previousHash = previous
                entry.hash = AuditTrail.hash(of: entry)
                previous = entry.hash
                columns += [("previous_hash", SQLBind(entry.previousHash)), ("hash", SQLBind(entry.hash))]
                writes.append(.init(id: id, columns: columns))
                rechained += 1
            }
            try await ColumnWrites.write(writes, to: AuditEntry.schema, on: db)
            try await BulkInsert.rows(into: "audit_personal_values", columns: ["entry_id", "enquiry_id", "personal_values"], rows: values, on: db)
            after = last.sequence
            if page.count < pageSize { break }
        }
        try await db.sql.update("audit_head").set("hash", to: previous).where("id", .equal, 1).run()
        try await CreateAuditTrail.guardAppendOnly(db)
        let detail = "Resealed \(resealed) entries written before residents' values were kept apart, re-anchoring the chain from entry \(first) "
            + "(\(rechained) entries rechained). Head before: \(headBefore). Head after: \(previous)."
        try await AuditTrail.record(action: action, enquiryID: nil, actorID: nil, detail: detail, at: now, on: db)
        return .resealed(entries: resealed, fromSequence: first, rechained: rechained, headBefore: headBefore, headAfter: previous)
    }

    /// Of these enquiries, those that still exist and have not been erased.
    private static func notErased(_ ids: Set<UUID>, on db: any Database) async throws -> Set<UUID> {
        var found: Set<UUID> = []
        for chunk in Array(ids).chunked(500) {
            let rows = try await db.sql.select().column("id").from(Enquiry.schema)
                .where(EnquiryList.column("id", in: Array(chunk))).where("erased_at", .is, SQLLiteral.null).all()
            for row in rows { found.insert(try row.decode(column: "id", as: UUID.self)) }
        }
        return found
    }
}

/// Reseals the entries written before seals, once, on upgrade (`AuditReseal`).
struct ResealAuditTrail: AsyncMigration {
    let clock: PortalClock

    func prepare(on database: any Database) async throws {
        _ = try await AuditReseal.run(at: clock.now(), on: database)
    }

    func revert(on database: any Database) async throws {}
}
