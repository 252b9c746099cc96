import Fluent
import Foundation
import PortalCore
@testable import PortalServer
import SQLKit
import Testing
import Vapor

/// A trail upgraded from before seals: its older entries hold residents' values in the chained
/// text. Resealing moves them out, re-anchors the chain and records that it did, so erasure then
/// removes them like any other; it refuses a chain that does not verify.
@Suite struct AuditResealTests {
    /// Appends entries the way the trail wrote them before seals: every value in the chained text.
    static func appendUnsealed(_ records: [AuditTrail.Record], at date: Date, on db: any Database) async throws {
        for record in records {
            let head = try #require(try await db.sql.raw("UPDATE audit_head SET sequence = sequence + 1 WHERE id = 1 RETURNING sequence, hash").first())
            let entry = AuditEntry()
            entry.id = UUID()
            entry.sequence = try head.decode(column: "sequence", as: Int64.self)
            entry.enquiryID = record.enquiryID
            entry.actorID = record.actorID
            entry.action = record.action
            entry.changes = AuditTrail.encode(record.changes)
            entry.detail = record.detail
            entry.sealed = ""
            entry.recordedAt = AuditTrail.timestamp(date)
            entry.previousHash = try head.decode(column: "hash", as: String.self)
            entry.hash = AuditTrail.hash(of: entry)
            try await entry.create(on: db)
            try await db.sql.update("audit_head").set("hash", to: entry.hash).where("id", .equal, 1).run()
        }
    }

    static func chainedText(_ app: Application) async throws -> String {
        try await AuditEntry.query(on: app.db).all().map { $0.changes + $0.detail + $0.sealed }.joined(separator: "\n")
    }

    static func head(_ app: Application) async throws -> String {
        try #require(try await app.db.sql.raw("SELECT hash FROM audit_head WHERE id = 1").first()).decode(column: "hash", as: String.self)
    }

    @Test func olderEntriesAreResealedOnceTheChainReAnchoredAndRecordedAndErasureThenRemovesTheirValues() async throws {
        try await withApp { app in
            let fixtures = Fixtures(app: app)
            let kept = try await fixtures.submitted()
            let erased = try await fixtures.submitted(subject: "Bins not collected")
            let keptID = try kept.requireID(), erasedID = try erased.requireID()
            let coordinator = try await fixtures.user("coordinator@demo.test").requireID()
            try await Self.appendUnsealed([
                .init(action: "edit_details", enquiryID: keptID, actorID: coordinator,
                      changes: [FieldChange(field: "Resident name", before: "Pat Jones", after: "Zebedee Quince"),
                                FieldChange(field: "Subject", before: "Street light out on Mill Lane", after: "Street light out")]),
                .init(action: EnquiryAction.askResponder.rawValue, enquiryID: keptID, actorID: coordinator, detail: "Asked 1 officer(s): Is Zebedee Quince at home?"),
                .init(action: "edit_details", enquiryID: erasedID, actorID: coordinator,
                      changes: [FieldChange(field: "Resident phone", before: "", after: "07700 900555 Yolanda")]),
            ], at: app.now, on: app.db)
            // Erased under the old trail: its value stayed in the chained text.
            let admin = try await fixtures.user("admin@demo.test").requireID()
            try await ResidentErasure.erase([erasedID], reason: "Subject's request for erasure", by: admin, at: app.now, on: app.db)
            _ = try await fixtures.take(kept)
            let entriesBefore = try await AuditEntry.query(on: app.db).count()
            let firstOld = try #require(try await AuditEntry.query(on: app.db).filter(\.$sealed == "").filter(\.$action == "edit_details").sort(\.$sequence).first()).sequence
            #expect(try await AuditTrail.verify(on: app.db) == .intact(entries: entriesBefore))
            #expect(try await Self.chainedText(app).contains("Zebedee Quince"))
            #expect(try await Self.chainedText(app).contains("Yolanda"))
            let headBefore = try await Self.head(app)

            let outcome = try await AuditReseal.run(at: app.now, on: app.db)
            guard case .resealed(let entries, let from, let rechained, let before, let after) = outcome else {
                Issue.record("resealed: \(outcome)"); return
            }
            #expect(entries == 3 && from == firstOld && rechained == entriesBefore - Int(firstOld) + 1)
            #expect(before == headBefore && after != headBefore)

            // Out of the chained text; the kept enquiry's values are kept apart, the erased one's nowhere.
            let chained = try await Self.chainedText(app)
            #expect(!chained.contains("Zebedee") && !chained.contains("Yolanda"))
            #expect(chained.contains("Street light out"), "what is not a resident's value stays")
            let trail = try await AuditSealTests.trailText(app)
            #expect(trail.contains("Zebedee Quince") && !trail.contains("Yolanda"))
            #expect(try await ResidentErasureTests.whereFound("Yolanda", app) == [])

            // The chain verifies, with one more entry saying what was done.
            #expect(try await AuditTrail.verify(on: app.db) == .intact(entries: entriesBefore + 1))
            let record = try #require(try await AuditEntry.query(on: app.db).sort(\.$sequence, .descending).first())
            #expect(record.action == AuditReseal.action && record.enquiryID == nil)
            #expect(record.detail.contains("Resealed 3 entries") && record.detail.contains("from entry \(firstOld)")
                && record.detail.contains(headBefore) && record.detail.contains(after))

            // Officers read the values as before.
            let officer = try await TestBrowser(app).signedIn("coordinator@demo.test")
            let page = try await officer.get("/enquiries/\(keptID.uuidString)")
            #expect(page.mainText.contains("Resident name: “Pat Jones” → “Zebedee Quince”"))
            #expect(page.mainText.contains("Asked 1 officer(s): Is Zebedee Quince at home?"))

            // Once only, and the trail is append-only again.
            #expect(try await AuditReseal.run(at: app.now, on: app.db) == .nothingToReseal)
            #expect(try await AuditEntry.query(on: app.db).count() == entriesBefore + 1)
            await #expect(throws: (any Error).self) {
                try await app.db.sql.raw("UPDATE audit_entries SET detail = 'rewritten'").run()
            }

