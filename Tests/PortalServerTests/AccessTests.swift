import Fluent
import Foundation
import PortalCore
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

@Suite struct HealthTests {
    @Test func answers200WhenTheDatabaseAnswers() async throws {
        try await withApp { app in
            let page = try await TestBrowser(app).get("/health")
            #expect(page.status == .ok)
            #expect(page.body.contains("\"database\":\"ok\""))
        }
    }

    @Test func answers503WhenTheDatabaseIsDown() async throws {
        let app = try await Application.make(.testing)
        app.logger.logLevel = .critical
        do {
            // Nothing listens on port 1: the database is "down".
            try await configure(app, .forTests(.postgres(url: "postgres://portal@127.0.0.1:1/portal")))
            let page = try await TestBrowser(app).get("/health")
            #expect(page.status == .serviceUnavailable)
            #expect(page.body.contains("\"database\":\"unreachable\""))
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }
}

@Suite struct MigrationTests {
    @Test func migrationsRevertAndApplyAgainCleanly() async throws {
        try await withApp { app in
            try await app.autoRevert()
            #expect(try await app.migrator.previewPrepareBatch().get().count == PortalMigrations.all(clock: .system).count)
            try await app.autoMigrate()
            #expect(try await app.migrator.previewPrepareBatch().get().isEmpty)
            #expect(try await ServiceArea.query(on: app.db).count() == 18)
        }
    }
}

@Suite struct DemoCouncilTests {
    @Test func theFourDemoSignInsWorkWithPasswordDemo() async throws {
        try await withApp { app in
            for email in ["member@demo.test", "coordinator@demo.test", "responder@demo.test", "admin@demo.test"] {
                let status = try await TestBrowser(app).signIn(email).status
                #expect(status == .seeOther, "\(email)")
            }
        }
    }

    @Test func theCouncilHasItsPlacesPeopleAndTeams() async throws {
        try await withApp { app in
            #expect(try await District.query(on: app.db).count() == 4)
            #expect(try await Division.query(on: app.db).count() == 12)
            #expect(try await Parish.query(on: app.db).count() == 16)
            let members = try await User.query(on: app.db).filter(\.$isMember == true).all()
            #expect(members.count == 12)
            #expect(Set(members.compactMap { $0.$division.id }).count == 12, "one Member per division")
            let areas = try await ServiceArea.query(on: app.db).with(\.$teams).all()
            #expect(areas.count == 18)
            #expect(areas.allSatisfy { !$0.glossary.isEmpty && !$0.teams.isEmpty && $0.teams.allSatisfy { !$0.workStreamList.isEmpty } })
            let highways = try #require(areas.first { $0.name == "Highways" })
            #expect(try await WorksArea.query(on: app.db).filter(\.$serviceArea.$id == highways.id!).count() == 4)
            let coordinated = Set(try await CoordinatorArea.query(on: app.db).all(\.$serviceArea.$id))
            #expect(coordinated.count == 18, "every service area has a co-ordinator")
            let coordinator = try #require(try await User.query(on: app.db).filter(\.$email == "coordinator@demo.test").first())
            #expect(try await UserAdminRoutes.areaIDs(of: coordinator.id!, on: app.db) == [highways.id!])
        }
    }

    @Test func theDemoSignInPageListsTheAccountsAndARealCouncilsDoesNot() async throws {
        try await withApp(demoMode: true) { app in
            let page = try await TestBrowser(app).get("/sign-in")
            for email in ["member@demo.test", "coordinator@demo.test", "responder@demo.test", "admin@demo.test"] {
                #expect(page.mainText.contains(email))
            }
        }
        try await withApp(demoMode: false) { app in
            let page = try await TestBrowser(app).get("/sign-in")
            #expect(!page.mainText.contains("demo.test"))
        }
    }
}

@Suite struct DemoEnquiriesTests {
    @Test func theDemoHasCaseworkInEveryStateInTheSeedsProportions() async throws {
        try await withApp { app in
            try await DemoEnquiries.load(on: app.db, at: app.now)
            let all = try await Enquiry.query(on: app.db).all()
            #expect(all.count == DemoEnquiries.count)
            #expect(Set(all.map(\.status)) == Set(EnquiryStatus.allCases), "every state is shown")
            let highways = try await Fixtures(app: app).area("Highways")
            let highwaysShare = Double(all.filter { $0.$serviceArea.id == highways }.count) / Double(all.count)
            #expect(highwaysShare > 0.9)
            let onBehalf = Double(all.filter { $0.$raisedBy.id != $0.$member.id }.count) / Double(all.count)
            #expect(onBehalf > 0.5 && onBehalf < 0.67, "a little over half raised by officers: \(onBehalf)")
            #expect(all.contains { $0.reopenCount > 0 })
            #expect(try await ResponderQuestion.query(on: app.db).filter(\.$state == .answered).count() > 0)
            #expect(try await ResponderQuestion.query(on: app.db).filter(\.$state == .open).count() > 0)
            let oldest = try #require(all.map(\.createdAt).min())
            #expect(app.now.timeIntervalSince(oldest) > 300 * 86_400, "history reaches back about a year")
            let references = all.sorted { $0.createdAt < $1.createdAt }.map(\.reference)
            #expect(references == references.sorted { ($0.dropFirst(4).prefix(2), $0) < ($1.dropFirst(4).prefix(2), $1) }, "references count up with time")
            #expect(try await AuditTrail.verify(on: app.db) == .intact(entries: try await AuditEntry.query(on: app.db).count()))
        }
    }
}
