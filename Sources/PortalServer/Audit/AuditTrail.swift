import Crypto
import Fluent
import Foundation
import SQLKit

/// One change to one field, as the trail records it.
struct FieldChange: Codable, Sendable, Equatable {
    let field: String
    let before: String
    let after: String
}

/// A recorded action. Written once by `AuditTrail.record`; the database refuses updates and deletes.
final class AuditEntry: Model, @unchecked Sendable {
    static let schema = "audit_entries"

    @ID(key: .id) var id: UUID?
    @Field(key: "sequence") var sequence: Int64
    @OptionalField(key: "enquiry_id") var enquiryID: UUID?
    @OptionalField(key: "actor_id") var actorID: UUID?
    @Field(key: "action") var action: String
    /// JSON array of `FieldChange`, keys sorted, so the hash is reproducible.
    @Field(key: "changes") var changes: String
    @Field(key: "detail") var detail: String
    /// ISO 8601 with milliseconds, kept as text so the hashed value never changes on a round trip.
    @Field(key: "recorded_at") var recordedAt: String
    @Field(key: "previous_hash") var previousHash: String
    @Field(key: "hash") var hash: String
    /// JSON object of the digests of the resident's values left out of `changes` and `detail`
    /// (`AuditSeals`); empty when there are none, as in entries written before seals.
    @Field(key: "sealed") var sealed: String

    init() {}

    var decodedChanges: [FieldChange] {
        (try? JSONDecoder().decode([FieldChange].self, from: Data(changes.utf8))) ?? []
    }
}

/// The append-only audit trail. Each entry's hash covers its own content and the previous entry's
/// hash, so changing or removing any entry breaks every hash after it.
///
/// Appending first updates the single `audit_head` row, which takes its lock: on PostgreSQL the
/// row lock, on SQLite the database write lock. Two appenders therefore wait for each other, and
/// the chain cannot fork however many app instances are writing.
enum AuditTrail {
    static let genesis = String(repeating: "0", count: 64)

    /// On PostgreSQL, takes the trail's head row first thing in a transaction that changes
    /// enquiries. Every such change appends to the trail, so each waits here for the one before
    /// and none can hold another's rows (an enquiry, a heat-map tally) while waiting for its
    /// own: a change of a thousand enquiries and an officer's change of one cannot deadlock. On
    /// SQLite the database's own write lock does the same.
    static func lockHead(on db: any Database) async throws {
        guard EnquirySearch.isPostgres(db) else { return }
        try await db.sql.raw("SELECT sequence FROM audit_head WHERE id = 1 FOR UPDATE").run()
    }

    /// One action to record.
    struct Record: Sendable {
        let action: String
        let enquiryID: UUID?
        let actorID: UUID?
        var changes: [FieldChange] = []
        var detail = ""
        /// The detail holds someone's words (a question, an answer), sealed like a resident's values.
        var detailIsPersonal = false
    }

    @discardableResult
    static func record(
        action: String, enquiryID: UUID?, actorID: UUID?, changes: [FieldChange] = [], detail: String = "",
        at date: Date, on db: any Database
    ) async throws -> AuditEntry {
        try await record([Record(action: action, enquiryID: enquiryID, actorID: actorID, changes: changes, detail: detail)], at: date, on: db)[0]
    }

    /// Appends these in order: the head moves by their number in one step, the chain is made in
    /// memory, and the entries are written together.
    @discardableResult
    static func record(_ records: [Record], at date: Date, on db: any Database) async throws -> [AuditEntry] {
        guard !records.isEmpty else { return [] }
        guard let head = try await db.sql.raw("""
            UPDATE audit_head SET sequence = sequence + \(bind: Int64(records.count)) WHERE id = 1 RETURNING sequence, hash
            """).first()
        else { throw AuditError("The audit trail's head row is missing") }
        var sequence = try head.decode(column: "sequence", as: Int64.self) - Int64(records.count)
        var previous = try head.decode(column: "hash", as: String.self)
        let recordedAt = timestamp(date)
        // A resident's values stay out of the chained text: a keyed digest stands in for each.
        let personal = records.map(AuditSeals.personalValues)
        let keys = try await AuditSeals.keys(for: Set(zip(records, personal).compactMap { $1.isEmpty ? nil : $0.enquiryID }), on: db)
        var kept: [[any SQLExpression]] = []
        let entries = try zip(records, personal).map { record, values in
            sequence += 1
            let entry = AuditEntry()
            let id = UUID()
            entry.id = id
            entry.sequence = sequence
            entry.enquiryID = record.enquiryID
            entry.actorID = record.actorID
            entry.action = record.action
            let chained = values.isEmpty ? (record.changes, record.detail) : AuditSeals.withoutPersonalValues(record)
            entry.changes = encode(chained.0)
            entry.detail = chained.1
            entry.sealed = ""
            if !values.isEmpty, let enquiry = record.enquiryID {
                guard let key = keys[enquiry] else { throw AuditError("No seal key for an enquiry being recorded") }
                entry.sealed = AuditSeals.encode(Dictionary(uniqueKeysWithValues: values.map { name, value in
                    (name, AuditSeals.digest(value, name: name, entry: id, key: key))
                }))
                kept.append([SQLBind(id), SQLBind(enquiry), SQLBind(AuditSeals.encode(values))])
            }
            entry.recordedAt = recordedAt
            entry.previousHash = previous
            entry.hash = hash(of: entry)
            previous = entry.hash
            return entry
        }
        try await BulkInsert.rows(into: AuditEntry.schema,
                                  columns: ["id", "sequence", "enquiry_id", "actor_id", "action", "changes", "detail", "recorded_at", "previous_hash", "hash", "sealed"],
                                  rows: entries.map { entry in
                                      [SQLBind(entry.id), SQLBind(entry.sequence), SQLBind(entry.enquiryID), SQLBind(entry.actorID), SQLBind(entry.action),
                                       SQLBind(entry.changes), SQLBind(entry.detail), SQLBind(entry.recordedAt), SQLBind(entry.previousHash), SQLBind(entry.hash),
                                       SQLBind(entry.sealed)]
                                  }, on: db)
        try await BulkInsert.rows(into: "audit_personal_values", columns: ["entry_id", "enquiry_id", "personal_values"], rows: kept, on: db)
        try await db.sql.update("audit_head").set("hash", to: previous).where("id", .equal, 1).run()
        return entries
    }

