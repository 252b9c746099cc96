import Crypto
import Fluent
import Foundation
import PortalCore
import SQLKit

/// A resident's values in the audit trail, kept where they can be erased without breaking the
/// chain. An entry's chained text holds, in place of each personal value, nothing; its `sealed`
/// column (chained too) holds a digest of the value keyed with the enquiry's own random key; the
/// value itself sits in `audit_personal_values`. Verifying the trail checks every value still
/// kept against its digest, so a changed value is caught like a changed entry. Erasing an
/// enquiry's resident data deletes its values and its key: the chain still verifies, and without
/// the key nobody can test a guessed name or phone number against a digest.
enum AuditSeals {
    /// The audited fields that hold a resident's personal data or their words.
    static let personalFields: Set<String> = Set([EnquiryField.residentName, .residentAddress, .residentEmail, .residentPhone, .details].map(\.auditLabel))

    /// The name a value goes by in `sealed` and `audit_personal_values`.
    static func name(_ field: String, before: Bool) -> String { "\(field).\(before ? "before" : "after")" }
    static let detailName = "detail"

    /// What erased values read as.
    static let erasedMarker = "(erased)"

    /// The digest of one value of one entry: keyed, and bound to the entry and the value's name,
    /// so the same words in two entries give two digests.
    static func digest(_ value: String, name: String, entry: UUID, key: SymmetricKey) -> String {
        HMAC<SHA256>.authenticationCode(for: Data("\(entry.uuidString)\n\(name)\n\(value)".utf8), using: key).hex
    }

    /// The personal values of a record, by name: the personal fields' non-empty before and after
    /// values, and the detail when it holds someone's words.
    static func personalValues(of record: AuditTrail.Record) -> [String: String] {
        guard record.enquiryID != nil else { return [:] }
        var values: [String: String] = [:]
        for change in record.changes where personalFields.contains(change.field) {
            if !change.before.isEmpty { values[name(change.field, before: true)] = change.before }
            if !change.after.isEmpty { values[name(change.field, before: false)] = change.after }
        }
        if record.detailIsPersonal, !record.detail.isEmpty { values[detailName] = record.detail }
        return values
    }

    /// The record as the chain holds it: personal values emptied.
    static func withoutPersonalValues(_ record: AuditTrail.Record) -> (changes: [FieldChange], detail: String) {
        let changes = record.changes.map { change in
            personalFields.contains(change.field) ? FieldChange(field: change.field, before: "", after: "") : change
        }
        return (changes, record.detailIsPersonal ? "" : record.detail)
    }

