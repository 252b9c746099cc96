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

    /// What a change left on an enquiry, less what differs between two enquiries by nature
    /// (their ids and references): status, version, fields, deadlines, conversation, audit trail,
    /// notifications and email.
    static func outcome(of id: UUID, on db: any Database) async throws -> String {
        let enquiry = try #require(try await Enquiry.find(id, on: db))
        let entries = try await EnquiryEntry.query(on: db).filter(\.$enquiry.$id == id).sort(\.$createdAt).all().map { "\($0.kind.rawValue): \($0.body)" }
        let audit = try await AuditEntry.query(on: db).filter(\.$enquiryID == id).sort(\.$sequence).all().map { "\($0.action) \($0.changes) \($0.detail)" }
        let notified = try await db.sql.select().columns("user_id", "kind").from("notifications").where("enquiry_id", .equal, id).all()
            .map { "\(try $0.decode(column: "user_id", as: UUID.self)) \(try $0.decode(column: "kind", as: String.self))" }.sorted()
        let mailed = try await db.sql.select().columns("to_address", "kind", "state").from("outbox").where("link_path", .equal, "/enquiries/\(id)").all()
            .map { "\(try $0.decode(column: "to_address", as: String.self)) \(try $0.decode(column: "kind", as: String.self)) \(try $0.decode(column: "state", as: String.self))" }.sorted()
        return """
            \(enquiry.status) v\(enquiry.version) awaiting \(enquiry.awaitingReply) handler \(enquiry.$handler.id?.uuidString ?? "-") \
            first response \(enquiry.firstResponseAt.map { "\($0)" } ?? "-") (\(enquiry.firstResponseDays ?? -1) days) next due \(enquiry.nextDue ?? "-") \
            completed \(enquiry.completedAt.map { "\($0)" } ?? "-") (\(enquiry.completionDays ?? -1) days)
            conversation \(entries)
            audit \(audit)
            notified \(notified)
            mailed \(mailed)
            """
    }

    @Test func manyChangesAtOnceWriteWhatTheSameChangesWriteOneByOne() async throws {
        try await withApp { app in
            let fixtures = Fixtures(app: app)
            let actor = try await fixtures.actor("coordinator@demo.test")
            let changes: [EnquiryChange] = [.postUpdate("Inspector visiting on Tuesday"), .complete(finalResponse: "The lamp is replaced."),
                                            .addNote("Known fault on this column"), .take, .awaitWorks(note: "Works booked"), .replyToMember("Thank you")]
            var alone: [UUID] = [], together: [UUID] = []
            for _ in changes {
                alone.append(try await fixtures.submitted().requireID())
                together.append(try await fixtures.submitted().requireID())
            }
            let now = app.now
            for (id, change) in zip(alone, changes) {
                try await EnquiryWorkflow.perform(change, on: try await EnquiryWorkflow.load(id, for: actor, on: app.db), by: actor, at: now, on: app.db)
            }
            let loaded = try await EnquiryWorkflow.load(together, for: actor, on: app.db)
            #expect(loaded.count == changes.count)
            let performed = try await EnquiryWorkflow.perform(zip(together, changes).map { .init(loaded: loaded[$0]!, change: $1) },
                                                              by: actor, at: now, on: app.db)
            #expect(performed.map(\.enquiry.id) == together)
            for (index, (one, other)) in zip(alone, together).enumerated() {
                let single = try await Self.outcome(of: one, on: app.db), batched = try await Self.outcome(of: other, on: app.db)
                #expect(single == batched, "\(changes[index])")
            }
            #expect(try await Self.outcome(of: together[0], on: app.db).contains("update: Inspector visiting on Tuesday"), "the outcome shows the change")
            let index = EnquirySearch.isPostgres(app.db) ? "enquiry_search" : "enquiry_fts"
            let found = try await app.db.sql.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: index) WHERE conversation_text LIKE '%Inspector visiting%'")
                .first()?.decode(column: "n", as: Int.self)
            #expect(found == 2, "the search index holds the update made alone and the one made with others")
            guard case .intact = try await AuditTrail.verify(on: app.db) else {
                Issue.record("the audit trail's chain is broken")
                return
            }
        }
    }

    @Test func aNoteToTheMemberWithAwaitingWorksIsAnUpdate() async throws {
        try await withApp { app in
            let fixtures = Fixtures(app: app)
            let member = try await fixtures.user("member@demo.test").requireID()
            func told(_ id: UUID) async throws -> [String] {
                try await app.db.sql.select().column("kind").from("notifications").where("user_id", .equal, member).where("enquiry_id", .equal, id).all()
                    .map { try $0.decode(column: "kind", as: String.self) }
            }
            let silent = try await fixtures.perform(.awaitWorks(note: ""), try await fixtures.take(try await fixtures.submitted()), by: "coordinator@demo.test")
            #expect(silent.status == .awaitingWorks && silent.firstResponseAt == nil)
            #expect(try await told(silent.requireID()).isEmpty)
            let noted = try await fixtures.perform(.awaitWorks(note: "Works booked for Tuesday"), try await fixtures.take(try await fixtures.submitted()),
                                                   by: "coordinator@demo.test")
            #expect(noted.status == .awaitingWorks && noted.firstResponseAt != nil, "the note is the first response")
            #expect(try await told(noted.requireID()) == ["update"])
        }
    }

    @Test func manyChangesAtOnceAreAllOrNone() async throws {
        try await withApp { app in
            let fixtures = Fixtures(app: app)
            let actor = try await fixtures.actor("coordinator@demo.test")
            let ids = [try await fixtures.submitted().requireID(), try await fixtures.submitted().requireID(), try await fixtures.submitted().requireID()]
            func counts() async throws -> [Int] {
                [try await AuditEntry.query(on: app.db).count(), try await EnquiryEntry.query(on: app.db).count(),
                 try await app.db.sql.raw("SELECT COUNT(*) AS n FROM notifications").first()?.decode(column: "n", as: Int.self) ?? -1]
            }
            let before = try await counts()
            var loaded = try await EnquiryWorkflow.load(ids, for: actor, on: app.db)
            // One the lifecycle refuses (a New enquiry cannot be reopened).
            await #expect(throws: ActionRefused.self) {
                try await EnquiryWorkflow.perform([.init(loaded: loaded[ids[0]]!, change: .postUpdate("One")),
                                                   .init(loaded: loaded[ids[1]]!, change: .reopen(reason: "Again"))], by: actor, at: app.now, on: app.db)
            }
            // The same enquiry twice.
            loaded = try await EnquiryWorkflow.load(ids, for: actor, on: app.db)
            await #expect(throws: (any Error).self) {
                try await EnquiryWorkflow.perform([.init(loaded: loaded[ids[0]]!, change: .postUpdate("One")),
                                                   .init(loaded: loaded[ids[0]]!, change: .postUpdate("Two"))], by: actor, at: app.now, on: app.db)
            }
            #expect(try await counts() == before)
            // One changed by somebody else since it was loaded: the last of the three, so the
            // first two have been written in the transaction before the conflict is found.
            loaded = try await EnquiryWorkflow.load(ids, for: actor, on: app.db)
            _ = try await fixtures.take(try #require(try await Enquiry.find(ids[2], on: app.db)))
            let taken = try await counts()
            await #expect(throws: EditConflict.self) {
                try await EnquiryWorkflow.perform(ids.map { .init(loaded: loaded[$0]!, change: .postUpdate("Update \($0)")) }, by: actor, at: app.now, on: app.db)
            }
            #expect(try await counts() == taken, "nothing of the three is written")
            #expect(try await Enquiry.find(ids[0], on: app.db)?.version == 1)
            #expect(try await Enquiry.find(ids[0], on: app.db)?.status == .submitted)
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
