import Fluent
import Foundation
@testable import PortalServer
import Testing
import Vapor

@Suite struct DashboardTests {
    @Test func theMemberFiltersByWordsReferenceAndParishAndPrintsAList() async throws {
        try await withApp { app in
            let fixtures = Fixtures(app: app)
            let light = try await fixtures.submitted(subject: "Street light out on Mill Lane")
            _ = try await fixtures.submitted(subject: "Pothole on Church Street")
            let browser = TestBrowser(app)
            try await browser.signIn("member@demo.test")
            let words = try await browser.get("/enquiries?q=pothole")
            #expect(words.mainText.contains("Pothole on Church Street"))
            #expect(!words.mainText.contains("Street light out"))
            let reference = try await browser.get("/enquiries?q=\(light.reference.lowercased())")
            #expect(reference.mainText.contains("1 enquiry"))
            #expect(reference.mainText.contains("Street light out on Mill Lane"))
            let parish = try #require(try await Parish.query(on: app.db).filter(\.$name == "Fenby").first())
            #expect(try await browser.get("/enquiries?parish=\(parish.id!)").mainText.contains("0 enquiries"))
            let printable = try await browser.get("/enquiries?tab=open&print=1")
            #expect(printable.mainText.contains("2 enquiries"))
            #expect(!printable.body.contains("Next page"))
            #expect(try await browser.get("/enquiries?tab=closed").mainText.contains("No enquiries here."))
        }
    }

    @Test func theQueueShowsOnlyTheCoordinatorsAreas() async throws {
        try await withApp { app in
            _ = try await Fixtures(app: app).submitted()
            let other = TestBrowser(app)
            try await other.signIn("priya.shah@demo.test")
            let queue = try await other.get("/queue")
            #expect(queue.mainText.contains("New (0)"))
            #expect(!queue.mainText.contains("Mill Lane"))
            let member = TestBrowser(app)
            try await member.signIn("member@demo.test")
            #expect(try await member.get("/queue").status == .forbidden)
            #expect(try await member.get("/questions").status == .forbidden)
        }
    }
}
