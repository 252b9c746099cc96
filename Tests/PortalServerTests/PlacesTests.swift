import Fluent
import Foundation
import PortalCore
@testable import PortalServer
import SQLKit
import Testing
import Vapor

/// Placing enquiries on the map's grid, and the boundaries that file them.
@Suite struct PlacesTests {
    /// A Highways safety issue placed by `point`, with the district, division and parish left for the point to fill.
    func fields(_ app: Application, point: String, location: String = "") async throws -> [(String, String)] {
        let data = try await ReferenceData.load(on: app.db)
        let highways = try #require(data.serviceAreas.first { $0.name == "Highways" })
        let safety = try #require(data.types.first { $0.name == "Report a Safety Issue" })
        return [
            ("service-area", highways.id.uuidString), ("type", safety.id.uuidString), ("subtype", ""), ("subject", "Street light out"),
            ("details", "Dark at night."), ("location", location), ("point", point), ("urgency", "normal"),
            ("district", ""), ("division", ""), ("parish", ""), ("submission-key", UUID().uuidString), ("intent", "submit"),
        ]
    }

    func placeNamed(_ name: String, _ kind: PlaceIndex.Kind, in index: PlaceIndex) throws -> PlaceIndex.Place {
        try #require(index.places.first { $0.kind == kind && $0.name == name })
    }

    @Test func theDemoBoundariesTileTheCountyAndHoldTheirOwnPlaces() async throws {
        try await withApp { app in
            let index = try await Places.load(on: app.db)
            #expect(index.places.filter { $0.kind == .district }.count == 4)
            #expect(index.places.filter { $0.kind == .division }.count == 12)
            #expect(index.places.filter { $0.kind == .parish }.count == 16)
            let divisions = try await Division.query(on: app.db).all()
            for division in divisions {
                let place = try placeNamed(division.name, .division, in: index)
                let label = try #require(place.area.labelPoint)
                let placement = index.locate(label)
                #expect(placement.division == division.id, "\(division.name)")
                #expect(placement.district == division.$district.id, "\(division.name) lies in its own district")
            }
            // The districts cover the county without gaps or overlaps: every point of a fine
            // lattice over the county lies in exactly one district and one division.
            let districts = index.places.filter { $0.kind == .district }
            let divisionAreas = index.places.filter { $0.kind == .division }
            for i in 1..<40 {
                for j in 1..<30 {
                    let point = DemoPlaces.grid(Double(i) / 40, Double(j) / 30)
                    #expect(districts.filter { $0.area.contains(point) }.count == 1, "\(point.text)")
                    #expect(divisionAreas.filter { $0.area.contains(point) }.count == 1, "\(point.text)")
                }
            }
        }
    }

