import Fluent
import Foundation
@testable import PortalServer
import SQLKit
import Testing
import Vapor

@Suite struct AuditTrailTests {
    @Test func theChainVerifiesAndTheDatabaseRefusesRewrites() async throws {
        try await withApp { app in
            let fixtures = Fixtures(app: app)
            let enquiry = try await fixtures.submitted()
            _ = try await fixtures.perform(.take, enquiry, by: "coordinator@demo.test")
            _ = try await fixtures.perform(.complete(finalResponse: "The work is done."), enquiry, by: "coordinator@demo.test")
            #expect(try await AuditTrail.verify(on: app.db) == .intact(entries: 3))
            await #expect(throws: (any Error).self) {
                try await app.db.sql.raw("UPDATE audit_entries SET detail = 'rewritten'").run()
            }
            await #expect(throws: (any Error).self) {
                try await app.db.sql.raw("DELETE FROM audit_entries").run()
            }
            #expect(try await AuditTrail.verify(on: app.db) == .intact(entries: 3))
        }
    }

    @Test func verificationFindsTheFirstTamperedEntry() async throws {
        try await withApp { app in
            let fixtures = Fixtures(app: app)
            let enquiry = try await fixtures.submitted()
            _ = try await fixtures.perform(.take, enquiry, by: "coordinator@demo.test")
            _ = try await fixtures.perform(.complete(finalResponse: "The work is done."), enquiry, by: "coordinator@demo.test")
            // Someone with direct database access lifts the guard and edits history.
            let sql = app.db.sql
            if sql.dialect.name == "postgresql" {
                try await sql.raw("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only").run()
            } else {
                try await sql.raw("DROP TRIGGER audit_entries_no_update").run()
                try await sql.raw("DROP TRIGGER audit_entries_no_delete").run()
            }
            try await sql.raw("UPDATE audit_entries SET detail = 'nothing happened' WHERE sequence = 2").run()
            #expect(try await AuditTrail.verify(on: app.db) == .broken(sequence: 2, reason: "its content does not match its hash"))
            try await sql.raw("UPDATE audit_entries SET detail = '' WHERE sequence = 2").run()
            #expect(try await AuditTrail.verify(on: app.db) == .intact(entries: 3))
            try await sql.raw("DELETE FROM audit_entries WHERE sequence = 3").run()
            #expect(try await AuditTrail.verify(on: app.db) == .broken(sequence: 3, reason: "entries after 2 have been removed"))
            try await sql.raw("DELETE FROM audit_entries WHERE sequence = 1").run()
            #expect(try await AuditTrail.verify(on: app.db) == .broken(sequence: 1, reason: "entry 1 is missing"))
        }
    }
}

/// A resident's values in the trail are kept apart from the chained text, under keyed digests, so
/// erasing them leaves a trail that still verifies and still catches tampering.
@Suite struct AuditSealTests {
    /// Every text the trail's tables hold, as one string.
    static func trailText(_ app: Application) async throws -> String {
        var text = ""
        for (table, columns) in [("audit_entries", ["changes", "detail", "sealed"]), ("audit_personal_values", ["personal_values"]), ("enquiry_seal_keys", ["seal_key"])] {
            for row in try await app.db.sql.select().columns(columns.map { SQLColumn($0) }).from(table).all() {
                for column in columns { text += (try row.decode(column: column, as: String.self)) + "\n" }
            }
        }
        return text
    }

    @Test func residentsValuesAreSealedShownToOfficersAndErasedWithTheTrailStillProvable() async throws {
        try await withApp { app in
            let fixtures = Fixtures(app: app)
            var enquiry = try await fixtures.submitted()
            enquiry = try await fixtures.perform(.askResponders([try await fixtures.user("responder@demo.test").requireID()], question: "Is Pat Jones at home?"),
                                                 enquiry, by: "coordinator@demo.test")
            let entries = try await AuditEntry.query(on: app.db).filter(\.$enquiryID == enquiry.id!).sort(\.$sequence).all()
            #expect(entries.count == 2)
            let chained = entries.map { $0.changes + $0.detail }.joined()
            for value in ["Pat Jones", "12 Mill Lane, Wrenfield", "01234 567890", "pat@example.com", "outside number 12"] {
                #expect(!chained.contains(value), "\(value) is not in the chained text")
            }
            #expect(chained.contains("Street light out on Mill Lane"), "the subject is not a resident's value")
            #expect(!entries[0].sealed.isEmpty && !entries[1].sealed.isEmpty)
            #expect(try await AuditTrail.verify(on: app.db) == .intact(entries: 2))

            // The officer reads the values as they were written.
            let coordinator = try await TestBrowser(app).signedIn("coordinator@demo.test")
            let page = try await coordinator.get("/enquiries/\(enquiry.id!.uuidString)")
            #expect(page.mainText.contains("Resident name: “none” → “Pat Jones”"))
            #expect(page.mainText.contains("Asked 1 officer(s): Is Pat Jones at home?"))

            // A value changed behind the trail's back is caught.
            let kept = try #require(try await app.db.sql.select().columns("entry_id", "personal_values").from("audit_personal_values").orderBy("entry_id").first())
            let entryID = try kept.decode(column: "entry_id", as: UUID.self)
            let original = try kept.decode(column: "personal_values", as: String.self)
            try await app.db.sql.update("audit_personal_values").set("personal_values", to: original.replacingOccurrences(of: "Pat Jones", with: "Sam Smith"))
                .where("entry_id", .equal, entryID).run()
            let sequence = try #require(entries.first { $0.id == entryID }?.sequence)
            #expect(try await AuditTrail.verify(on: app.db) == .broken(sequence: sequence, reason: "a resident's value does not match its seal"))
            try await app.db.sql.update("audit_personal_values").set("personal_values", to: original).where("entry_id", .equal, entryID).run()
            #expect(try await AuditTrail.verify(on: app.db) == .intact(entries: 2))

            // Erased: nowhere in the trail, the chain still verifies, and the page says so.
            try await AuditSeals.erase(enquiries: [enquiry.id!], on: app.db)
            let left = try await Self.trailText(app)
            for value in ["Pat Jones", "12 Mill Lane", "01234 567890", "pat@example.com", "outside number 12"] {
                #expect(!left.contains(value), "\(value) is gone from the trail")
            }
            #expect(try await AuditTrail.verify(on: app.db) == .intact(entries: 2))
            let after = try await coordinator.get("/enquiries/\(enquiry.id!.uuidString)")
            #expect(after.mainText.contains("Resident name: “none” → “\(AuditSeals.erasedMarker)”"))

            // Tampering is still caught after the erasure.
            let sql = app.db.sql
            if sql.dialect.name == "postgresql" {
                try await sql.raw("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only").run()
            } else {
                try await sql.raw("DROP TRIGGER audit_entries_no_update").run()
            }
            try await sql.update("audit_entries").set("sealed", to: "{}").where("sequence", .equal, entries[1].sequence).run()
            #expect(try await AuditTrail.verify(on: app.db) == .broken(sequence: entries[1].sequence, reason: "its content does not match its hash"))
        }
    }
}
