import Fluent
import Foundation
@testable import PortalServer
import SQLKit
import Testing
import Vapor

/// Virus scanning against a real clamd (Debian's clamav-daemon).
@Suite struct VirusScanTests {
    /// clamd is needed; CI installs it, and a machine without it skips these with a note.
    func scanner() async throws -> String? {
        guard ClamdServer.isInstalled else {
            #expect(ProcessInfo.processInfo.environment["CI"] == nil, "CI must install clamav-daemon")
            print("VirusScanTests skipped: install clamav-daemon (apt-get) to run them")
            return nil
        }
        return try await ClamdServer.shared.socket()
    }

    @Test func anInfectedFileIsRefusedAndRecordedAndACleanOneKept() async throws {
        guard let socket = try await scanner() else { return }
        try await withApp { app in
            app.portal.documents.scanner = .unixSocket(socket)
            let enquiry = try await Fixtures(app: app).submitted()
            let path = "/enquiries/\(enquiry.id!.uuidString)"
            let member = TestBrowser(app)
            try await member.signIn("member@demo.test")
            try await member.get(path)
            let infected = try await member.upload("\(path)/documents", files: [("letter.txt", ClamdServer.eicar)])
            #expect(infected.status == .unprocessableEntity)
            #expect(infected.mainText.contains("letter.txt contains a virus (Eicar-Test-Signature"))
            #expect(try await count("documents", on: app.db) == 0)
            let refused = try #require(try await AuditEntry.query(on: app.db).filter(\.$action == "document_refused").first())
            #expect(refused.detail.contains("letter.txt") && refused.detail.contains("Eicar-Test-Signature"))

            try await member.get(path)
            #expect(try await member.upload("\(path)/documents", files: [("plan.pdf", SampleFiles.pdf(700_000))]).status == .seeOther)
            let scan = try await app.db.sql.select().column("scan").from("documents").first()?.decode(column: "scan", as: String.self)
            #expect(scan == "clean")
        }
    }

    @Test func aScannerThatDoesNotAnswerRefusesTheUploadUnlessTheCouncilKeepsUnscannedFiles() async throws {
        try await withApp { app in
            app.portal.documents.scanner = .unixSocket("/nonexistent/clamd.sock")
            let enquiry = try await Fixtures(app: app).submitted()
            let path = "/enquiries/\(enquiry.id!.uuidString)"
            let member = TestBrowser(app)
            try await member.signIn("member@demo.test")
            try await member.get(path)
            let down = try await member.upload("\(path)/documents", files: [("plan.pdf", SampleFiles.pdf())])
            #expect(down.status == .serviceUnavailable)
            #expect(down.mainText.contains("plan.pdf could not be checked for viruses"))
            #expect(try await count("documents", on: app.db) == 0)

            app.portal.documents.keepUnscanned = true
            try await member.get(path)
            #expect(try await member.upload("\(path)/documents", files: [("plan.pdf", SampleFiles.pdf())]).status == .seeOther)
            #expect(try await app.db.sql.select().column("scan").from("documents").first()?.decode(column: "scan", as: String.self) == "not_scanned")
            let added = try #require(try await AuditEntry.query(on: app.db).filter(\.$action == "document_added").first())
            #expect(added.detail.contains("not checked for viruses"))
        }
    }
}
