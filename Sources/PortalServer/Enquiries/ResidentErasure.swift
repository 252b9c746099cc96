import Fluent
import Foundation
import PortalCore
import SQLKit

/// Erases a resident's personal data from enquiries, everywhere it lives: the resident's name,
/// address, email and phone; the free text of the details, the conversation, questions and
/// answers (each replaced by a marker saying when and why); documents' bytes and names; the
/// search index; email bodies queued or sent about the enquiry; in-app notification texts; the
/// highways report's body and the system's words; a partner's outcome; and the resident's values
/// in the audit trail (`AuditSeals`). What reports count stays: reference, service area, type,
/// place codes, dates, statuses and working-day figures. Each enquiry's trail records the
/// erasure and its reason. Erasing an enquiry already erased writes the marker again and
/// changes nothing else. Webhooks are not touched: their bodies never held personal data or
/// anyone's words (`WebhookPayload`).
enum ResidentErasure {
    /// The text that stands where erased words were.
    static func marker(reason: String, at now: Date, calendar: WorkingDayClock) -> String {
        "Erased on \(calendar.localDate(of: now).longText): \(reason)"
    }

    /// Refused: a reason must say why, on one line.
    struct BadReason: Error, CustomStringConvertible {
        let description: String
    }

    static let reasonLimit = 300

    static func checkReason(_ reason: String) throws -> String {
        let reason = reason.trimmingWhitespace()
        guard !reason.isEmpty else { throw BadReason(description: "Enter the reason for erasing") }
        guard TextRules.isSingleLine(reason), reason.count <= reasonLimit else {
            throw BadReason(description: "Enter the reason on one line, at most \(reasonLimit) characters")
        }
        return reason
    }

    /// Erases these enquiries' residents' data in one transaction, a few statements for them all,
    /// and returns how many it erased. With `onlyIfNotErased`, those erased before (by another
    /// instance's run a moment ago, say) are left as they are: each is claimed in the transaction.
    @discardableResult
    static func erase(_ ids: [UUID], reason: String, by actorID: UUID?, at now: Date, onlyIfNotErased: Bool = false,
                      on db: any Database) async throws -> Int {
        let reason = try checkReason(reason)
        let ids = Array(Set(ids))
        guard !ids.isEmpty else { return 0 }
        let calendar = try await ServiceLevelSettings.load(on: db).clock
        let marker = marker(reason: reason, at: now, calendar: calendar)
        return try await overwritingWhatIsReplaced(on: db) { connection in
            try await eraseTogether(ids, marker: marker, reason: reason, by: actorID, at: now, onlyIfNotErased: onlyIfNotErased, on: connection)
        } changed: { $0 > 0 }
    }

    /// Runs `work` so that the words it replaces or deletes are left nowhere in the database's
    /// files. SQLite keeps what a statement replaces or deletes in the file's free space, and
    /// older copies of pages in its write-ahead log, until they are overwritten. On one
    /// connection, for the work, it overwrites them with zeros (`secure_delete`); afterwards, when
    /// `changed` says something was, the log is copied into the file and emptied, so the words are
    /// in neither. PostgreSQL runs the work as it is.
    static func overwritingWhatIsReplaced<T: Sendable>(on db: any Database, _ work: @Sendable @escaping (any Database) async throws -> T,
                                                       changed: @Sendable @escaping (T) -> Bool = { _ in true }) async throws -> T {
        guard !EnquirySearch.isPostgres(db) else { return try await work(db) }
        return try await db.withConnection { connection in
            try await connection.sql.raw("PRAGMA secure_delete = ON").run()
            let result: T
            do {
                result = try await work(connection)
            } catch {
                try? await connection.sql.raw("PRAGMA secure_delete = OFF").run()
                throw error
            }
            try await connection.sql.raw("PRAGMA secure_delete = OFF").run()
            // Inside a caller's transaction the log cannot be emptied until it commits: the caller
            // empties it then.
            if changed(result), !connection.inTransaction { try await emptyLog(on: connection) }
            return result
        }
    }

    /// Copies SQLite's write-ahead log into the database file and truncates it, trying a few
    /// times while readers hold older pages; at worst the next checkpoint finishes the work.
    /// Nothing to do on PostgreSQL.
    static func emptyLog(on db: any Database) async throws {
        guard !EnquirySearch.isPostgres(db) else { return }
        for attempt in 0..<5 {
            let row = try await db.sql.raw("PRAGMA wal_checkpoint(TRUNCATE)").first()
            if try row?.decode(column: "busy", as: Int.self) == 0 { return }
            try await Task.sleep(for: .milliseconds(20 * (attempt + 1)))
        }
    }

