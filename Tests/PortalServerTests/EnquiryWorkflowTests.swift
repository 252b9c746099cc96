import Fluent
import Foundation
@testable import PortalServer
import Testing
import Vapor

@Suite struct EnquiryWorkflowTests {
    @Test func referencesCountUpAndEveryCreationIsAudited() async throws {
        try await withApp { app in
            let fixtures = Fixtures(app: app)
            let first = try await fixtures.submitted()
            let second = try await fixtures.submitted(subject: "Pothole on the B1234")
            let year = Calendar(identifier: .gregorian).component(.year, from: app.now) % 100
            #expect(first.reference == String(format: "ENQ-%02d-000001", year))
            #expect(second.reference == String(format: "ENQ-%02d-000002", year))
            let entries = try await AuditEntry.query(on: app.db).filter(\.$enquiryID == first.id!).all()
            #expect(entries.map(\.action) == ["create_and_submit"])
            #expect(entries[0].decodedChanges.contains(FieldChange(field: "Subject", before: "", after: "Street light out on Mill Lane")))
        }
    }

    @Test func anActionMovesTheStatusAndRecordsBeforeAndAfter() async throws {
        try await withApp { app in
            let fixtures = Fixtures(app: app)
            let enquiry = try await fixtures.submitted()
            let coordinatorID = try await fixtures.user("coordinator@demo.test").id
            let taken = try await fixtures.perform(.take, enquiry, by: "coordinator@demo.test")
            #expect(taken.status == .inProgress)
            #expect(taken.version == 2)
            let stored = try #require(try await Enquiry.find(enquiry.id, on: app.db))
            #expect(stored.status == .inProgress && stored.version == 2)
            let entry = try #require(try await AuditEntry.query(on: app.db).filter(\.$action == "take").first())
            #expect(entry.decodedChanges.contains(FieldChange(field: "Status", before: "New", after: "In progress")))
            #expect(try await Enquiry.find(enquiry.id, on: app.db)?.$handler.id == coordinatorID)
        }
    }

    @Test func aRefusedActionWritesNothing() async throws {
        try await withApp { app in
            let fixtures = Fixtures(app: app)
            let enquiry = try await fixtures.submitted()
            let before = try await AuditEntry.query(on: app.db).count()
            await #expect(throws: ActionRefused.self) { try await fixtures.perform(.complete(finalResponse: "The work is done."), enquiry, by: "member@demo.test") }
            await #expect(throws: ActionRefused.self) { try await fixtures.perform(.reopen(reason: "It is broken again."), enquiry, by: "coordinator@demo.test") }
            #expect(try await AuditEntry.query(on: app.db).count() == before)
            #expect(try await Enquiry.find(enquiry.id, on: app.db)?.status == .submitted)
        }
    }

    @Test func othersCannotEvenLoadIt() async throws {
        try await withApp { app in
            let fixtures = Fixtures(app: app)
            let enquiry = try await fixtures.submitted()
            for email in ["bethan.rees@demo.test", "responder@demo.test", "priya.shah@demo.test"] {
                let actor = try await fixtures.actor(email)
                await #expect(throws: Abort.self, "\(email)") { try await EnquiryWorkflow.load(enquiry.id!, for: actor, on: app.db) }
            }
            let draft = try await fixtures.submitted(submit: false)
            let coordinator = try await fixtures.actor("coordinator@demo.test")
            await #expect(throws: Abort.self, "a draft is the Member's alone") { try await EnquiryWorkflow.load(draft.id!, for: coordinator, on: app.db) }
        }
    }

    @Test func aStaleVersionIsAConflictAndWritesNothing() async throws {
        try await withApp { app in
            let fixtures = Fixtures(app: app)
            let enquiry = try await fixtures.submitted()
            let actor = try await fixtures.actor("coordinator@demo.test")
            let first = try await EnquiryWorkflow.load(enquiry.id!, for: actor, on: app.db)
            let second = try await EnquiryWorkflow.load(enquiry.id!, for: actor, on: app.db)
            try await EnquiryWorkflow.perform(.editDetails(try await fixtures.valid(subject: "First editor")), on: first, by: actor,
                                              expectedVersion: 1, at: app.now, on: app.db)
            let before = try await AuditEntry.query(on: app.db).count()
            await #expect(throws: EditConflict.self) {
                try await EnquiryWorkflow.perform(.editDetails(try await fixtures.valid(subject: "Second editor")), on: second, by: actor,
                                                  expectedVersion: 1, at: app.now, on: app.db)
            }
            #expect(try await Enquiry.find(enquiry.id, on: app.db)?.subject == "First editor")
            #expect(try await AuditEntry.query(on: app.db).count() == before)
        }
    }

    @Test func theSameFormSentTwiceMakesOneEnquiry() async throws {
        try await withApp { app in
            let fixtures = Fixtures(app: app)
            let member = try await fixtures.user("member@demo.test")
            let actor = try await fixtures.actor("member@demo.test")
            let new = EnquiryWorkflow.NewEnquiry(valid: try await fixtures.valid(), memberID: member.id!, channel: .portal, submit: true, submissionKey: "form-123")
            async let a = EnquiryWorkflow.create(new, by: actor, at: app.now, on: app.db)
            async let b = EnquiryWorkflow.create(new, by: actor, at: app.now, on: app.db)
            let (x, y) = try await (a, b)
            #expect(x.id == y.id)
            #expect(try await Enquiry.query(on: app.db).count() == 1)
        }
    }
}
