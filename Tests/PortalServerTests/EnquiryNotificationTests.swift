import Fluent
import Foundation
@testable import PortalServer
import SQLKit
import Testing
import Vapor

/// Who hears of what happens to an enquiry, written in the same transaction as the change.
@Suite struct EnquiryNotificationTests {
    func notices(_ app: Application, kind: String) async throws -> [(user: UUID, message: String)] {
        try await app.db.sql.select().columns("user_id", "message").from("notifications").where("kind", .equal, kind).all()
            .map { (try $0.decode(column: "user_id", as: UUID.self), try $0.decode(column: "message", as: String.self)) }
    }

    @Test func eachEventReachesTheRightPeople() async throws {
        try await withApp { app in
            let fixtures = Fixtures(app: app)
            let member = try await fixtures.user("member@demo.test").requireID()
            let coordinator = try await fixtures.user("coordinator@demo.test").requireID()
            let responder = try await fixtures.user("responder@demo.test").requireID()
            let highways = try await fixtures.area("Highways")
            let areaCoordinators = Set(try await CoordinatorArea.query(on: app.db).filter(\.$serviceArea.$id == highways).all(\.$user.$id))

            var enquiry = try await fixtures.submitted()
            #expect(Set(try await notices(app, kind: "new_enquiry").map(\.user)) == areaCoordinators)
            #expect(try await notices(app, kind: "new_enquiry").first?.message.contains("Cllr Alex Morgan raised a new enquiry") == true)

            enquiry = try await fixtures.take(enquiry)
            enquiry = try await fixtures.perform(.postUpdate("Work is booked for next week."), enquiry, by: "coordinator@demo.test")
            #expect(try await notices(app, kind: "update").map(\.user) == [member])

            enquiry = try await fixtures.perform(.requestUpdate(""), enquiry, by: "member@demo.test")
            #expect(try await notices(app, kind: "member_question").map(\.user) == [coordinator], "the handler, not the whole area")

            enquiry = try await fixtures.ask(enquiry)
            #expect(try await notices(app, kind: "question_asked").map(\.user) == [responder])
            enquiry = try await fixtures.answer(enquiry)
            #expect(try await notices(app, kind: "question_answered").map(\.user) == [coordinator])

            enquiry = try await fixtures.perform(.complete(finalResponse: "The work is done."), enquiry, by: "coordinator@demo.test")
            #expect(try await notices(app, kind: "final_response").map(\.user) == [member])
            enquiry = try await fixtures.perform(.reopen(reason: "It is broken again."), enquiry, by: "member@demo.test")
            #expect(try await notices(app, kind: "reopened").map(\.user) == [coordinator])
            // Nobody hears of their own action, and notes tell nobody.
            _ = try await fixtures.perform(.addNote("Checked on site."), enquiry, by: "coordinator@demo.test")
            let all = try await app.db.sql.select().column(SQLLiteral.all).from("notifications").all().count
            #expect(all == areaCoordinators.count + 6)
        }
    }
}
