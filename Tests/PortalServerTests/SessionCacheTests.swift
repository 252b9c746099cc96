import Fluent
import Foundation
import PortalCore
@testable import PortalServer
import Testing
import Vapor

/// Sessions read lately are served from memory, and anything that changes what a session carries
/// is seen on the very next page.
@Suite struct SessionCacheTests {
    func signedIn(_ id: UUID = UUID()) -> SignedIn {
        SignedIn(user: CurrentUser(id: id, name: "Ann Example", email: "ann@example.test", roles: RoleSet([.member]), divisionID: nil),
                 sessionID: UUID(), csrfToken: "token")
    }

    @Test func anEntryLastsItsLifetimeAndNoLonger() {
        let cache = SessionCache(lifetime: 10)
        let now = TestClock.ordinaryWorkingDay
        let session = signedIn()
        cache.keep(session, for: "a", lastSeenAt: now, expiresAt: now.addingTimeInterval(3600), at: now, readFrom: cache.generation())
        #expect(cache.session(for: "a", at: now.addingTimeInterval(9))?.sessionID == session.sessionID)
        #expect(cache.session(for: "b", at: now) == nil, "another token is not this session")
        #expect(cache.session(for: "a", at: now.addingTimeInterval(10)) == nil, "read again after its lifetime")
        #expect(cache.session(for: "a", at: now) == nil, "and gone once stale")

        cache.keep(session, for: "a", lastSeenAt: now, expiresAt: now.addingTimeInterval(5), at: now, readFrom: cache.generation())
        #expect(cache.session(for: "a", at: now.addingTimeInterval(6)) == nil, "never past the session's own end")

        let longAgo = now.addingTimeInterval(-SessionLifetime.touchInterval - 1)
        cache.keep(session, for: "a", lastSeenAt: longAgo, expiresAt: now.addingTimeInterval(3600), at: now, readFrom: cache.generation())
        #expect(cache.session(for: "a", at: now) == nil, "a session due its last-seen time is read, and so touched")

        let off = SessionCache(lifetime: 0)
        off.keep(session, for: "a", lastSeenAt: now, expiresAt: now.addingTimeInterval(3600), at: now, readFrom: off.generation())
        #expect(off.session(for: "a", at: now) == nil, "a lifetime of 0 turns it off")
    }

    @Test func aChangeToThePersonEndsTheirEntriesAndNoOneElses() {
        let cache = SessionCache(lifetime: 10)
        let now = TestClock.ordinaryWorkingDay
        let ann = signedIn(), bob = signedIn()
        for (token, session) in [("ann", ann), ("bob", bob)] {
            cache.keep(session, for: token, lastSeenAt: now, expiresAt: now.addingTimeInterval(3600), at: now, readFrom: cache.generation())
        }
        cache.changed(ann.user.id)
        #expect(cache.session(for: "ann", at: now) == nil)
        #expect(cache.session(for: "bob", at: now) != nil)

        // A read that began before the change may hold what the change replaced: it is not kept.
        let before = cache.generation()
        cache.changed(ann.user.id)
        cache.keep(ann, for: "ann", lastSeenAt: now, expiresAt: now.addingTimeInterval(3600), at: now, readFrom: before)
        #expect(cache.session(for: "ann", at: now) == nil)
        cache.keep(ann, for: "ann", lastSeenAt: now, expiresAt: now.addingTimeInterval(3600), at: now, readFrom: cache.generation())
        #expect(cache.session(for: "ann", at: now) != nil, "a read begun after it is")
    }

