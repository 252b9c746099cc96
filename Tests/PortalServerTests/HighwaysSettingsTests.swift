import Fluent
import Foundation
@testable import PortalServer
import SQLKit
import Testing
import Vapor

/// The highways system's settings on `/admin/integrations`: only an administrator saves them,
/// every bad value is named in the error summary and nothing is saved, the API key is kept
/// secret, the list's page size is optional, two administrators cannot overwrite each other, and
/// each save is in the audit trail.
@Suite struct HighwaysSettingsTests {
    static let good = [("enabled", "on"), ("endpoint", "https://highways.example.gov.uk/open311/v2"), ("apiKey", "key-0123456789"),
                       ("format", "xml"), ("pollMinutes", "5"), ("timeoutSeconds", "30"), ("updatesExtension", "on")]

    static func with(_ fields: [(String, String)], _ changes: [(String, String)]) -> [(String, String)] {
        fields.filter { field in !changes.contains { $0.0 == field.0 } } + changes
    }

    @Test func theAdministratorSavesTheSettingsAndBadValuesAreNamed() async throws {
        try await withApp { app in
            let admin = try await TestBrowser(app).signedIn("admin@demo.test")
            let member = try await TestBrowser(app).signedIn("member@demo.test")
            #expect(try await member.post("/admin/integrations/highways", Self.good + [("version", "0")]).status == .forbidden)
            #expect(try await HighwaysSettings.load(on: app.db) == .off)

            func refusal(_ changes: [(String, String)], says message: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
                let page = try await admin.post("/admin/integrations/highways", Self.with(Self.good + [("version", "0")], changes))
                #expect(page.status == .unprocessableEntity, sourceLocation: sourceLocation)
                #expect(page.mainText.contains(message), "\(message)", sourceLocation: sourceLocation)
                #expect(try await HighwaysSettings.load(on: app.db) == .off, "nothing saved", sourceLocation: sourceLocation)
            }
            try await refusal([("endpoint", "ftp://highways.example.gov.uk")], says: "https://")
            try await refusal([("apiKey", "two\nlines")], says: "Enter the API key on one line")
            try await refusal([("format", "csv")], says: "Choose XML or JSON")
            try await refusal([("pollMinutes", "0")], says: "from 1 to 1,440")
            try await refusal([("timeoutSeconds", "99999999999999999999")], says: "from 1 to 300")
            try await refusal([("listPageSize", "twenty")], says: "a whole number from 1 to 100,000, or leave it blank")
            try await refusal([("listPageSize", "-20")], says: "a whole number from 1 to 100,000, or leave it blank")

            let saved = try await admin.post("/admin/integrations/highways", Self.good + [("listPageSize", " 20 "), ("version", "0")])
            #expect(saved.status == .seeOther)
            let settings = try await HighwaysSettings.load(on: app.db)
            #expect(settings.enabled && settings.listPageSize == 20 && settings.apiKey == "key-0123456789" && settings.version == 1)
            let page = try await admin.get("/admin/integrations")
            #expect(page.body.contains("name=\"listPageSize\"") && page.body.contains("value=\"20\""))
            #expect(!page.body.contains("key-0123456789"), "the key is never shown back")

            // Saved again with the key left blank and no page size: the key stays, the size is not known.
            let again = try await admin.post("/admin/integrations/highways", Self.with(Self.good, [("apiKey", ""), ("version", "1")]))
            #expect(again.status == .seeOther)
            let after = try await HighwaysSettings.load(on: app.db)
            #expect(after.apiKey == "key-0123456789" && after.listPageSize == nil && after.version == 2)

            // A form drawn from the first version is refused rather than overwriting the second.
            let stale = try await admin.post("/admin/integrations/highways", Self.good + [("listPageSize", "50"), ("version", "1")])
            #expect(stale.status == .conflict && stale.mainText.contains("Someone else changed these settings"))
            #expect(try await HighwaysSettings.load(on: app.db).listPageSize == nil)

            let audit = try await app.db.sql.select().column("changes").from("audit_entries").where("action", .equal, "highways_settings")
                .orderBy("sequence").all().map { try $0.decode(column: "changes", as: String.self) }
            #expect(audit.count == 2)
            #expect(audit.first?.contains("Most requests listed at once") == true && audit.first?.contains("20") == true)
            #expect(audit.allSatisfy { !$0.contains("key-0123456789") }, "the trail holds the key's last characters only")
        }
    }
}