    @Test func aGridReferenceFillsInTheDistrictDivisionAndParish() async throws {
        try await withApp { app in
            let index = try await Places.load(on: app.db)
            let parish = try placeNamed("Wrenfield Town", .parish, in: index)
            let point = try #require(parish.area.labelPoint)
            let reference = try #require(GridReference.text(point))
            let browser = TestBrowser(app)
            try await browser.signIn("member@demo.test")
            try await browser.get("/enquiries/new")
            let created = try await browser.post("/enquiries", try await fields(app, point: reference))
            #expect(created.status == .seeOther, "\(created.mainText)")
            let enquiry = try #require(try await Enquiry.query(on: app.db).first())
            let stored = try #require(enquiry.point)
            #expect(stored.distance(to: point) < 1)
            let geo = BritishNationalGrid.geo(stored)
            #expect(abs((enquiry.latitude ?? 0) - geo.latitude) < 1e-9 && abs((enquiry.longitude ?? 0) - geo.longitude) < 1e-9)
            let wrenfield = try #require(try await District.query(on: app.db).filter(\.$name == "Wrenfield").first())
            let north = try #require(try await Division.query(on: app.db).filter(\.$name == "Wrenfield North").first())
            #expect(enquiry.$district.id == wrenfield.id)
            #expect(enquiry.$division.id == north.id)
            #expect(enquiry.$parish.id == parish.id)
            let page = try await browser.get(try #require(created.location))
            #expect(page.mainText.contains(reference))
            // The page shows the spot on a map the server draws, described in words, for those who may see the enquiry.
            let id = try enquiry.requireID().uuidString
            let address = "/enquiries/\(id)/map.svg?v=\(enquiry.version)"
            #expect(page.body.contains("<img src=\"\(address)\""))
            #expect(page.body.contains("alt=\"Map of the spot at grid reference \(reference)"))
            let map = try await browser.get(address)
            #expect(map.status == .ok)
            #expect(map.headers.contentType?.subType == "svg+xml")
            #expect(map.body.contains("<circle fill=\"none\" stroke=\"#d4351c\""))
            #expect(map.body.contains("cx=\"750\" cy=\"750\""))
            #expect(map.body.contains("<title>Map of the spot at grid reference \(reference)"))
            let stranger = TestBrowser(app)
            try await stranger.signIn("bethan.rees@demo.test")
            #expect(try await stranger.get(address).status == .notFound, "another Member sees no map of an enquiry they may not see")
        }
    }

    @Test func eachWayOfTypingTheSpotGivesTheSamePlace() async throws {
        try await withApp { app in
            let browser = TestBrowser(app)
            try await browser.signIn("member@demo.test")
            let point = DemoPlaces.grid(0.3, 0.7)
            let geo = BritishNationalGrid.geo(point)
            for typed in [GridReference.text(point)!, point.text, String(format: "%.6f, %.6f", geo.latitude, geo.longitude)] {
                try await browser.get("/enquiries/new")
                #expect(try await browser.post("/enquiries", try await fields(app, point: typed)).status == .seeOther, "\(typed)")
            }
            let points = try await Enquiry.query(on: app.db).all().compactMap(\.point)
            #expect(points.count == 3)
            for stored in points { #expect(stored.distance(to: point) < 1.5) }
        }
    }

    @Test func aSpotOutsideTheCouncilOrNotAReferenceIsExplainedAndNothingIsLost() async throws {
        try await withApp { app in
            let browser = TestBrowser(app)
            try await browser.signIn("member@demo.test")
            for (typed, message) in [("TQ 30080 80070", "outside the council"), ("SO 851 54", "two letters and an even number of digits"),
                                     ("-2.22, 52.19", "longitude then latitude")] {
                try await browser.get("/enquiries/new")
                let page = try await browser.post("/enquiries", try await fields(app, point: typed, location: "By the <old> mill"))
                #expect(page.status == .unprocessableEntity)
                #expect(page.mainText.contains(message), "\(typed)")
                #expect(page.body.contains("value=\"\(typed)\""))
                #expect(page.body.contains("By the &lt;old&gt; mill"))
            }
            #expect(try await Enquiry.query(on: app.db).count() == 0)
        }
    }

    static func collection(_ features: [String]) -> Data {
        Data(#"{"type":"FeatureCollection","features":[\#(features.joined(separator: ","))]}"#.utf8)
    }

    static func square(_ name: String, west: Double, south: Double, size: Double = 0.02, extra: String = "") -> String {
        let ring = [(west, south), (west + size, south), (west + size, south + size), (west, south + size), (west, south)]
            .map { "[\($0.0),\($0.1)]" }.joined(separator: ",")
        return #"{"type":"Feature","properties":{"name":"\#(name)"\#(extra)},"geometry":{"type":"Polygon","coordinates":[[\#(ring)]]}}"#
    }

    @Test func aBadBoundaryFileChangesNothingAndAGoodOneKeepsEachPlacesId() async throws {
        try await withApp { app in
            let before = try await app.db.sql.select().column("place_id").column("shape").from("boundaries").orderBy("place_id").all()
                .map { try $0.decode(column: "shape", as: String.self) }
            let wrenfield = try #require(try await District.query(on: app.db).filter(\.$name == "Wrenfield").first())
            let crossing = #"{"type":"Feature","properties":{"name":"Knot"},"geometry":{"type":"Polygon","coordinates":[[[-2.25,52.18],[-2.20,52.21],[-2.20,52.18],[-2.25,52.21],[-2.25,52.18]]]}}"#
            let bad = Self.collection([Self.square("Wrenfield", west: -2.3, south: 52.2), crossing])
            await #expect(throws: ImportProblem.self) { try await BoundaryImport.run(bad, kind: .district, on: app.db) }
            let repeated = Self.collection([Self.square("Wrenfield", west: -2.3, south: 52.2), Self.square("wrenfield", west: -2.2, south: 52.2)])
            await #expect(throws: ImportProblem.self) { try await BoundaryImport.run(repeated, kind: .district, on: app.db) }
            let after = try await app.db.sql.select().column("place_id").column("shape").from("boundaries").orderBy("place_id").all()
                .map { try $0.decode(column: "shape", as: String.self) }
            #expect(after == before, "a refused file changes no boundary")

            let good = Self.collection([Self.square("Wrenfield", west: -2.3, south: 52.2, extra: #","code":"E07999""#),
                                        Self.square("Fenmarsh", west: -2.1, south: 52.2)])
            let summary = try await BoundaryImport.run(good, kind: .district, on: app.db)
            #expect(summary == BoundaryImport.Summary(added: 1, updated: 1))
            let kept = try #require(try await District.query(on: app.db).filter(\.$name == "Wrenfield").first())
            #expect(kept.id == wrenfield.id)
            #expect(try await District.query(on: app.db).filter(\.$name == "Fenmarsh").count() == 1)
            await app.placeIndexCache.invalidate()
        }
    }

    /// Without JavaScript: the form looks an address up in the gazetteer and the chosen one places the enquiry.
    @Test func anAddressFoundInTheGazetteerPlacesTheEnquiryWithoutScript() async throws {
        try await withApp { app in
            let point = DemoPlaces.grid(0.08, 0.8)
            let csv = "address,postcode,easting,northing\n\"12 Mill Lane, Wrenfield Town\",BK1 2AB,\(Int(point.easting)),\(Int(point.northing))\n"
                + "\"14 Mill Lane, Wrenfield Town\",BK1 2AB,\(Int(point.easting) + 30),\(Int(point.northing))\n"
            _ = try await Gazetteer.run(Data(csv.utf8), on: app.db)
            let browser = TestBrowser(app)
            try await browser.signIn("member@demo.test")
            try await browser.get("/enquiries/new")
            var form = try await fields(app, point: "").filter { $0.0 != "intent" }
            let none = try await browser.post("/enquiries", form + [("find-address", "nowhere at all"), ("intent", "find-address")])
            #expect(none.status == .ok)
            #expect(none.mainText.contains("No address matches “nowhere at all”"))
            let found = try await browser.post("/enquiries", form + [("find-address", "bk1 2ab"), ("intent", "find-address")])
            #expect(found.status == .ok)
            #expect(found.body.contains("value=\"Street light out\""), "what was typed is kept")
            let choice = "\(Int(point.easting)),\(Int(point.northing))|12 Mill Lane, Wrenfield Town, BK1 2AB"
            #expect(found.body.contains("value=\"\(choice)\""))
            #expect(found.mainText.contains("14 Mill Lane, Wrenfield Town, BK1 2AB"))
            #expect(try await Enquiry.query(on: app.db).count() == 0, "looking an address up saves nothing")
            form.append(("address-choice", choice))
            let created = try await browser.post("/enquiries", form + [("intent", "submit")])
            #expect(created.status == .seeOther)
            let enquiry = try #require(try await Enquiry.query(on: app.db).first())
            #expect(enquiry.location == "12 Mill Lane, Wrenfield Town, BK1 2AB")
            #expect(try #require(enquiry.point).distance(to: point) < 1)
            #expect(enquiry.$division.id == (try await Division.query(on: app.db).filter(\.$name == "Wrenfield North").first()?.id))
            // A forged choice is only ever read as a point, and one off the grid is ignored.
            try await browser.get("/enquiries/new")
            let forged = try await browser.post("/enquiries", try await fields(app, point: "") + [("address-choice", "99999999,1|Nowhere")])
            #expect(forged.status == .seeOther || forged.status == .unprocessableEntity)
        }
    }

    /// What the map in the browser asks: a point's places, the nearest asset, and addresses; only when signed in.
    @Test func theMapsQuestionsAreAnsweredAsJSON() async throws {
        try await withApp { app in
            _ = try await AssetImport.run(Data("id,label,easting,northing\nSL-9,Column 9,385000,255000\n".utf8),
                                          layer: AssetImport.Layer(code: "street-lights", name: "Street lights", noun: "street light"), on: app.db)
            _ = try await Gazetteer.run(Data("address,postcode,easting,northing\n\"1 Oak Row, Kestrel\",BK2 1AB,385010,255010\n".utf8), on: app.db)
            let signedOut = TestBrowser(app)
            #expect(try await signedOut.get("/places/locate?point=SO8500055000").status != .ok)
            let browser = TestBrowser(app)
            try await browser.signIn("member@demo.test")
            let index = try await Places.load(on: app.db)
            let label = try #require(try placeNamed("Kestrel East", .division, in: index).area.labelPoint)
            let reference = try #require(GridReference.text(label)).replacingOccurrences(of: " ", with: "%20")
            let located = try await browser.get("/places/locate?point=\(reference)")
            #expect(located.status == .ok)
            let place = try JSONDecoder().decode(PlaceRoutes.Located.self, from: Data(located.body.utf8))
            #expect(place.division?.name == "Kestrel East")
            #expect(place.district?.name == "Kestrel Downs")
            let bad = try await browser.get("/places/locate?point=SO%20851%2054")
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.body.contains("two letters and an even number of digits"))
            #expect(try await browser.get("/places/locate?point=TQ3008080070").body.contains("outside the council"))
            let near = try await browser.get("/places/nearest-asset?point=385010,255000")
            let assets = try JSONDecoder().decode([PlaceRoutes.Asset].self, from: Data(near.body.utf8))
            #expect(assets.map(\.reference) == ["SL-9"])
            #expect(assets.first?.metres == 10)
            let far = try await browser.get("/places/nearest-asset?point=385100,255000")
            #expect(try JSONDecoder().decode([PlaceRoutes.Asset].self, from: Data(far.body.utf8)).isEmpty)
            let found = try await browser.get("/places/addresses?q=oak%20row")
            #expect(try JSONDecoder().decode([PlaceRoutes.Address].self, from: Data(found.body.utf8)).map(\.postcode) == ["BK2 1AB"])
        }
    }
}
