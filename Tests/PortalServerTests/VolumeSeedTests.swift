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
            try await DemoPlaces.loadAssetsAndAddresses(on: app.db)
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
            try await expectPlacedInTheirDivisions(enquiries, app: app, onAssets: true)
            let lit = try #require(enquiries.first { $0.assetReference != nil })
            let byAsset = try await EnquirySearch.search(SearchCriteria.parse(["asset": lit.assetReference!]).criteria,
                                                         viewer: EnquirySearch.Viewer(access: try await Fixtures(app: app).actor("admin@demo.test").viewer, scope: .officer),
                                                         data: try await ReferenceData.load(on: app.db), clock: try await ServiceLevelSettings.load(on: app.db).clock,
                                                         now: app.now, on: app.db) { _ in try await PeopleDirectory.load(on: app.db) }
            #expect(byAsset.hits.contains { $0.row.id == lit.id }, "a seeded enquiry is found by its asset")

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

    /// Each enquiry with a division stands on a point inside it, its latitude and longitude the
    /// point's; a Highways one on a street light of the council's (when `onAssets`), any other on
    /// no asset.
    func expectPlacedInTheirDivisions(_ enquiries: [Enquiry], app: Application, onAssets: Bool) async throws {
        let places = try await Places.load(on: app.db)
        let highways = try await Fixtures(app: app).area("Highways")
        var lights: [String: GridPoint] = [:]
        for row in try await app.db.sql.raw("""
            SELECT a.reference, a.easting, a.northing FROM assets a JOIN asset_layers l ON l.id = a.layer_id WHERE l.code = 'street-lights'
            """).all() {
            lights[try row.decode(column: "reference", as: String.self)] = GridPoint(easting: try row.decode(column: "easting", as: Double.self),
                                                                                    northing: try row.decode(column: "northing", as: Double.self))
        }
        for enquiry in enquiries {
            guard let division = enquiry.$division.id else { continue }
            let point = try #require(enquiry.point, "\(enquiry.reference) has a point")
            #expect(places.locate(point).division == division, "\(enquiry.reference) stands in its own division")
            let geo = BritishNationalGrid.geo(point)
            #expect(abs((enquiry.latitude ?? 0) - geo.latitude) < 1e-9 && abs((enquiry.longitude ?? 0) - geo.longitude) < 1e-9)
            if onAssets, enquiry.$serviceArea.id == highways {
                let reference = try #require(enquiry.assetReference, "\(enquiry.reference), a Highways enquiry, is on an asset")
                #expect(lights[reference].map { $0.distance(to: point) < 0.01 } == true, "\(enquiry.reference) stands on its asset")
                #expect(enquiry.assetLayerID != nil && enquiry.assetLabel?.contains(reference) == true)
            } else {
                #expect(enquiry.assetReference == nil && enquiry.assetLayerID == nil)
            }
        }
    }

    @Test func withBoundariesAloneEnquiriesStandInTheirDivisionsAndWithoutThemNowhere() async throws {
        try await withApp { app in
            #expect(try await app.db.sql.raw("SELECT COUNT(*) AS n FROM assets").first()?.decode(column: "n", as: Int.self) == 0)
            try await VolumeSeed.run(count: 60, years: 1, seed: 3, now: app.now, on: app.db) { _ in }
            let placed = try await Enquiry.query(on: app.db).all()
            #expect(placed.count == 60 && placed.contains { $0.point != nil })
            try await expectPlacedInTheirDivisions(placed, app: app, onAssets: false)

            try await app.db.sql.raw("DELETE FROM boundaries").run()
            try await VolumeSeed.run(count: 20, years: 1, seed: 4, now: app.now, on: app.db) { _ in }
            let unplaced = try await Enquiry.query(on: app.db).filter(\.$id !~ placed.compactMap(\.id)).all()
            #expect(unplaced.count == 20)
            #expect(unplaced.allSatisfy { $0.point == nil && $0.latitude == nil && $0.assetReference == nil }, "no boundaries, no points")
        }
    }
}
