import Fluent
import Foundation
import PortalCore
@testable import PortalServer
import Testing
import Vapor

/// The map on the enquiry form, and what it asks the portal: the boundaries and assets it draws,
/// the spot checked without script, and open enquiries already reported nearby.
@Suite struct MapFormTests {
    static let lights = AssetImport.Layer(code: "street-lights", name: "Street lights", noun: "street light")

    /// A Highways safety issue at `point`, as the form posts it, without a button's intent.
    func fields(_ app: Application, point: String, type: String = "Report a Safety Issue") async throws -> [(String, String)] {
        let data = try await ReferenceData.load(on: app.db)
        let highways = try #require(data.serviceAreas.first { $0.name == "Highways" })
        let kind = try #require(data.types.first { $0.name == type })
        return [
            ("service-area", highways.id.uuidString), ("type", kind.id.uuidString), ("subtype", ""), ("subject", "Street light out"),
            ("details", "Dark at night."), ("location", "By the war memorial"), ("point", point), ("urgency", "normal"),
            ("district", ""), ("division", ""), ("parish", ""), ("submission-key", UUID().uuidString),
        ]
    }

    /// One street light in the middle of a division, and its layer's id.
    func light(_ app: Application) async throws -> (point: GridPoint, layer: UUID) {
        let point = DemoPlaces.grid(0.3, 0.4)
        _ = try await AssetImport.run(Data("id,label,easting,northing\nSL-77,Street light SL-77,\(Int(point.easting)),\(Int(point.northing))\n".utf8),
                                      layer: Self.lights, on: app.db)
        let layer = try #require(try await Places.layers(on: app.db).first { $0.name == "Street lights" })
        return (GridPoint(easting: Double(Int(point.easting)), northing: Double(Int(point.northing)))!, layer.id)
    }

