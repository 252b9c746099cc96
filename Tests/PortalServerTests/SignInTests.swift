import Fluent
import Foundation
@testable import PortalServer
import Testing
import Vapor

@Suite struct SignInTests {
    @Test func signsInWithTheRightPasswordAndLandsOnTheHomePage() async throws {
        try await withApp { app in
            let browser = TestBrowser(app)
            let result = try await browser.signIn("member@demo.test")
            #expect(result.status == .seeOther)
            #expect(result.location == "/")
            let home = try await browser.get("/")
            #expect(home.status == .ok)
            #expect(home.mainText.contains("Welcome, Cllr Alex Morgan"))
            #expect(home.mainText.contains("You represent Wrenfield North"))
        }
    }

    @Test func sessionCookieIsNewAtSignInAndCarriesSafeFlags() async throws {
        try await withApp { app in
            let browser = TestBrowser(app)
            try await browser.get("/sign-in")
            browser.cookies["portal_session"] = "planted-by-an-attacker"
            let page = try await browser.post("/sign-in", [("email", "admin@demo.test"), ("password", "demo")])
            let cookie = try #require(page.headers[.setCookie].first { $0.hasPrefix("portal_session=") })
            #expect(!cookie.contains("planted-by-an-attacker"))
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Lax"))
            #expect(cookie.contains("Secure"))
            // Only a hash of the token is stored.
            let token = String(cookie.dropFirst("portal_session=".count).prefix { $0 != ";" })
            let stored = try await UserSession.query(on: app.db).all()
            #expect(stored.count == 1)
            #expect(stored[0].tokenHash == SecureToken.hash(token))
            #expect(stored[0].tokenHash != token)
        }
    }

    @Test func wrongPasswordAndUnknownEmailGetTheSameAnswerAndNoSession() async throws {
        try await withApp { app in
            for (email, password) in [("member@demo.test", "wrong"), ("nobody@demo.test", "demo")] {
                let browser = TestBrowser(app)
                try await browser.get("/sign-in")
                let page = try await browser.post("/sign-in", [("email", email), ("password", password)])
                #expect(page.status == .unauthorized)
                #expect(page.mainText.contains("There is a problem"))
                #expect(page.mainText.contains("Enter the email address and password of an active account"))
                #expect(page.body.contains("value=\"\(email)\""), "the email typed is kept")
                #expect(browser.cookies["portal_session"] == nil)
            }
            #expect(try await UserSession.query(on: app.db).count() == 0)
        }
    }

    @Test func emptyFieldsAreNamedInTheErrorSummary() async throws {
        try await withApp { app in
            let browser = TestBrowser(app)
            try await browser.get("/sign-in")
            let page = try await browser.post("/sign-in", [("email", ""), ("password", "")])
            #expect(page.status == .ok)
            #expect(page.body.contains("<title>Error: Sign in"))
            #expect(page.body.contains("href=\"#email\">Enter your email address"))
            #expect(page.body.contains("href=\"#password\">Enter your password"))
            #expect(page.body.contains("aria-describedby=\"email-error\""))
        }
    }

    @Test func aDeactivatedAccountCannotSignIn() async throws {
        try await withApp { app in
            let user = try #require(try await User.query(on: app.db).filter(\.$email == "responder@demo.test").first())
            user.isActive = false
            try await user.save(on: app.db)
            let page = try await TestBrowser(app).signIn("responder@demo.test")
            #expect(page.status == .unauthorized)
        }
    }

    @Test func signingOutEndsTheSessionForGood() async throws {
        try await withApp { app in
            let browser = TestBrowser(app)
            try await browser.signIn("coordinator@demo.test")
            let oldCookie = try #require(browser.cookies["portal_session"])
            let out = try await browser.post("/sign-out", [])
            #expect(out.status == .seeOther)
            #expect(out.location == "/sign-in")
            #expect(browser.cookies["portal_session"] == nil)
            // Replaying the old cookie no longer works.
            browser.cookies["portal_session"] = oldCookie
            let home = try await browser.get("/")
            #expect(home.status == .seeOther)
            #expect(home.location?.hasPrefix("/sign-in") == true)
        }
    }

    @Test func returnsToTheRequestedPageButNeverToAnotherSite() async throws {
        try await withApp { app in
            let browser = TestBrowser(app)
            let refused = try await browser.get("/admin/users?role=member")
            #expect(refused.location == "/sign-in?next=/admin/users%3Frole%3Dmember")
            try await browser.get(refused.location!)
            let page = try await browser.post("/sign-in", [("email", "admin@demo.test"), ("password", "demo"), ("next", "/admin/users?role=member")])
            #expect(page.location == "/admin/users?role=member")

            let other = TestBrowser(app)
            try await other.get("/sign-in")
            for next in ["//evil.example/x", "https://evil.example", "/\\evil.example"] {
                let page = try await other.post("/sign-in", [("email", "admin@demo.test"), ("password", "demo"), ("next", next)])
                #expect(page.location == "/", "next=\(next)")
                other.cookies["portal_session"] = nil
                try await other.get("/sign-in")
            }
        }
    }

    @Test func anIdleSessionExpires() async throws {
        try await withApp { app in
            let browser = TestBrowser(app)
            try await browser.signIn("member@demo.test")
            let session = try #require(try await UserSession.query(on: app.db).first())
            session.lastSeenAt = app.now.addingTimeInterval(-SessionLifetime.idle - 60)
            try await session.save(on: app.db)
            // Hours pass behind the portal's back; the session it read seconds ago is not kept that long.
            app.sessionCache.changed(session.$user.id)
            let home = try await browser.get("/")
            #expect(home.status == .seeOther)
            #expect(try await UserSession.query(on: app.db).count() == 0)
        }
    }
}