            // Erasure now removes the older values too, and the trail still verifies.
            try await ResidentErasure.erase([keptID], reason: "Subject's request for erasure", by: admin, at: app.now, on: app.db)
            #expect(try await ResidentErasureTests.whereFound("Zebedee", app) == [])
            #expect(try await AuditTrail.verify(on: app.db) == .intact(entries: entriesBefore + 2))
        }
    }

    @Test func aChainThatDoesNotVerifyIsNotResealed() async throws {
        try await withApp { app in
            let fixtures = Fixtures(app: app)
            let enquiry = try await fixtures.submitted()
            try await Self.appendUnsealed([
                .init(action: "edit_details", enquiryID: try enquiry.requireID(), actorID: nil,
                      changes: [FieldChange(field: "Resident name", before: "Pat Jones", after: "Zebedee Quince")]),
            ], at: app.now, on: app.db)
            _ = try await fixtures.take(enquiry)
            let sql = app.db.sql
            try await CreateAuditTrail.liftAppendOnly(app.db)
            try await sql.update("audit_entries").set("detail", to: "nothing happened").where("sequence", .equal, 1).run()
            try await CreateAuditTrail.guardAppendOnly(app.db)
            let broken = AuditTrail.Verification.broken(sequence: 1, reason: "its content does not match its hash")
            let entries = try await AuditEntry.query(on: app.db).count()
            let head = try await Self.head(app)
            #expect(try await AuditReseal.run(at: app.now, on: app.db) == .refused(broken))
            #expect(try await AuditEntry.query(on: app.db).count() == entries)
            #expect(try await Self.head(app) == head)
            #expect(try await Self.chainedText(app).contains("Zebedee Quince"), "left as it was, for the council to look into")
            #expect(try await AuditTrail.verify(on: app.db) == broken)
        }
    }

    /// On SQLite, the values moved out of the chained text leave no copy in the file's free space
    /// or its write-ahead log.
    @Test(.enabled(if: TestDatabase.postgresURL == nil, "SQLite's files")) func theSQLiteFilesKeepNoCopyOfAnErasedEnquirysOlderValues() async throws {
        try await withApp { app in
            guard case .sqlite(let path) = app.portal.database else { Issue.record("not SQLite"); return }
            _ = try await app.db.sql.raw("PRAGMA journal_mode = WAL").all()
            let fixtures = Fixtures(app: app)
            let enquiry = try await fixtures.submitted()
            try await Self.appendUnsealed([
                .init(action: "edit_details", enquiryID: try enquiry.requireID(), actorID: nil,
                      changes: [FieldChange(field: "Resident email", before: "", after: "quince.846213@example.com")]),
            ], at: app.now, on: app.db)
            let admin = try await fixtures.user("admin@demo.test").requireID()
            try await ResidentErasure.erase([enquiry.requireID()], reason: "Subject's request for erasure", by: admin, at: app.now, on: app.db)
            func inFiles() -> Bool {
                [path, path + "-wal"].contains { (FileManager.default.contents(atPath: $0) ?? Data()).range(of: Data("quince.846213".utf8)) != nil }
            }
            #expect(inFiles(), "in the chained text before")
            _ = try await AuditReseal.run(at: app.now, on: app.db)
            #expect(!inFiles())
        }
    }
}