    @Test func theLifetimeComesFromTheConfigurationAndBadValuesAreRefused() throws {
        #expect(try PortalConfiguration.fromEnvironment([:], demoMode: false).sessionCacheSeconds == 10)
        #expect(try PortalConfiguration.fromEnvironment(["PORTAL_SESSION_CACHE_SECONDS": "0"], demoMode: false).sessionCacheSeconds == 0)
        #expect(try PortalConfiguration.fromEnvironment(["PORTAL_SESSION_CACHE_SECONDS": "30"], demoMode: false).sessionCacheSeconds == 30)
        for bad in ["ten", "-1", "2.5", "301"] {
            #expect(throws: ConfigurationError.self, "\(bad)") {
                _ = try PortalConfiguration.fromEnvironment(["PORTAL_SESSION_CACHE_SECONDS": bad], demoMode: false)
            }
        }
        do {
            _ = try PortalConfiguration.fromEnvironment(["PORTAL_SESSION_CACHE_SECONDS": "ten"], demoMode: false)
        } catch {
            #expect(error.description == "PORTAL_SESSION_CACHE_SECONDS must be a whole number of seconds from 0 to 300 (got \"ten\")")
        }
    }

    @Test func aFullCacheStartsAgainRatherThanGrow() {
        let cache = SessionCache(lifetime: 10, capacity: 3)
        let now = TestClock.ordinaryWorkingDay
        for token in ["a", "b", "c", "d"] {
            cache.keep(signedIn(), for: token, lastSeenAt: now, expiresAt: now.addingTimeInterval(3600), at: now, readFrom: cache.generation())
        }
        #expect(["a", "b", "c"].allSatisfy { cache.session(for: $0, at: now) == nil })
        #expect(cache.session(for: "d", at: now) != nil)
    }

    @Test func eachApplicationHasItsOwnCache() async throws {
        try await withApp { first in
            // A second application in the same process, configured after the first with the cache off.
            try await withApp(adjust: { $0.sessionCacheSeconds = 0 }) { second in
                #expect(first.sessionCache !== second.sessionCache)
                #expect(first.sessionCache.lifetime == PortalConfiguration.defaultSessionCacheSeconds, "configuring another leaves this one's lifetime")
                #expect(second.sessionCache.lifetime == 0)

                let now = TestClock.ordinaryWorkingDay
                let session = signedIn()
                first.sessionCache.keep(session, for: "a", lastSeenAt: now, expiresAt: now.addingTimeInterval(3600), at: now,
                                        readFrom: first.sessionCache.generation())
                #expect(first.sessionCache.session(for: "a", at: now) != nil)
                #expect(second.sessionCache.session(for: "a", at: now) == nil, "nor does it see the other's sessions")
                second.sessionCache.changed(session.user.id)
                #expect(first.sessionCache.session(for: "a", at: now) != nil, "or hear of the other's changes")
            }
        }
    }

    @Test func pagesAreServedFromTheSessionReadOnceAndChangesShowAtOnce() async throws {
        // A cache kept for five minutes, so a slow machine cannot let it lapse between two pages.
        try await withApp(adjust: { $0.sessionCacheSeconds = 300 }) { app in
            // Someone no other test knows, so no other test's changes reach their sessions.
            let admin = try await TestBrowser(app).signedIn("admin@demo.test")
            let email = "robin-\(UUID().uuidString.prefix(8).lowercased())@demo.test"
            try await admin.get("/admin/users/new")
            let created = try await admin.post("/admin/users", [
                ("name", "Robin Example"), ("email", email), ("roles[]", "responder"), ("password", "a long enough password"),
            ])
            #expect(created.status == .seeOther, "\(created.mainText)")
            let user = try #require(try await User.query(on: app.db).filter(\.$email == email).first())
            let robin = TestBrowser(app)
            try await robin.signIn(email, password: "a long enough password")

            // Behind the portal's back, the session row goes: the next page still comes from the
            // session read a moment ago, which shows the cache is used at all.
            let session = try #require(try await UserSession.query(on: app.db).filter(\.$user.$id == user.id!).first())
            let kept = UserSession(tokenHash: session.tokenHash, userID: user.id!, csrfToken: session.csrfToken, now: session.lastSeenAt,
                                   expiresAt: session.expiresAt)
            kept.id = session.id
            try await session.delete(on: app.db)
            let served = try await robin.get("/questions")
            #expect(served.status == .ok, "\(served.status) \(served.location ?? "")")
            try await kept.create(on: app.db)

            // Roles and name changed by an administrator apply on the next page.
            #expect(try await robin.get("/queue").status == .forbidden)
            try await admin.get("/admin/users/\(user.id!)")
            let changed = try await admin.post("/admin/users/\(user.id!)", [
                ("name", "Robin Renamed"), ("email", email), ("roles[]", "responder"), ("roles[]", "administrator"),
                ("version", String(user.version)),
            ])
            #expect(changed.status == .seeOther, "\(changed.mainText)")
            let home = try await robin.get("/")
            #expect(home.body.contains("Robin Renamed"))
            #expect(try await robin.get("/queue").status == .ok)

            // A notification shows in the header of the next page, and leaves it once read.
            #expect(!home.body.contains(">Notifications ("))
            try await app.db.transaction { db in
                try await Notifications.add(to: [user.id!], kind: .update, message: "Update posted", enquiryID: nil, at: app.now, on: db)
            }
            #expect(try await robin.get("/").body.contains(">Notifications (1)</a>"))
            try await robin.get("/notifications")
            #expect(!(try await robin.get("/").body.contains(">Notifications (")), "read, it leaves the header")

            // Signing out ends the session at once.
            try await robin.post("/sign-out", [])
            #expect(try await robin.get("/questions").status == .seeOther)
        }
    }
}
