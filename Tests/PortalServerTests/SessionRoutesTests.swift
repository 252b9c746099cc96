import Foundation
@testable import PortalServer
import Testing
import Vapor

/// The session's time limit told before it ends (WCAG 2.2.1): how long is left, read without
/// counting as activity, and a way to stay signed in.
@Suite struct SessionRoutesTests {
    private func status(_ browser: TestBrowser) async throws -> SessionRoutes.Status {
        let page = try await browser.get("/session", headers: ["Accept": "application/json"])
        #expect(page.status == .ok)
        #expect(page.headers.first(name: .cacheControl) == "no-store")
        return try JSONDecoder().decode(SessionRoutes.Status.self, from: Data(page.body.utf8))
    }

    @Test func askingHowLongIsLeftIsNotActivityAndStayingSignedInStartsTheIdleClockAgain() async throws {
        let clock = TestClock(ticking: false)
        try await withApp(clock: clock) { app in
            let browser = TestBrowser(app)
            try await browser.signIn("member@demo.test")
            #expect(try await status(browser) == .init(signedIn: true, secondsLeft: 7200, canExtend: true))

            clock.advance(by: 115 * 60)
            app.sessionCache.changed(try #require(try await UserSession.query(on: app.db).first()).$user.id)
            // Asked twice, five minutes apart: the end does not move.
            #expect(try await status(browser).secondsLeft == 300)
            clock.advance(by: 4 * 60)
            #expect(try await status(browser).secondsLeft == 60)

            // The warning's button, as the page's script sends it.
            let kept = try await browser.post("/session/extend", [("next", "/enquiries")], headers: ["Accept": "application/json"])
            #expect(kept.status == .ok)
            let afterKeeping = try JSONDecoder().decode(SessionRoutes.Status.self, from: Data(kept.body.utf8))
            #expect(afterKeeping == .init(signedIn: true, secondsLeft: 7200, canExtend: true))

            // Without the script, the same form comes back to the page it was sent from.
            clock.advance(by: 60)
            let plain = try await browser.post("/session/extend", [("next", "/enquiries")])
            #expect(plain.status == .seeOther)
            #expect(plain.location == "/enquiries")
            let elsewhere = try await browser.post("/session/extend", [("next", "https://example.com/")])
            #expect(elsewhere.location == "/")

            clock.advance(by: SessionLifetime.idle + 1)
            #expect(try await status(browser) == .init(signedIn: false, secondsLeft: 0, canExtend: false))
        }
    }

    @Test func theFixedEndAfterSignInIsToldAndCannotBeExtended() async throws {
        let clock = TestClock(ticking: false)
        try await withApp(clock: clock) { app in
            let browser = TestBrowser(app)
            try await browser.signIn("member@demo.test")
            // Active all day: a page every hour keeps the idle clock from ending it.
            for _ in 0..<11 {
                clock.advance(by: 60 * 60)
                app.sessionCache.changed(try #require(try await UserSession.query(on: app.db).first()).$user.id)
                #expect(try await browser.get("/").status == .ok)
            }
            clock.advance(by: 57 * 60)
            app.sessionCache.changed(try #require(try await UserSession.query(on: app.db).first()).$user.id)
            let home = try await browser.get("/")
            #expect(home.status == .ok)
            #expect(home.body.contains(#"data-check-after="0""#), "the warning is due at once")
            #expect(try await status(browser) == .init(signedIn: true, secondsLeft: 180, canExtend: false))
            let kept = try await browser.post("/session/extend", [], headers: ["Accept": "application/json"])
            #expect(try JSONDecoder().decode(SessionRoutes.Status.self, from: Data(kept.body.utf8)).secondsLeft == 180)
        }
    }

    @Test func everySignedInPageCarriesTheWarningAndNoOtherDoes() async throws {
        try await withApp { app in
            let visitor = TestBrowser(app)
            let signIn = try await visitor.get("/sign-in")
            #expect(!signIn.body.contains("session-warning"))
            #expect(try await status(visitor) == .init(signedIn: false, secondsLeft: 0, canExtend: false))
            let refused = try await visitor.post("/session/extend", [])
            #expect(refused.status == .unauthorized, "\(refused.status) \(refused.location ?? "")")

            let member = try await TestBrowser(app).signedIn("member@demo.test")
            let home = try await member.get("/enquiries?status=open")
            #expect(home.body.contains(#"<dialog id="session-warning""#))
            // (2 hours less the touch interval less the warning) after the page was served.
            #expect(home.body.contains(#"data-check-after="6600""#))
            #expect(home.body.contains(#"<input type="hidden" name="next" value="/enquiries?status=open">"#))
            #expect(home.body.contains("Stay signed in"))
            #expect(!home.mainText.contains("session-warning"), "outside the page's main content")
        }
    }
}
