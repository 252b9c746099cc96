import Fluent
import Foundation
@testable import PortalServer
import Testing
import Vapor

@Suite struct AccessTests {
    static let administratorPages = ["/admin/users", "/admin/users/new"]

    @Test(arguments: ["member@demo.test", "coordinator@demo.test", "responder@demo.test"])
    func administrationIsRefusedToOtherRoles(_ email: String) async throws {
        try await withApp { app in
            let browser = TestBrowser(app)
            try await browser.signIn(email)
            for path in Self.administratorPages {
                let page = try await browser.get(path)
                #expect(page.status == .forbidden, "\(email) \(path)")
                #expect(page.mainText.contains("You do not have access to this page"))
            }
            let adminID = try #require(try await User.query(on: app.db).filter(\.$email == "admin@demo.test").first()?.id)
            let post = try await browser.post("/admin/users/\(adminID)/deactivate", [])
            #expect(post.status == .forbidden)
            #expect(try await User.find(adminID, on: app.db)?.isActive == true)
            #expect(!(try await browser.get("/")).body.contains("href=\"/admin/users\""), "no Users link in the navigation")
        }
    }

    @Test func anAdministratorReachesAdministration() async throws {
        try await withApp { app in
            let browser = TestBrowser(app)
            try await browser.signIn("admin@demo.test")
            for path in Self.administratorPages {
                let status = try await browser.get(path).status
                #expect(status == .ok, "\(path)")
            }
            let home = try await browser.get("/")
            #expect(home.body.contains("href=\"/admin/users\""))
        }
    }

    @Test func signedOutVisitorsAreSentToSignIn() async throws {
        try await withApp { app in
            let browser = TestBrowser(app)
            for path in ["/", "/admin/users"] {
                let page = try await browser.get(path)
                #expect(page.status == .seeOther)
                #expect(page.location?.hasPrefix("/sign-in?next=") == true)
            }
        }
    }

    @Test(arguments: [
        ("member@demo.test", "Your enquiries"), ("coordinator@demo.test", "Service areas you co-ordinate"),
        ("responder@demo.test", "Questions for you"), ("admin@demo.test", "Administration"),
    ])
    func eachRoleHasItsHomePage(_ email: String, _ heading: String) async throws {
        try await withApp { app in
            let browser = TestBrowser(app)
            try await browser.signIn(email)
            let home = try await browser.get("/")
            #expect(home.status == .ok)
            #expect(home.mainText.contains(heading))
            let others = ["Your enquiries", "Service areas you co-ordinate", "Questions for you", "Administration"].filter { $0 != heading }
            for other in others { #expect(!home.mainText.contains(other), "\(email) should not see \(other)") }
        }
    }

    @Test func theHighwaysCoordinatorSeesTheGlossaryOfTheirArea() async throws {
        try await withApp { app in
            let browser = TestBrowser(app)
            try await browser.signIn("coordinator@demo.test")
            let home = try await browser.get("/")
            #expect(home.mainText.contains("Highways"))
            #expect(home.mainText.contains("potholes"))
        }
    }

    @Test func unknownPagesAnswer404WithAPage() async throws {
        try await withApp { app in
            let page = try await TestBrowser(app).get("/no/such/page")
            #expect(page.status == .notFound)
            #expect(page.mainText.contains("Page not found"))
        }
    }

    @Test func everyPageCarriesTheSecurityHeaders() async throws {
        try await withApp { app in
            #expect(try await TestBrowser(app).get(Stylesheet.scriptPath).status == .ok)
            #expect(try await TestBrowser(app).get("/assets/other.css").status == .notFound)
            for path in ["/sign-in", "/health", "/no-such-page", Stylesheet.path] {
                let page = try await TestBrowser(app).get(path)
                #expect(page.headers.first(name: "Content-Security-Policy")?.contains("default-src 'self'") == true, "\(path)")
                #expect(page.headers.first(name: "Content-Security-Policy")?.contains("script-src 'self'") == true)
                #expect(page.headers.first(name: "X-Content-Type-Options") == "nosniff")
                #expect(page.headers.first(name: "X-Frame-Options") == "DENY")
                #expect(page.headers.first(name: "X-Request-Id")?.isEmpty == false)
            }
        }
    }
}
