import Fluent
import Foundation
@testable import PortalServer
import Testing
import Vapor

@Suite struct SessionHousekeepingTests {
    @Test func expiredSessionsArePrunedWhenSomeoneSignsIn() async throws {
        try await withApp { app in
            try await TestBrowser(app).signIn("member@demo.test")
            let old = try #require(try await UserSession.query(on: app.db).first())
            old.expiresAt = app.now.addingTimeInterval(-60)
            try await old.save(on: app.db)
            try await TestBrowser(app).signIn("admin@demo.test")
            let left = try await UserSession.query(on: app.db).all()
            #expect(left.count == 1)
            #expect(left.first?.id != old.id)
        }
    }

    @Test func theThrottleBelievesOnlyATrustedBalancer() async throws {
        try await withApp { app in
            let request = Request(application: app, method: .POST, url: "/sign-in", on: app.eventLoopGroup.next())
            request.headers.replaceOrAdd(name: .xForwardedFor, value: "203.0.113.9, 198.51.100.7")
            // The in-memory tester has no peer address; nothing is trusted by default.
            #expect(SignInRoutes.clientAddress(request) == "unknown")
            app.portal.trustedProxies = ["unknown"]
            #expect(SignInRoutes.clientAddress(request) == "198.51.100.7")
        }
    }
}
