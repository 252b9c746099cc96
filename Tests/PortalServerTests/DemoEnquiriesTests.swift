import Fluent
import Foundation
import PortalCore
@testable import PortalServer
import Testing
import Vapor

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
