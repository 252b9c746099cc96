import Fluent
import Foundation
@testable import PortalServer
import Testing
import Vapor

@Suite struct ThrottleTests {
    @Test func fiveFailuresLockTheAccountEvenAgainstTheRightPassword() async throws {
        try await withApp { app in
            let browser = TestBrowser(app)
            try await browser.get("/sign-in")
            for _ in 0..<5 {
                let page = try await browser.post("/sign-in", [("email", "member@demo.test"), ("password", "guess")])
                #expect(page.status == .unauthorized)
            }
            let locked = try await browser.post("/sign-in", [("email", "Member@Demo.Test"), ("password", "demo")])
            #expect(locked.status == .tooManyRequests)
            #expect(locked.mainText.contains("Too many failed attempts to sign in. Wait 15 minutes and try again."))
            #expect(Int(locked.headers.first(name: .retryAfter) ?? "") ?? 0 > 800)
            #expect(browser.cookies["portal_session"] == nil)

            // Another account is not locked out by someone guessing at this one.
            let other = try await TestBrowser(app).signIn("coordinator@demo.test")
            #expect(other.status == .seeOther)
        }
    }

    @Test func aSuccessfulSignInClearsEarlierFailures() async throws {
        try await withApp { app in
            let browser = TestBrowser(app)
            try await browser.get("/sign-in")
            for _ in 0..<3 { try await browser.post("/sign-in", [("email", "admin@demo.test"), ("password", "nope")]) }
            #expect(try await SignInFailure.query(on: app.db).count() == 3)
            try await browser.post("/sign-in", [("email", "admin@demo.test"), ("password", "demo")])
            #expect(try await SignInFailure.query(on: app.db).filter(\.$email == "admin@demo.test").count() == 0)
        }
    }
}