    @Test func checkingTheSpotWithoutScriptFillsThePlacesAndSnapsToTheAssetAndSavesNothing() async throws {
        try await withApp { app in
            let (point, layer) = try await light(app)
            let browser = TestBrowser(app)
            try await browser.signIn("member@demo.test")
            try await browser.get("/enquiries/new")
            let near = "\(Int(point.easting) + 12), \(Int(point.northing))"
            let checked = try await browser.post("/enquiries", try await fields(app, point: near) + [("asset-layer", layer.uuidString), ("intent", "check-place")])
            #expect(checked.status == .ok)
            #expect(checked.mainText.contains("It is about Street light SL-77 (SL-77), 12 m away"))
            #expect(checked.body.contains("value=\"\(layer.uuidString)/SL-77\""), "the asset travels in the form")
            #expect(checked.body.contains("value=\"\(try #require(GridReference.text(point)))\""), "the spot moves onto the asset")
            let placement = try await Places.load(on: app.db).locate(point)
            #expect(checked.body.contains("<option value=\"\(try #require(placement.division).uuidString)\" selected>"))
            #expect(checked.body.contains("value=\"Street light out\""), "what was typed is kept")
            #expect(try await Enquiry.query(on: app.db).count() == 0, "checking the spot saves nothing")

            let far = "\(Int(point.easting) + 200), \(Int(point.northing))"
            let none = try await browser.post("/enquiries", try await fields(app, point: far) + [("asset-layer", layer.uuidString), ("intent", "check-place")])
            #expect(none.mainText.contains("No street light is within 30 m, so the spot is kept as it is"))
            #expect(!none.body.contains("/SL-77\""))

            let bad = try await browser.post("/enquiries", try await fields(app, point: "SO 12 3") + [("intent", "check-place")])
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.mainText.contains("two letters and an even number of digits"))
            let outside = try await browser.post("/enquiries", try await fields(app, point: "TQ 30080 80070") + [("intent", "check-place")])
            #expect(outside.mainText.contains("outside the council's area"))

            // The form's first button never sends it: with nothing to check, it says so; with an
            // address typed (Enter in the address box), it looks the address up.
            let empty = try await browser.post("/enquiries", try await fields(app, point: "") + [("intent", "check-place")])
            #expect(empty.status == .unprocessableEntity)
            #expect(empty.mainText.contains("Enter a grid reference or coordinates, or find an address, to check the spot"))
            let address = try await browser.post("/enquiries", try await fields(app, point: "") + [("intent", "check-place"), ("find-address", "nowhere at all")])
            #expect(address.mainText.contains("No address matches “nowhere at all”"))
            let noSearch = try await browser.post("/enquiries", try await fields(app, point: "") + [("intent", "find-address"), ("find-address", " ")])
            #expect(noSearch.status == .unprocessableEntity)
            #expect(noSearch.mainText.contains("Enter a postcode or the words of an address to find it"))

            // Without a layer, an asset left from an earlier spot goes when the spot moves away...
            let moved = try await browser.post("/enquiries", try await fields(app, point: far) + [("asset", "\(layer.uuidString)/SL-77"), ("intent", "check-place")])
            #expect(!moved.body.contains("/SL-77\""))
            // ...and a form sent with one far from its spot is refused, so the wrong number never reaches the highways team.
            let stale = try await browser.post("/enquiries", try await fields(app, point: far) + [("asset", "\(layer.uuidString)/SL-77"), ("intent", "submit")])
            #expect(stale.status == .unprocessableEntity)
            #expect(stale.mainText.contains("is 200 m from the spot"))
            #expect(try await Enquiry.query(on: app.db).count() == 0)
        }
    }

    @Test func openEnquiriesOfTheSameTypeWithinFiftyMetresAreListedBeforeSending() async throws {
        try await withApp { app in
            let spot = DemoPlaces.grid(0.62, 0.55)
            let at = "\(Int(spot.easting)), \(Int(spot.northing))"
            // A Member with no enquiries here yet raises one; it is the only one at this spot.
            let raiser = TestBrowser(app)
            try await raiser.signIn("member@demo.test")
            try await raiser.get("/enquiries/new")
            let created = try await raiser.post("/enquiries", try await fields(app, point: at) + [("intent", "submit")])
            #expect(created.status == .seeOther)
            let id = try #require(created.location.flatMap { UUID(uuidString: String($0.dropFirst("/enquiries/".count))) })
            let first = try #require(try await Enquiry.find(id, on: app.db))

            try await raiser.get("/enquiries/new")
            let nearby = "\(Int(spot.easting) + 30), \(Int(spot.northing) + 20)"
            let checked = try await raiser.post("/enquiries", try await fields(app, point: nearby) + [("intent", "check-place")])
            #expect(checked.mainText.contains("1 open enquiry of this type is already within 50 m"))
            #expect(checked.body.contains("href=\"/enquiries/\(try first.requireID().uuidString)\""), "its owner may open it")
            #expect(checked.mainText.contains("\(first.reference) : Report a Safety Issue, New, raised"))
            #expect(checked.mainText.contains("36 m away"))

            // Another Member sees that it is reported, but not a way into it, and nothing of its casework.
            let other = TestBrowser(app)
            try await other.signIn("bethan.rees@demo.test")
            try await other.get("/enquiries/new")
            let json = try await other.get("/places/nearby-enquiries?point=\(Int(spot.easting) + 30),\(Int(spot.northing))&type=\(first.$type.id.uuidString)")
            let listed = try JSONDecoder().decode(NearbyEnquiries.Answer.self, from: Data(json.body.utf8)).enquiries
            #expect(listed.map(\.reference) == [first.reference])
            #expect(listed.first?.link == nil)
            #expect(listed.first?.metres == nil, "how far, to the metre, is for someone who may open it")
            #expect(!json.body.contains(try first.requireID().uuidString))
            #expect(!json.body.contains("Street light out") && !json.body.contains("Dark at night"))
            #expect(try await other.get("/places/nearby-enquiries?point=\(Int(spot.easting)),\(Int(spot.northing))&type=nonsense").status == .unprocessableEntity)

            // Further than 50 m, another type, or the enquiry being edited: not listed.
            let beyond = try await other.get("/places/nearby-enquiries?point=\(Int(spot.easting) + 60),\(Int(spot.northing))&type=\(first.$type.id.uuidString)")
            #expect(try JSONDecoder().decode(NearbyEnquiries.Answer.self, from: Data(beyond.body.utf8)).enquiries.isEmpty)
            let data = try await ReferenceData.load(on: app.db)
            let otherType = try #require(data.types.first { $0.id != first.$type.id })
            let different = try await other.get("/places/nearby-enquiries?point=\(at.replacingOccurrences(of: " ", with: ""))&type=\(otherType.id.uuidString)")
            #expect(try JSONDecoder().decode(NearbyEnquiries.Answer.self, from: Data(different.body.utf8)).enquiries.isEmpty)
            let itself = try await raiser.get("/places/nearby-enquiries?point=\(at.replacingOccurrences(of: " ", with: ""))&type=\(first.$type.id.uuidString)&except=\(try first.requireID().uuidString)")
            #expect(try JSONDecoder().decode(NearbyEnquiries.Answer.self, from: Data(itself.body.utf8)).enquiries.isEmpty)
            // Closed, it is no longer listed.
            first.status = .closed
            try await first.save(on: app.db)
            let closed = try await other.get("/places/nearby-enquiries?point=\(at.replacingOccurrences(of: " ", with: ""))&type=\(first.$type.id.uuidString)")
            #expect(try JSONDecoder().decode(NearbyEnquiries.Answer.self, from: Data(closed.body.utf8)).enquiries.isEmpty)
        }
    }

    @Test func theMapDrawsTheBoundariesAndTheAssetsInItsView() async throws {
        try await withApp { app in
            let (point, layer) = try await light(app)
            #expect(try await TestBrowser(app).get("/places/boundaries").status != .ok, "only for someone signed in")
            let browser = TestBrowser(app)
            try await browser.signIn("member@demo.test")
            let boundaries = try await browser.get("/places/boundaries")
            #expect(boundaries.status == .ok)
            let collection = try JSONDecoder().decode(Places.BoundaryCollection.self, from: Data(boundaries.body.utf8))
            #expect(collection.features.count == 32)
            #expect(Set(collection.features.map(\.properties.kind)) == ["district", "division", "parish"])
            let coordinates = collection.features.flatMap { $0.geometry.coordinates.flatMap { $0.flatMap { $0 } } }
            #expect(coordinates.allSatisfy { (-3.5 ... -1.0).contains($0[0]) && (51.5 ... 53.0).contains($0[1]) }, "longitude then latitude, in the county")

            let geo = BritishNationalGrid.geo(point)
            let box = "\(geo.longitude - 0.002),\(geo.latitude - 0.001),\(geo.longitude + 0.002),\(geo.latitude + 0.001)"
            let inView = try JSONDecoder().decode(PlaceRoutes.AssetsInView.self, from: Data(try await browser.get("/places/assets?bbox=\(box)&layer=\(layer.uuidString)").body.utf8))
            #expect(inView.assets.map(\.reference) == ["SL-77"])
            #expect(inView.assets.first?.key == "\(layer.uuidString)/SL-77")
            let otherLayer = try await browser.get("/places/assets?bbox=\(box)&layer=\(UUID().uuidString)")
            #expect(try JSONDecoder().decode(PlaceRoutes.AssetsInView.self, from: Data(otherLayer.body.utf8)).assets.isEmpty)
            let wide = try await browser.get("/places/assets?bbox=-2.5,52.0,-2.0,52.3")
            #expect(try JSONDecoder().decode(PlaceRoutes.AssetsInView.self, from: Data(wide.body.utf8)).zoomIn)
            for bad in ["", "1,2,3", "x,y,z,w", "-2.2,52.1,-2.1,152", "nan,52,-2,53"] {
                let refused = try await browser.get("/places/assets?bbox=\(bad)")
                #expect(refused.status == .unprocessableEntity, "\(bad)")
                #expect(refused.body.contains("bbox=west,south,east,north"))
            }
        }
    }

    @Test func leafletIsServedFromTheInstalledCopyAndOnlyItsOwnFiles() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("leaflet-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/images", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data("window.L = {};".utf8).write(to: URL(fileURLWithPath: directory + "/leaflet.js"))
        try Data(".leaflet-container {}".utf8).write(to: URL(fileURLWithPath: directory + "/leaflet.css"))
        try Data("secret".utf8).write(to: URL(fileURLWithPath: directory + "/other.txt"))
        let settings = try MapSettings.fromEnvironment(["PORTAL_LEAFLET_DIR": directory, "PORTAL_MAP_TILES": "https://tiles.example.gov.uk/{z}/{x}/{y}.png",
                                                        "PORTAL_MAP_ATTRIBUTION": "© Brackenshire County Council"])
        #expect(settings.leafletDirectory == directory)
        #expect(!settings.hasClustering)
        try await withApp(adjust: { $0.map = settings }) { app in
            let browser = TestBrowser(app)
            let script = try await browser.get("/leaflet/leaflet.js")
            #expect(script.status == .ok)
            #expect(script.body == "window.L = {};")
            #expect(script.headers.contentType?.subType == "javascript")
            #expect(try await browser.get("/leaflet/other.txt").status == .notFound)
            #expect(try await browser.get("/leaflet/..%2Fother.txt").status == .notFound)
            #expect(try await browser.get("/leaflet/images/../other.txt").status == .notFound)
            try await browser.signIn("member@demo.test")
            let form = try await browser.get("/enquiries/new")
            #expect(form.body.contains("<script src=\"/leaflet/leaflet.js\" defer></script>"))
            #expect(form.body.contains("<script src=\"\(MapScript.path)\" defer></script>"))
            #expect(!form.body.contains("markercluster"), "clustering is asked for only where installed")
            #expect(form.body.contains("<meta name=\"map-tiles\" content=\"https://tiles.example.gov.uk/{z}/{x}/{y}.png\">"))
            #expect(form.body.contains("data-place-picker"))
            let policy = try #require(form.headers.first(name: "Content-Security-Policy"))
            #expect(policy.contains("img-src 'self' data: https://tiles.example.gov.uk;"))
            #expect(policy.contains("script-src 'self';"), "still no inline script")
            // Pages without a map do not load Leaflet.
            #expect(!(try await browser.get("/enquiries").body.contains("/leaflet/")))
        }
        // Without Leaflet installed the form keeps its typed point and address finder, and asks for no script.
        try await withApp { app in
            let browser = TestBrowser(app)
            try await browser.signIn("member@demo.test")
            let form = try await browser.get("/enquiries/new")
            #expect(!form.body.contains("/leaflet/"))
            #expect(form.body.contains("name=\"point\"") && form.body.contains("value=\"check-place\""))
        }
    }

    @Test func aTileServerSettingMustBeATileAddress() throws {
        for bad in ["javascript:alert(1)/{z}/{x}/{y}", "https://tiles.example.gov.uk/tile.png", "https://tiles.example.gov.uk/{z}/{x}/{y}.png\" onerror=",
                    "https://tiles.example.gov.uk/{z}/{x}/{y}.png; script-src *", "ftp://tiles/{z}/{x}/{y}"] {
            #expect(throws: ConfigurationError.self, "\(bad)") { try MapSettings.fromEnvironment(["PORTAL_MAP_TILES": bad]) }
        }
        #expect(throws: ConfigurationError.self) { try MapSettings.fromEnvironment(["PORTAL_MAP_ATTRIBUTION": "line one\nline two"]) }
        let good = try MapSettings.fromEnvironment(["PORTAL_MAP_TILES": "https://tiles.example.gov.uk:8443/os/{z}/{x}/{y}.png"])
        #expect(good.tileOrigin == "https://tiles.example.gov.uk:8443")
        let several = try MapSettings.fromEnvironment(["PORTAL_MAP_TILES": "https://{s}.tiles.example.gov.uk/{z}/{x}/{y}.png"])
        #expect(several.tileOrigin == "https://*.tiles.example.gov.uk")
        #expect(throws: ConfigurationError.self) { try MapSettings.fromEnvironment(["PORTAL_MAP_TILES": "https://tiles{z}.example.gov.uk/{z}/{x}/{y}.png"]) }
    }
}

