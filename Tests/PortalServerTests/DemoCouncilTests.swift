import Fluent
import Foundation
@testable import PortalServer
import Testing
import Vapor

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
