import Fluent
import Foundation
@testable import PortalServer
import Testing
import Vapor

@Suite struct CSRFTests {
    @Test func signInWithoutTheTokenIsRefused() async throws {
        try await withApp { app in
            let browser = TestBrowser(app)
            try await browser.get("/sign-in")
            let page = try await browser.post("/sign-in", [("email", "admin@demo.test"), ("password", "demo"), ("_csrf", "")])
            #expect(page.status == .forbidden)
            #expect(page.mainText.contains("This form could not be sent"))
            #expect(browser.cookies["portal_session"] == nil)
        }
    }

    @Test func aWrongTokenIsRefused() async throws {
        try await withApp { app in
            let browser = TestBrowser(app)
            try await browser.get("/sign-in")
            let page = try await browser.post("/sign-in", [("email", "admin@demo.test"), ("password", "demo"), ("_csrf", String(repeating: "A", count: 43))])
            #expect(page.status == .forbidden)
        }
    }

    @Test func aCrossSiteRequestIsRefusedEvenWithTheToken() async throws {
        try await withApp { app in
            let browser = TestBrowser(app)
            try await browser.get("/sign-in")
            browser.fetchSite = "cross-site"
            #expect(try await browser.post("/sign-in", [("email", "admin@demo.test"), ("password", "demo")]).status == .forbidden)
            // Older browsers send only Origin.
            browser.fetchSite = nil
            var headers = HTTPHeaders()
            headers.replaceOrAdd(name: .origin, value: "https://evil.example")
            headers.replaceOrAdd(name: .host, value: "portal.example")
            #expect(try await browser.post("/sign-in", [("email", "admin@demo.test"), ("password", "demo")], headers: headers).status == .forbidden)
            headers.replaceOrAdd(name: .origin, value: "https://portal.example")
            try await browser.get("/sign-in")
            #expect(try await browser.post("/sign-in", [("email", "admin@demo.test"), ("password", "demo")], headers: headers).status == .seeOther)
        }
    }

    @Test func aSignedInFormNeedsTheSessionsOwnToken() async throws {
        try await withApp { app in
            let browser = TestBrowser(app)
            try await browser.signIn("admin@demo.test")
            let before = try await User.query(on: app.db).count()
            let stolen = TestBrowser(app)
            try await stolen.get("/sign-in")
            let anonymousToken = try #require(stolen.csrfToken)
            let page = try await browser.post("/admin/users", [
                ("name", "Forged User"), ("email", "forged@demo.test"), ("roles[]", "administrator"),
                ("password", "a long enough password"), ("_csrf", anonymousToken),
            ])
            #expect(page.status == .forbidden)
            #expect(try await User.query(on: app.db).count() == before)
            // Signing out needs the token too, so another site cannot sign people out.
            #expect(try await browser.post("/sign-out", [("_csrf", "x")]).status == .forbidden)
        }
    }
}