/// A search's enquiries on a map: the same enquiries as the search, for whoever searches.
@Suite struct EnquiryMapTests {
    @Test func theMapShowsWhatTheSearchFindsAndNothingMore() async throws {
        try await withApp { app in
            let data = try await ReferenceData.load(on: app.db)
            let safety = try #require(data.types.first { $0.name == "Report a Safety Issue" })
            let highways = try #require(data.serviceAreas.first { $0.name == "Highways" })
            let member = TestBrowser(app)
            try await member.signIn("member@demo.test")
            var made: [String] = []
            for (index, (x, y)) in [(0.2, 0.3), (0.5, 0.5), (0.7, 0.6)].enumerated() {
                let point = DemoPlaces.grid(x, y)
                try await member.get("/enquiries/new")
                let created = try await member.post("/enquiries", [
                    ("service-area", highways.id.uuidString), ("type", safety.id.uuidString), ("subtype", ""), ("subject", "Pothole number \(index)"),
                    ("details", "Deep."), ("location", "Road"), ("point", point.text), ("urgency", "normal"),
                    ("district", ""), ("division", ""), ("parish", ""), ("submission-key", UUID().uuidString), ("intent", "submit"),
                ])
                #expect(created.status == .seeOther)
                made.append(try #require(created.location))
            }
            let page = try await member.get("/search/map")
            #expect(page.status == .ok)
            #expect(page.mainText.contains("3 enquiries with a place on the map match this search"))
            for address in made { #expect(page.body.contains("href=\"\(address)\"")) }
            #expect(page.body.contains("<svg"), "the server draws the map")
            let markers = try JSONDecoder().decode(EnquiryMap.Markers.self, from: Data(try await member.get("/search/map.json").body.utf8))
            #expect(Set(markers.enquiries.map { "/enquiries/\($0.id.uuidString)" }) == Set(made))
            // Filtered like the search, by the same address.
            let one = try await member.get("/search/map?q=\("number 1".replacingOccurrences(of: " ", with: "+"))")
            #expect(one.mainText.contains("1 enquiry with a place on the map"))
            let search = try await member.get("/search?q=number+1")
            #expect(search.body.contains("href=\"/search/map?q=number%201\""), "the search links to its map")

            // Another Member sees none of them; the co-ordinator for Highways sees them all.
            let other = TestBrowser(app)
            try await other.signIn("bethan.rees@demo.test")
            #expect(try JSONDecoder().decode(EnquiryMap.Markers.self, from: Data(try await other.get("/search/map.json").body.utf8)).enquiries.isEmpty)
            let coordinator = TestBrowser(app)
            try await coordinator.signIn("coordinator@demo.test")
            let seen = try JSONDecoder().decode(EnquiryMap.Markers.self, from: Data(try await coordinator.get("/search/map.json").body.utf8))
            #expect(Set(made).isSubset(of: Set(seen.enquiries.map { "/enquiries/\($0.id.uuidString)" })))
            #expect(try await coordinator.get("/search/map?page=99999999999999999999").status == .badRequest)
            #expect(try await TestBrowser(app).get("/search/map.json").status != .ok)
        }
    }
}