    static func hash(of entry: AuditEntry) -> String {
        let fields = [
            String(entry.sequence), entry.previousHash, entry.recordedAt, entry.enquiryID?.uuidString ?? "-",
            entry.actorID?.uuidString ?? "-", entry.action, entry.changes, entry.detail,
        ] + (entry.sealed.isEmpty ? [] : [entry.sealed])
        // Lengths first, so no two different entries can produce the same text.
        let text = fields.map { "\($0.utf8.count):\($0)" }.joined(separator: "|")
        return SHA256.hash(data: Data(text.utf8)).hex
    }

    static func encode(_ changes: [FieldChange]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(changes)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }

    /// The differences between two snapshots of audited fields, in name order.
    static func changes(from before: [String: String], to after: [String: String]) -> [FieldChange] {
        Set(before.keys).union(after.keys).sorted().compactMap { field in
            let old = before[field] ?? "", new = after[field] ?? ""
            return old == new ? nil : FieldChange(field: field, before: old, after: new)
        }
    }

    /// What changed on an enquiry since the person saw it at `version`. Every change bumps the
    /// version by one and writes one entry (creation writes the first), so the entries after the
    /// first `version` are exactly the changes since. Documents are recorded on the enquiry's
    /// trail without changing the enquiry, so their entries are not counted.
    static func changes(toEnquiry id: UUID, since version: Int, on db: any Database) async throws -> [FieldChange] {
        let later = try await AuditEntry.query(on: db).filter(\.$enquiryID == id).sort(\.$sequence).all()
            .filter { !$0.action.hasPrefix(documentActionPrefix) }
            .dropFirst(max(0, version))
        let values = try await AuditSeals.values(of: later.compactMap(\.id), on: db)
        var merged: [String: FieldChange] = [:]
        for change in later.flatMap({ AuditSeals.revealed(changes: $0.decodedChanges, detail: $0.detail, sealed: $0.sealed, values: values[$0.id!]).changes }) {
            let first = merged[change.field]?.before ?? change.before
            merged[change.field] = FieldChange(field: change.field, before: first, after: change.after)
        }
        return merged.values.filter { $0.before != $0.after }.sorted { $0.field < $1.field }
    }

    /// The prefix of audit actions about an enquiry's documents, which leave its version alone.
    static let documentActionPrefix = "document_"

    enum Verification: Equatable {
        case intact(entries: Int)
        case broken(sequence: Int64, reason: String)
    }

    /// Walks the whole chain in order, a page at a time, and stops at the first broken link.
    static func verify(on db: any Database, pageSize: Int = 1000) async throws -> Verification {
        var expectedPrevious = genesis
        var expectedSequence: Int64 = 1
        var count = 0
        while true {
            let page = try await AuditEntry.query(on: db)
                .filter(\.$sequence >= expectedSequence).sort(\.$sequence).limit(pageSize).all()
            for entry in page {
                if entry.sequence != expectedSequence {
                    return .broken(sequence: expectedSequence, reason: "entry \(expectedSequence) is missing")
                }
                if entry.previousHash != expectedPrevious {
                    return .broken(sequence: entry.sequence, reason: "it does not follow the entry before it")
                }
                if hash(of: entry) != entry.hash {
                    return .broken(sequence: entry.sequence, reason: "its content does not match its hash")
                }
                expectedPrevious = entry.hash
                expectedSequence += 1
                count += 1
            }
            if page.count < pageSize { break }
        }
        let headRow = try await db.sql.raw("SELECT sequence, hash FROM audit_head WHERE id = 1").first()
        let headSequence = try headRow?.decode(column: "sequence", as: Int64.self) ?? 0
        let headHash = try headRow?.decode(column: "hash", as: String.self) ?? genesis
        if headSequence != expectedSequence - 1 || headHash != expectedPrevious {
            return .broken(sequence: expectedSequence, reason: "entries after \(expectedSequence - 1) have been removed")
        }
        if let mismatch = try await AuditSeals.firstMismatch(on: db) { return .broken(sequence: mismatch.sequence, reason: mismatch.reason) }
        return .intact(entries: count)
    }
}

struct AuditError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
