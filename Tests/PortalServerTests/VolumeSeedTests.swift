import Fluent
import NIOConcurrencyHelpers
import Foundation
import PortalCore
@testable import PortalServer
import SQLKit
import Testing
import Vapor

@Suite struct VolumeSeedTests {
    @Test func seedVolumeAddsRealisticCaseworkThatSearchAndReportsSee() async throws {
        try await withApp { app in
            let before = try await Enquiry.query(on: app.db).count()
            let progress = NIOLockedValueBox<[Int]>([])
            try await VolumeSeed.run(count: 600, years: 2, seed: 7, now: app.now, on: app.db) { done in progress.withLockedValue { $0.append(done) } }
            #expect(progress.withLockedValue { $0 } == [600], "progress after each batch")
            let enquiries = try await Enquiry.query(on: app.db).all()
            #expect(enquiries.count == before + 600)
            #expect(Set(enquiries.map(\.reference)).count == enquiries.count, "references are unique")
            let closed = enquiries.filter { $0.status == .closed }.count
            #expect(closed > 300, "most old enquiries are closed: \(closed)")
            #expect(enquiries.contains { $0.reopenCount > 0 })
            #expect(enquiries.allSatisfy { $0.receivedOn != nil && $0.firstResponseDue != nil && $0.completionDue != nil })
            #expect(enquiries.filter { $0.status.isOpen }.allSatisfy { $0.nextDue != nil })
            #expect(enquiries.filter { $0.status == .closed }.allSatisfy { $0.completionDays != nil && $0.firstResponseDays != nil })
            #expect(try await EnquiryEntry.query(on: app.db).count() > 600)
            #expect(try await ResponderQuestion.query(on: app.db).count() > 10)

            let actor = try await Fixtures(app: app).actor("admin@demo.test")
            let viewer = EnquirySearch.Viewer(access: actor.viewer, scope: .officer)
            let clock = try await ServiceLevelSettings.load(on: app.db).clock
            let data = try await ReferenceData.load(on: app.db)
            let all = try await EnquirySearch.search(SearchCriteria(), viewer: viewer, data: data, clock: clock, now: app.now, on: app.db) { _ in
                try await PeopleDirectory.load(on: app.db)
            }
            #expect(all.total == 600)
            let words = try await EnquirySearch.search(SearchCriteria.parse(["q": "contractor"]).criteria, viewer: viewer, data: data, clock: clock, now: app.now, on: app.db) { _ in
                try await PeopleDirectory.load(on: app.db)
            }
            #expect(words.total > 0 && words.total < 600, "the seeded conversation is indexed: \(words.total)")

            if EnquirySearch.isPostgres(app.db) {
                // Seeded enquiries carry the same document the index writes for a change.
                let seeded = try await app.db.sql.raw("SELECT id, search_document::text AS document FROM enquiries ORDER BY created_at DESC LIMIT 40").all()
                let before = Dictionary(uniqueKeysWithValues: try seeded.map { (try $0.decode(column: "id", as: UUID.self), try $0.decode(column: "document", as: String.self)) })
                try await SearchIndex.reindex(Array(before.keys), on: app.db)
                for row in try await app.db.sql.raw("SELECT id, search_document::text AS document FROM enquiries WHERE id IN (\(binds: Array(before.keys)))").all() {
                    #expect(before[try row.decode(column: "id", as: UUID.self)] == (try row.decode(column: "document", as: String.self)))
                }
            }
        }
    }
}
