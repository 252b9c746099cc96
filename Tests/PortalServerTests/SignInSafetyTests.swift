import Fluent
import Foundation
@testable import PortalServer
import SQLKit
import Testing
import Vapor

/// Signing in and resetting passwords under attack: limits that hold when requests arrive
/// together, cheap refusals before expensive hashing, the same work whatever the address, and
/// reset links kept nowhere they are not needed, and no way off the site after signing in.
@Suite struct SignInSafetyTests {
    /// A random token of the right shape that was never issued.
    static func unknownToken() -> String { String(PasswordResets.newToken()) }

    @Test func aResetFormWithAnUnknownLinkIsRefusedBeforeHashingAndThrottledByAddress() async throws {
        try await withApp { app in
            let hasher = CountingHasher()
            hasher.install(in: app)
            let browser = TestBrowser(app)
            try await browser.get("/password-reset")
            let first = try await browser.post("/password-reset/\(Self.unknownToken())", [("password", "a long passphrase"), ("confirm", "a long passphrase")])
            #expect(first.status == .gone)
            #expect(hasher.hashes == 0, "bcrypt ran for a link that does not work")
            var last = first
            for _ in 0..<35 {
                try await browser.get("/password-reset")
                last = try await browser.post("/password-reset/\(Self.unknownToken())", [("password", "a long passphrase"), ("confirm", "a long passphrase")])
                if last.status == .tooManyRequests { break }
            }
            #expect(last.status == .tooManyRequests)
            #expect(last.mainText.contains("Too many"))
            #expect(hasher.hashes == 0)
        }
    }

    @Test func wrongPasswordsSentTogetherCannotPassTheLimit() async throws {
        try await withApp { app in
            let hasher = CountingHasher(verifyDelay: 0.05)
            hasher.install(in: app)
            var browsers: [TestBrowser] = []
            for _ in 0..<25 {
                let browser = TestBrowser(app)
                try await browser.get("/sign-in")
                browsers.append(browser)
            }
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for browser in browsers {
                    group.addTask { try await browser.post("/sign-in", [("email", "member@demo.test"), ("password", "wrong guess")]).status }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(hasher.verifications <= SignInRoutes.throttle.limitPerAccount, "\(hasher.verifications) passwords were checked")
            #expect(statuses.filter { $0 == .unauthorized }.count <= SignInRoutes.throttle.limitPerAccount)
            #expect(statuses.filter { $0 == .tooManyRequests }.count >= 25 - SignInRoutes.throttle.limitPerAccount, "\(statuses.map(\.code))")
            let right = TestBrowser(app)
            try await right.get("/sign-in")
            #expect(try await right.post("/sign-in", [("email", "member@demo.test"), ("password", "demo")]).status == .tooManyRequests)
        }
    }

    @Test func forgottenPasswordRunsTheSameStatementsForKnownAndUnknownAddresses() async throws {
        try await withApp { app in
            let log = LogCapture()
            log.install(in: app, level: .debug)
            func statements(for email: String) async throws -> [String] {
                let browser = TestBrowser(app)
                try await browser.get("/password-reset")
                log.clear()
                let page = try await browser.post("/password-reset", [("email", email)])
                #expect(page.mainText.contains("Check your email"))
                // SQL as the database logs it (its text, the values apart).
                return log.lines.filter { $0.level == .debug }.compactMap { $0.metadata["sql"] }
            }
            let known = try await statements(for: "member@demo.test")
            let unknown = try await statements(for: "nobody@demo.test")
            #expect(!known.isEmpty)
            #expect(known == unknown, "known: \(known)\nunknown: \(unknown)")
            let outbox = try await app.db.sql.select().column("to_address").from("outbox").all()
            #expect(outbox.count == 1, "a link for the known address only")
        }
    }

    @Test func resetLinksAreNeitherKeptNorLogged() async throws {
        try await withApp { app in
            let log = LogCapture()
            log.install(in: app)
            let browser = TestBrowser(app)
            try await browser.get("/password-reset")
            try await browser.post("/password-reset", [("email", "member@demo.test")])
            let row = try #require(try await app.db.sql.select().columns("id", "link_path").from("outbox").first())
            let path = try #require(try row.decode(column: "link_path", as: String?.self))
            let token = String(path.dropFirst("/password-reset/".count))
            #expect(token.count == 43)
            #expect(try await browser.get(path).status == .ok)
            #expect(!log.lines.isEmpty)
            #expect(!log.lines.contains { $0.text.contains(token) }, "the request log holds the token")
            #expect(log.lines.contains { $0.text.contains("/password-reset/") }, "the path is logged, redacted")

            // A reset email that can never be sent does not keep the link for administrators to read.
            let closed = MailSettings(host: "127.0.0.1", port: SMTPServer.freePort(), security: .none, maxAttempts: 1)
            let outcome = try await Outbox.deliver(at: app.now, settings: closed, baseURL: nil, group: app.eventLoopGroup, on: app.db)
            #expect(outcome.failed == 1)
            let after = try await app.db.sql.select().columns("link_path", "message", "subject", "last_error").from("outbox").all()
            for row in after {
                for column in ["link_path", "message", "subject", "last_error"] {
                    #expect(!((try row.decode(column: column, as: String?.self)) ?? "").contains(token), "\(column)")
                }
            }
            let admin = TestBrowser(app)
            try await admin.signIn("admin@demo.test")
            #expect(!(try await admin.get("/admin/email")).body.contains(token))
        }
    }

    @Test func nextAcceptsOnlyAPathOnThisSite() async throws {
        try await withApp { app in
            let hostile = ["/%09/evil.example", "/\t/evil.example", "//evil.example", "/\\evil.example", "/%2F/evil.example", "/%5Cevil.example",
                           "https://evil.example", "/\r\nSet-Cookie: x=1", "/%0d%0aSet-Cookie:%20x=1", "/ /evil.example", "/%20/evil.example",
                           "javascript:alert(1)", "/%E2%80%A8/evil.example", "/\u{2028}/evil.example"]
            for next in hostile {
                let browser = TestBrowser(app)
                try await browser.get("/sign-in")
                let page = try await browser.post("/sign-in", [("email", "member@demo.test"), ("password", "demo"), ("next", next)])
                #expect(page.status == .seeOther)
                #expect(page.location == "/", "next=\(next.debugDescription) went to \(page.location ?? "")")
            }
            let browser = TestBrowser(app)
            try await browser.get("/sign-in")
            let page = try await browser.post("/sign-in", [("email", "member@demo.test"), ("password", "demo"), ("next", "/enquiries?tab=open")])
            #expect(page.location == "/enquiries?tab=open")
        }
    }
}
