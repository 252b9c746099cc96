import Foundation
@testable import PortalServer
import SQLKit
import Testing

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