    private static func eraseTogether(_ requested: [UUID], marker: String, reason: String, by actorID: UUID?, at now: Date,
                                      onlyIfNotErased: Bool, on db: any Database) async throws -> Int {
        try await db.transaction { db in
            try await AuditTrail.lockHead(on: db)
            // Claimed: each enquiry's row is marked erased first, so of two runs at once one
            // waits for the other and then finds nothing left to claim.
            var ids: [UUID] = []
            for chunk in requested.chunked(500).map(Array.init) {
                var claim = db.sql.update(Enquiry.schema)
                    .set(SQLColumn("erased_at"), to: SQLFunction("COALESCE", args: SQLColumn("erased_at"), SQLBind(now)))
                    .where(EnquiryList.column("id", in: chunk))
                if onlyIfNotErased { claim = claim.where("erased_at", .is, SQLLiteral.null) }
                ids += try await claim.returning("id").all().map { try $0.decode(column: "id", as: UUID.self) }
            }
            guard !ids.isEmpty else { return 0 }
            for chunk in ids.chunked(500).map(Array.init) {
                try await eraseRows(chunk, marker: marker, at: now, on: db)
            }
            try await SearchIndex.reindex(ids, on: db)
            // SQLite's full-text index keeps a replaced document's words in its segments until they
            // are merged; one merge of the whole index, for all the enquiries erased together, drops
            // them. (Forgetting them at every change instead, FTS5's secure-delete, made applying
            // highways updates four times slower.) PostgreSQL keeps each enquiry's words in its row.
            if !EnquirySearch.isPostgres(db) {
                try await db.sql.raw("INSERT INTO enquiry_fts (enquiry_fts) VALUES ('optimize')").run()
            }
            try await AuditSeals.erase(enquiries: ids, on: db)
            try await AuditTrail.record(ids.sorted { $0.uuidString < $1.uuidString }.map {
                AuditTrail.Record(action: "erase_resident_data", enquiryID: $0, actorID: actorID, detail: "Resident's personal data erased: \(reason)")
            }, at: now, on: db)
            return ids.count
        }
    }

    private static func eraseRows(_ ids: [UUID], marker: String, at now: Date, on db: any Database) async throws {
        let sql = db.sql
        let these = EnquiryList.column("id", in: ids), theirs = EnquiryList.column("enquiry_id", in: ids)
        try await sql.update(Enquiry.schema)
            .set("resident_name", to: SQLLiteral.null).set("resident_address", to: SQLLiteral.null)
            .set("resident_phone", to: SQLLiteral.null).set("resident_email", to: SQLLiteral.null)
            .set("details", to: marker).set(SQLColumn("version"), to: SQLRaw("version + 1"))
            .where(these).run()
        try await sql.update(EnquiryEntry.schema).set("body", to: marker).where(theirs).run()
        for column in ["question", "answer", "withdrawn_reason"] {
            try await sql.update(ResponderQuestion.schema).set(SQLColumn(column), to: marker)
                .where(theirs).where(SQLColumn(column), .isNot, SQLLiteral.null).run()
        }
        // Documents: the bytes go; the record stays, removed, so the trail's mentions still resolve.
        let documents = try await sql.select().column("id").from("documents").where(theirs).all().map { try $0.decode(column: "id", as: UUID.self) }
        for chunk in documents.chunked(500) {
            try await sql.delete(from: "document_chunks").where(EnquiryList.column("document_id", in: Array(chunk))).run()
        }
        try await sql.update("documents").set("name", to: "Erased document").set("sha256", to: "").set("state", to: "removed")
            .set(SQLColumn("removed_at"), to: SQLFunction("COALESCE", args: SQLColumn("removed_at"), SQLBind(now))).where(theirs).run()
        try await sql.update("notifications").set("message", to: marker).where(theirs).run()
        // Email about the enquiry links to its page; a partner's referral email is the referral's.
        var mail: [any SQLExpression] = ids.map { SQLBinaryExpression(SQLColumn("link_path"), .like, SQLBind("/enquiries/\($0.uuidString)%")) }
        mail += ids.map { SQLBinaryExpression(SQLColumn("link_path"), .like, SQLBind("/enquiries/\($0.uuidString.lowercased())%")) }
        let referralMail = try await sql.select().column("outbox_id").from("partner_referrals").where(theirs).where("outbox_id", .isNot, SQLLiteral.null).all()
            .map { try $0.decode(column: "outbox_id", as: UUID.self) }
        if !referralMail.isEmpty { mail.append(EnquiryList.column("id", in: referralMail)) }
        try await sql.update("outbox").set("subject", to: "Erased").set("message", to: marker)
            .where(SQLGroupExpression(SQLList(mail, separator: SQLRaw(" OR ")))).run()
        try await sql.update("partner_referrals").set("outcome_text", to: marker).where(theirs).where("outcome_text", .isNot, SQLLiteral.null).run()
        try await sql.update("highways_updates").set("description", to: marker).where(theirs).run()
        // A report not yet sent cannot go without its words: it fails, for nobody to send.
        let settled = [HighwaysSend.State.sent.rawValue, HighwaysSend.State.failed.rawValue]
        try await sql.update("highways_sends").set("state", to: HighwaysSend.State.failed.rawValue).set("last_error", to: "The resident's data was erased before it was sent")
            .where(theirs).where(SQLColumn("state"), .notIn, SQLGroupExpression(settled.map { SQLBind($0) })).run()
        try await sql.update("highways_sends").set("body", to: "[]").where(theirs).run()
    }
}
