import Fluent
import Foundation
import PortalCore
@testable import PortalServer
import SQLKit
import Testing
import Vapor

/// The accessibility statement: open to everyone, linked from every page in the same place, in
/// the model statement's sections, with the contact details and test date the administrator sets.
@Suite struct AccessibilityStatementTests {
    @Test func theStatementIsOpenToEveryoneAndLinkedFromEveryPage() async throws {
        try await withApp { app in
            let visitor = TestBrowser(app)
            let statement = try await visitor.get("/accessibility")
            #expect(statement.status == .ok)
            for heading in ["Accessibility statement for the Member Portal", "How accessible this service is", "Feedback and contact information",
                            "Reporting accessibility problems with this service", "Enforcement procedure", "Compliance status",
                            "Non-accessible content", "Preparation of this accessibility statement"] {
                #expect(statement.mainText.contains(heading), "\(heading)")
            }
            #expect(statement.mainText.contains("partially compliant"))
            #expect(statement.mainText.contains("Contact your portal administrator"), "no contact set yet")
            #expect(statement.mainText.contains("has not yet recorded when it last tested"))

            let footer = #"<ul class="footer-links"><li><a href="/accessibility#contact">Get help</a></li><li><a href="/accessibility">Accessibility statement</a></li></ul>"#
            #expect(try await visitor.get("/sign-in").body.contains(footer))
            let member = try await TestBrowser(app).signedIn("member@demo.test")
            for path in ["/", "/enquiries", "/search", "/notifications", "/no-such-page"] {
                #expect(try await member.get(path).body.contains(footer), "\(path)")
            }
        }
    }

    @Test func theAdministratorSetsTheContactAndTestDateWithATrail() async throws {
        try await withApp(clock: TestClock(at: utc("2026-11-30T10:00:00Z"))) { app in
            let admin = try await TestBrowser(app).signedIn("admin@demo.test")
            let form = try await admin.get("/admin/accessibility")
            #expect(form.status == .ok)
            #expect(try await admin.get("/").body.contains(#"href="/admin/accessibility""#), "linked from the administrator's home page")
            let saved = try await admin.post("/admin/accessibility", [("contact-email", " Access@Brackenshire.gov.uk "), ("contact-phone", "01632 960000"),
                                                                     ("last-tested", "27/11/2026"), ("version", "1")])
            #expect(saved.status == .seeOther)
            let statement = try await TestBrowser(app).get("/accessibility")
            #expect(statement.body.contains(#"<a href="mailto:access@brackenshire.gov.uk">access@brackenshire.gov.uk</a>"#))
            #expect(statement.mainText.contains("call 01632 960000"))
            #expect(statement.mainText.contains("last tested on Friday 27 November 2026"))
            let entry = try #require(try await AuditEntry.query(on: app.db).filter(\.$action == "accessibility_statement").first())
            #expect(entry.decodedChanges.contains(FieldChange(field: "Accessibility last tested", before: "", after: "2026-11-27")))

            // A second administrator's form, drawn before that save, changes nothing.
            let stale = try await admin.post("/admin/accessibility", [("contact-email", "other@example.gov.uk"), ("version", "1")])
            #expect(stale.status == .conflict)
            #expect(stale.mainText.contains("Someone else changed these details"))
            #expect(try await TestBrowser(app).get("/accessibility").mainText.contains("access@brackenshire.gov.uk"))
        }
    }

    @Test func badDetailsAreExplainedAndNothingIsSaved() async throws {
        try await withApp(clock: TestClock(at: utc("2026-11-30T10:00:00Z"))) { app in
            let admin = try await TestBrowser(app).signedIn("admin@demo.test")
            let page = try await admin.post("/admin/accessibility", [("contact-email", "not an address"), ("contact-phone", "0163\r\nBcc: x"),
                                                                    ("last-tested", "01/12/2026"), ("version", "1")])
            #expect(page.status == .unprocessableEntity)
            #expect(page.mainText.contains("There is a problem"))
            #expect(page.mainText.contains("Enter the email address in the correct format"))
            #expect(page.mainText.contains("The phone number must be one line"), "a line break in a phone number is refused")
            #expect(page.mainText.contains("cannot be in the future"))
            #expect(page.body.contains(#"value="not an address""#), "what was typed is kept")
            let huge = try await admin.post("/admin/accessibility", [("last-tested", "31/02/2026"), ("version", "99999999999999999999")])
            #expect(huge.status == .unprocessableEntity)
            #expect(huge.mainText.contains("Enter the date as day/month/year"))
            let settings = try await AccessibilityStatement.Settings.load(on: app.db)
            #expect(settings.contact == StatementContact() && settings.version == 1)
        }
    }

    @Test func onlyAdministratorsChangeTheDetails() async throws {
        try await withApp { app in
            for email in ["member@demo.test", "coordinator@demo.test", "responder@demo.test"] {
                let browser = try await TestBrowser(app).signedIn(email)
                #expect(try await browser.get("/admin/accessibility").status == .forbidden, "\(email)")
                #expect(try await browser.post("/admin/accessibility", [("contact-email", "x@example.gov.uk"), ("version", "1")]).status == .forbidden)
            }
            #expect(try await AccessibilityStatement.Settings.load(on: app.db).contact.email == nil)
        }
    }
}
