import Fluent
import Foundation
@testable import PortalServer
import SQLKit
import Testing
import Vapor

/// Signing in and resetting passwords under attack: limits that hold when requests arrive
/// together, and cheap refusals before expensive hashing.
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
            #expect(statuses.filter { $0 == .tooManyRequests }.count >= 25 - SignInRoutes.throttle.limitPerAccount)
            let right = TestBrowser(app)
            try await right.get("/sign-in")
            #expect(try await right.post("/sign-in", [("email", "member@demo.test"), ("password", "demo")]).status == .tooManyRequests)
        }
    }
}
