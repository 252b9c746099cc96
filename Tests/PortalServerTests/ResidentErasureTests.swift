import Fluent
import Foundation
import PortalCore
@testable import PortalServer
import SQLKit
import Testing
import Vapor

/// Erasing a resident's data: a unique string planted everywhere their data can live is found in
/// no table afterwards, what reports count stays, and the audit trail still verifies and still
/// catches tampering.
@Suite struct ResidentErasureTests {
    static let planted = "739184625013"

    /// The tables and columns holding the planted string, read as text from every column of every table.
    static func whereFound(_ text: String, _ app: Application) async throws -> [String] {
        let sql = app.db.sql
        var found: [String] = []
        if sql.dialect.name == "postgresql" {
            let tables = try await sql.raw("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename").all()
                .map { try $0.decode(column: "tablename", as: String.self) }
            for table in tables {
                // The whole row as text: bytea as hex, a tsvector as its words.
                let hex = text.utf8.map { String(format: "%02x", $0) }.joined()
                let rows = try await sql.raw("SELECT COUNT(*) AS n FROM \(ident: table) t WHERE CAST(t AS TEXT) LIKE \(bind: "%" + text + "%") OR CAST(t AS TEXT) LIKE \(bind: "%" + hex + "%")").first()
                if try rows?.decode(column: "n", as: Int.self) ?? 0 > 0 { found.append(table) }
            }
        } else {
            let tables = try await sql.raw("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all()
                .map { try $0.decode(column: "name", as: String.self) }
            for table in tables {
                let columns = try await sql.raw("SELECT name FROM pragma_table_info(\(bind: table))").all().map { try $0.decode(column: "name", as: String.self) }
                for column in columns {
                    let rows = try await sql.raw("SELECT COUNT(*) AS n FROM \(ident: table) WHERE INSTR(CAST(\(ident: column) AS BLOB), CAST(\(bind: text) AS BLOB)) > 0").first()
                    if try rows?.decode(column: "n", as: Int.self) ?? 0 > 0 { found.append("\(table).\(column)") }
                }
            }
        }
        return found
    }

    /// PostgreSQL: a full logical dump of the database, as a council's backups take it.
    static func inDump(_ text: String, _ app: Application) throws -> Bool? {
        guard case .postgres(let url) = app.portal.database,
              let bin = try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql").sorted().last
        else { return nil }
        let (status, dump) = try ChildProcess.run("/usr/lib/postgresql/\(bin)/bin/pg_dump", ["--dbname=\(url)", "--no-owner"], environment: [:],
                                                  capturing: .standardOutput)
        #expect(status == 0 && dump.contains("CREATE TABLE"), "pg_dump ran")
        return dump.contains(text)
    }

    @Test func aPlantedStringIsFoundNowhereAfterErasureAndTheTrailStillVerifies() async throws {
        try await withApp { app in
            let fixtures = Fixtures(app: app)
            let planted = Self.planted
            var enquiry = try await fixtures.submitted(planted: planted)
            let id = try enquiry.requireID()
            enquiry = try await fixtures.take(enquiry)
            enquiry = try await fixtures.perform(.postUpdate("We spoke to Pat \(planted) today."), enquiry, by: "coordinator@demo.test")
            enquiry = try await fixtures.perform(.addNote("Pat \(planted) rang again."), enquiry, by: "coordinator@demo.test")
            let responder = try await fixtures.user("responder@demo.test").requireID()
            enquiry = try await fixtures.perform(.askResponders([responder], question: "Did you meet Pat \(planted)?"), enquiry, by: "coordinator@demo.test")
            let question = try #require(try await ResponderQuestion.query(on: app.db).filter(\.$enquiry.$id == id).first()).requireID()
            enquiry = try await fixtures.perform(.answerQuestion(question, answer: "Yes, Pat \(planted) showed me."), enquiry, by: "responder@demo.test")
            let coordinator = try await TestBrowser(app).signedIn("coordinator@demo.test")
            let uploaded = try await coordinator.upload("/enquiries/\(id.uuidString)/act", fields: [("action", "add_note"), ("body", "Letter attached.")],
                                                        files: [("letter.txt", Array("From Pat \(planted), about the light.".utf8))])
            #expect(uploaded.status == .seeOther)
            // The other enquiry, untouched, and what reports count.
            let other = try await fixtures.submitted(subject: "Another light", planted: "")
            let before = try await Self.whereFound(planted, app)
            // Notifications and email say only that something happened, and where to read it.
            for place in ["enquiries", "enquiry_entries", "responder_questions", "document_chunks", "audit_personal_values"] {
                #expect(before.contains { $0 == place || $0.hasPrefix(place + ".") }, "planted in \(place): \(before)")
            }
            if let dumped = try Self.inDump(planted, app) { #expect(dumped, "planted in the dump before") }
            let statusBefore = try #require(try await Enquiry.find(id, on: app.db)).status
            let talliesBefore = try await app.db.sql.raw("SELECT CAST(SUM(tally) AS BIGINT) AS n FROM enquiry_tallies").first()?.decode(column: "n", as: Int.self)

            let admin = try await fixtures.user("admin@demo.test").requireID()
            try await ResidentErasure.erase([id], reason: "Subject's request for erasure", by: admin, at: app.now, on: app.db)

            let after = try await Self.whereFound(planted, app)
            #expect(after == [], "nowhere after erasure: \(after)")
            if let dumped = try Self.inDump(planted, app) { #expect(!dumped, "not in a full dump after erasure") }
            let erased = try #require(try await Enquiry.find(id, on: app.db))
            #expect(erased.residentName == nil && erased.residentEmail == nil && erased.details.hasPrefix("Erased on "))
            #expect(erased.details.hasSuffix("Subject's request for erasure"))
            #expect(erased.reference == enquiry.reference && erased.status == statusBefore && erased.$serviceArea.id == enquiry.$serviceArea.id)
            #expect(erased.$division.id == enquiry.$division.id && erased.submittedAt == enquiry.submittedAt)
            let talliesAfter = try await app.db.sql.raw("SELECT CAST(SUM(tally) AS BIGINT) AS n FROM enquiry_tallies").first()?.decode(column: "n", as: Int.self)
            #expect(talliesAfter == talliesBefore, "reports still count it")
            let untouched = try #require(try await Enquiry.find(other.id, on: app.db))
            #expect(untouched.residentName == "Pat Jones")

            // The trail: it verifies, records the erasure, and still catches tampering.
            guard case .intact(let entries) = try await AuditTrail.verify(on: app.db) else { Issue.record("the trail no longer verifies"); return }
            let last = try #require(try await AuditEntry.query(on: app.db).filter(\.$enquiryID == id).sort(\.$sequence, .descending).first())
            #expect(last.action == "erase_resident_data" && last.detail.contains("Subject's request for erasure"))
            // Erased again: nothing more to find, the trail still verifies.
            try await ResidentErasure.erase([id], reason: "Checked again", by: admin, at: app.now, on: app.db)
            #expect(try await AuditTrail.verify(on: app.db) == .intact(entries: entries + 1))
            let sql = app.db.sql
            if sql.dialect.name == "postgresql" {
                try await sql.raw("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only").run()
            } else {
                try await sql.raw("DROP TRIGGER audit_entries_no_update").run()
            }
            try await sql.update("audit_entries").set("detail", to: "nothing erased").where("sequence", .equal, last.sequence).run()
            #expect(try await AuditTrail.verify(on: app.db) == .broken(sequence: last.sequence, reason: "its content does not match its hash"))
        }
    }

    /// The database file and its write-ahead log, byte for byte: free pages, space left in pages
    /// by replaced rows and older copies of pages in the log included.
    @Test(.enabled(if: TestDatabase.postgresURL == nil, "SQLite's files")) func theSQLiteFilesHoldNoTraceAfterErasure() async throws {
        try await withApp { app in
            guard case .sqlite(let path) = app.portal.database else { Issue.record("not SQLite"); return }
            _ = try await app.db.sql.raw("PRAGMA journal_mode = WAL").all()
            let fixtures = Fixtures(app: app)
            let planted = Self.planted
            var enquiry = try await fixtures.submitted(planted: planted)
            enquiry = try await fixtures.take(enquiry)
            enquiry = try await fixtures.perform(.postUpdate("We spoke to Pat \(planted) today."), enquiry, by: "coordinator@demo.test")
            let coordinator = try await TestBrowser(app).signedIn("coordinator@demo.test")
            let uploaded = try await coordinator.upload("/enquiries/\(enquiry.id!.uuidString)/act", fields: [("action", "add_note"), ("body", "Letter attached.")],
                                                        files: [("letter.txt", Array("From Pat \(planted), about the light.".utf8))])
            #expect(uploaded.status == .seeOther)
            func inFiles() throws -> [String] {
                let needle = Data(planted.utf8)
                return [path, path + "-wal"].filter { file in
                    (FileManager.default.contents(atPath: file) ?? Data()).range(of: needle) != nil
                }.map { ($0 as NSString).lastPathComponent }
            }
            #expect(try !inFiles().isEmpty, "planted in the files before")
            let admin = try await fixtures.user("admin@demo.test").requireID()
            try await ResidentErasure.erase([enquiry.requireID()], reason: "Subject's request for erasure", by: admin, at: app.now, on: app.db)
            #expect(try inFiles() == [], "in neither file, nor in its free space, after erasure")
        }
    }

    @Test func aReasonMustSayWhyOnOneLine() throws {
        #expect(throws: ResidentErasure.BadReason.self) { try ResidentErasure.checkReason("  ") }
        #expect(throws: ResidentErasure.BadReason.self) { try ResidentErasure.checkReason("two\nlines") }
        #expect(throws: ResidentErasure.BadReason.self) { try ResidentErasure.checkReason(String(repeating: "x", count: 301)) }
        #expect(try ResidentErasure.checkReason(" Retention period ended ") == "Retention period ended")
    }
}