    /// Each enquiry's key, made for those without one (inside the caller's transaction).
    static func keys(for enquiryIDs: Set<UUID>, on db: any Database) async throws -> [UUID: SymmetricKey] {
        guard !enquiryIDs.isEmpty else { return [:] }
        let ids = Array(enquiryIDs)
        for chunk in ids.chunked(500) {
            try await db.sql.insert(into: "enquiry_seal_keys").columns("enquiry_id", "seal_key")
                .rows(chunk.map { [SQLBind($0), SQLBind(SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() })] })
                .ignoringConflicts(with: ["enquiry_id"]).run()
        }
        return try await existingKeys(for: ids, on: db)
    }

    private static func existingKeys(for ids: [UUID], on db: any Database) async throws -> [UUID: SymmetricKey] {
        var keys: [UUID: SymmetricKey] = [:]
        for chunk in ids.chunked(500) {
            let rows = try await db.sql.select().columns("enquiry_id", "seal_key").from("enquiry_seal_keys")
                .where(EnquiryList.column("enquiry_id", in: Array(chunk))).all()
            for row in rows {
                guard let bytes = Data(base64Encoded: try row.decode(column: "seal_key", as: String.self)) else { continue }
                keys[try row.decode(column: "enquiry_id", as: UUID.self)] = SymmetricKey(data: bytes)
            }
        }
        return keys
    }

    static func encode(_ map: [String: String]) -> String {
        guard !map.isEmpty else { return "" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(map)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    static func decode(_ text: String) -> [String: String] {
        text.isEmpty ? [:] : (try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))) ?? [:]
    }

    /// The kept values of these entries, by entry.
    static func values(of entryIDs: [UUID], on db: any Database) async throws -> [UUID: [String: String]] {
        var found: [UUID: [String: String]] = [:]
        for chunk in entryIDs.chunked(500) {
            let rows = try await db.sql.select().columns("entry_id", "personal_values").from("audit_personal_values")
                .where(EnquiryList.column("entry_id", in: Array(chunk))).all()
            for row in rows { found[try row.decode(column: "entry_id", as: UUID.self)] = decode(try row.decode(column: "personal_values", as: String.self)) }
        }
        return found
    }

    /// An entry's changes and detail as people read them: each sealed value from the kept
    /// values, or the erased marker once they are gone.
    static func revealed(changes: [FieldChange], detail: String, sealed: String, values: [String: String]?) -> (changes: [FieldChange], detail: String) {
        let seals = decode(sealed)
        guard !seals.isEmpty else { return (changes, detail) }
        func value(_ name: String, _ plain: String) -> String {
            guard seals[name] != nil else { return plain }
            return values?[name] ?? erasedMarker
        }
        let shown = changes.map { change in
            FieldChange(field: change.field, before: value(name(change.field, before: true), change.before),
                        after: value(name(change.field, before: false), change.after))
        }
        return (shown, value(detailName, detail))
    }

    /// Erases the resident's values in these enquiries' trails, and their keys. The chain is
    /// untouched and still verifies.
    static func erase(enquiries ids: [UUID], on db: any Database) async throws {
        for chunk in ids.chunked(500) {
            try await db.sql.delete(from: "audit_personal_values").where(EnquiryList.column("enquiry_id", in: Array(chunk))).run()
            try await db.sql.delete(from: "enquiry_seal_keys").where(EnquiryList.column("enquiry_id", in: Array(chunk))).run()
        }
    }

    /// Every kept value against its entry's digest, a page at a time: nil when all match, or the
    /// sequence of the first entry whose values do not.
    static func firstMismatch(on db: any Database, pageSize: Int = 1_000) async throws -> (sequence: Int64, reason: String)? {
        var after: Int64 = 0
        while true {
            let rows = try await db.sql.select()
                .columns(SQLColumn("id", table: "audit_entries"), SQLColumn("sequence", table: "audit_entries"), SQLColumn("enquiry_id", table: "audit_entries"),
                         SQLColumn("sealed", table: "audit_entries"), SQLColumn("personal_values", table: "audit_personal_values"))
                .from("audit_personal_values")
                .join("audit_entries", on: SQLColumn("id", table: "audit_entries"), .equal, SQLColumn("entry_id", table: "audit_personal_values"))
                .where(SQLColumn("sequence", table: "audit_entries"), .greaterThan, SQLBind(after))
                .orderBy(SQLColumn("sequence", table: "audit_entries")).limit(pageSize).all()
            let enquiries = Set(try rows.map { try $0.decode(column: "enquiry_id", as: UUID?.self) }.compactMap { $0 })
            let keys = try await existingKeys(for: Array(enquiries), on: db)
            for row in rows {
                let sequence = try row.decode(column: "sequence", as: Int64.self)
                let entry = try row.decode(column: "id", as: UUID.self)
                let seals = decode(try row.decode(column: "sealed", as: String.self))
                let values = decode(try row.decode(column: "personal_values", as: String.self))
                guard let enquiry = try row.decode(column: "enquiry_id", as: UUID?.self), let key = keys[enquiry] else {
                    return (sequence, "a resident's values are kept without their enquiry's key")
                }
                for (name, value) in values where seals[name] != digest(value, name: name, entry: entry, key: key) {
                    return (sequence, "a resident's value does not match its seal")
                }
                after = sequence
            }
            if rows.count < pageSize { return nil }
        }
    }
}
