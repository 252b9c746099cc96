import Fluent
import Foundation
import PortalCore
@testable import PortalServer
import SQLKit
import Testing
import Vapor

/// The administrator's places page: a file of each kind loads through the browser as it does
/// through `portal geography`, a bad or too large one is refused with its feature or line named
/// and changes nothing, and nobody else may load one.
@Suite struct PlacesAdminTests {
    /// Everything an import may change, to show a refused one changed nothing.
    struct State: Equatable {
        var counts: [String: Int] = [:]
        var shapes = ""
        var assets: [String] = []
    }

    func state(_ app: Application) async throws -> State {
        var state = State()
        for table in ["districts", "divisions", "parishes", "boundaries", "asset_layers", "assets", "gazetteer", "audit_entries"] {
            state.counts[table] = try await app.db.sql.raw("SELECT COUNT(*) AS n FROM \(ident: table)").first()!.decode(column: "n", as: Int.self)
        }
        state.shapes = try await app.db.sql.select().column("shape").from("boundaries").orderBy("place_id").all()
            .map { try $0.decode(column: "shape", as: String.self) }.joined()
        state.assets = try await app.db.sql.select().columns("layer_id", "reference").from("assets").orderBy("layer_id").orderBy("reference").all()
            .map { "\(try $0.decode(column: "layer_id", as: UUID.self)) \(try $0.decode(column: "reference", as: String.self))" }
        return state
    }

    func administrator(_ app: Application) async throws -> TestBrowser {
        let browser = TestBrowser(app)
        try await browser.signIn("admin@demo.test")
        try await browser.get("/admin/places")
        return browser
    }

    /// A GeoJSON square `size` degrees across, in WGS84; `open` leaves its ring unclosed.
    static func square(_ name: String, west: Double, south: Double, size: Double = 0.05, properties: String = "", open: Bool = false) -> String {
        var ring = [(west, south), (west + size, south), (west + size, south + size), (west, south + size), (west, south)]
        if open { ring.removeLast() }
        let positions = ring.map { "[\($0.0),\($0.1)]" }.joined(separator: ",")
        return #"{"type":"Feature","properties":{"name":"\#(name)"\#(properties)},"geometry":{"type":"Polygon","coordinates":[[\#(positions)]]}}"#
    }

    static func bytes(_ features: [String]) -> [UInt8] { Array(PlacesTests.collection(features)) }

    @Test func eachKindLoadsThroughThePageAndTheMapSeesNewBoundariesAtOnce() async throws {
        try await withApp { app in
            let admin = try await administrator(app)
            let page = try await admin.get("/admin/places")
            #expect(page.status == .ok)
            #expect(page.mainText.contains("Districts 4 4"), "\(page.mainText.prefix(600))")
            #expect(page.mainText.contains("Parishes 16 16"))
            #expect(page.mainText.contains("No asset layers have been loaded"))
            #expect(page.mainText.contains("The address gazetteer holds 0 addresses"))
            #expect(page.body.contains(#"action="/admin/places/boundaries?_csrf="#))

            // A point well away from the demo county: outside the council until its district is loaded.
            let inside = "53.025,-1.025"
            #expect(try await admin.get("/places/locate?point=\(inside)").status == .unprocessableEntity)

            try await admin.get("/admin/places")
            let districts = try await admin.upload("/admin/places/boundaries", fields: [("boundary-level", "districts")],
                                                   files: [("districts.geojson", Self.bytes([Self.square("Fenmarsh", west: -1.05, south: 53.0, properties: #","code":"E07900""#)]))],
                                                   field: "boundary-file")
            #expect(districts.status == .seeOther)
            let loaded = try await admin.get(districts.location ?? "")
            #expect(loaded.mainText.contains("Districts loaded: 1 added and 0 updated, each with its boundary"))
            #expect(loaded.mainText.contains("Districts 5 5"))
            let located = try await admin.get("/places/locate?point=\(inside)")
            #expect(located.status == .ok, "this instance's boundaries are read again at once")
            #expect(try JSONDecoder().decode(PlaceRoutes.Located.self, from: Data(located.body.utf8)).district?.name == "Fenmarsh")

            let divisions = try await admin.upload("/admin/places/boundaries", fields: [("boundary-level", "divisions")],
                                                   files: [("divisions.geojson", Self.bytes([Self.square("Fenmarsh West", west: -1.05, south: 53.0, size: 0.025)]))],
                                                   field: "boundary-file")
            #expect(divisions.status == .seeOther)
            try await admin.get("/admin/places")
            let parishes = try await admin.upload("/admin/places/boundaries", fields: [("boundary-level", "parishes")],
                                                  files: [("parishes.geojson", Self.bytes([Self.square("Fen End", west: -1.04, south: 53.01, size: 0.01,
                                                                                                         properties: #","district":"Fenmarsh""#)]))],
                                                  field: "boundary-file")
            #expect(parishes.status == .seeOther)
            let fenmarsh = try #require(try await District.query(on: app.db).filter(\.$name == "Fenmarsh").first()?.id)
            #expect(try await Division.query(on: app.db).filter(\.$name == "Fenmarsh West").first()?.$district.id == fenmarsh,
                    "a division is filed under the district that holds it")
            #expect(try await Parish.query(on: app.db).filter(\.$name == "Fen End").first()?.$district.id == fenmarsh)
            let placed = try JSONDecoder().decode(PlaceRoutes.Located.self, from: Data(try await admin.get("/places/locate?point=53.015,-1.035").body.utf8))
            #expect(placed.division?.name == "Fenmarsh West")
            #expect(placed.parish?.name == "Fen End")

            try await admin.get("/admin/places")
            let benches = try await admin.upload("/admin/places/assets",
                                                 fields: [("asset-layer", "new"), ("asset-code", "benches"), ("asset-name", "Benches"), ("asset-noun", "bench")],
                                                 files: [("benches.csv", Array("id,type,label,easting,northing\nBN-1,bench,Bench by the green,385000,255000\nBN-2,bench,\"Bench, war memorial\",385100,255050\n".utf8))],
                                                 field: "asset-file")
            #expect(benches.status == .seeOther)
            let listed = try await admin.get("/admin/places")
            #expect(listed.mainText.contains("Benches (benches) loaded: 2 assets, replacing what the layer held"))
            #expect(listed.mainText.contains("Benches benches bench 2"), "the page lists the layer with its count")
            #expect(listed.body.contains("Benches: replace its 2 assets"))
            let replaced = try await admin.upload("/admin/places/assets", fields: [("asset-layer", "benches"), ("asset-code", ""), ("asset-name", ""), ("asset-noun", "")],
                                                  files: [("benches.geojson", Array(#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"BN-3","label":"Bench at the lock"},"geometry":{"type":"Point","coordinates":[-2.2,52.2]}}]}"#.utf8))],
                                                  field: "asset-file")
            #expect(replaced.status == .seeOther)
            let layer = try #require(try await app.db.sql.select().columns("id", "name", "noun").from("asset_layers").where("code", .equal, "benches").first())
            #expect(try layer.decode(column: "name", as: String.self) == "Benches", "left empty, the layer keeps its name")
            let references = try await app.db.sql.select().column("reference").from("assets").where("layer_id", .equal, try layer.decode(column: "id", as: UUID.self))
                .all().map { try $0.decode(column: "reference", as: String.self) }
            #expect(references == ["BN-3"], "the file replaces the layer's assets")

            try await admin.get("/admin/places")
            let gazetteer = try await admin.upload("/admin/places/addresses", files: [("addresses.csv", Array("""
                uprn,address,postcode,easting,northing
                200001,"1 Fen Lane, Fen End",BK9 1AB,385000,255000
                200002,"3 Fen Lane, Fen End",BK9 1AB,385040,255000
                """.utf8))], field: "address-file")
            #expect(gazetteer.status == .seeOther)
            #expect(try await state(app).counts["gazetteer"] == 2)
            #expect(try await Gazetteer.search("BK9 1AB", on: app.db).map(\.address) == ["1 Fen Lane, Fen End", "3 Fen Lane, Fen End"])
            let audited = try await AuditEntry.query(on: app.db).filter(\.$action == "places_imported").all()
            #expect(audited.count == 6)
            #expect(audited.allSatisfy { $0.actorID != nil })
        }
    }

    @Test func aBadOrTooLargeFileIsRefusedNamingTheFeatureOrLineAndChangesNothing() async throws {
        try await withApp { app in
            app.portal.geographyUploads.geoJSONBytes = 4_000
            app.portal.geographyUploads.csvBytes = 4_000
            let admin = try await administrator(app)
            let before = try await state(app)
            let level = [("boundary-level", "districts")]
            let newLayer = [("asset-layer", "new"), ("asset-code", "seats"), ("asset-name", "Seats <public>"), ("asset-noun", "seat")]
            let big = "id,label,easting,northing\n" + (1...200).map { "S-\($0),Seat number \($0),385000,\(255000 + $0)\n" }.joined()
            let cases: [(what: String, path: String, fields: [(String, String)], field: String, file: [UInt8], status: HTTPStatus, message: String)] = [
                ("malformed", "boundaries", level, "boundary-file", Array(#"{"type":"FeatureCollection","features":[{"type":"#.utf8),
                 .unprocessableEntity, "The file is not GeoJSON"),
                ("an unclosed ring", "boundaries", level, "boundary-file", Self.bytes([Self.square("Wrenfield", west: -1.05, south: 53.0), Self.square("Open Moor", west: -1.0, south: 53.0, open: true)]),
                 .unprocessableEntity, "Feature 2 (“Open Moor”) its outer ring: a ring is not closed"),
                ("a ring crossing itself", "boundaries", level, "boundary-file",
                 Array(#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"Knot"},"geometry":{"type":"Polygon","coordinates":[[[-2.25,52.18],[-2.20,52.21],[-2.20,52.18],[-2.25,52.21],[-2.25,52.18]]]}}]}"#.utf8),
                 .unprocessableEntity, "Feature 1 (“Knot”) its outer ring: a ring crosses itself"),
                ("grid numbers as latitude and longitude", "assets", newLayer, "asset-file",
                 Array("id,label,latitude,longitude\nS-1,Seat,52.19,-2.22\nS-2,Seat,385000,255000\n".utf8),
                 .unprocessableEntity, "Line 3 has a latitude and longitude (385000, 255000) that look like British National Grid eastings and northings"),
                ("grid numbers as GeoJSON positions", "boundaries", level, "boundary-file",
                 Array(#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"Gridded"},"geometry":{"type":"Polygon","coordinates":[[[385000,255000],[386000,255000],[386000,256000],[385000,255000]]]}}]}"#.utf8),
                 .unprocessableEntity, "Feature 1 (“Gridded”) has coordinates (385000.0, 255000.0) that look like British National Grid"),
                ("a postcode that is not one", "addresses", [], "address-file",
                 Array("address,postcode,easting,northing\n\"1 Fen Lane\",BK9 1AB,385000,255000\n\"2 Fen Lane\",NOT A POSTCODE,385000,255000\n".utf8),
                 .unprocessableEntity, "Line 3 has a postcode, “NOT A POSTCODE”, that is not one"),
                ("too large", "assets", newLayer, "asset-file", Array(big.utf8), .payloadTooLarge, "The file is larger than 4 KB, the most that can be read at once"),
                ("too large", "boundaries", level, "boundary-file", Self.bytes((1...40).map { Self.square("Place \($0)", west: -1.0, south: 53.0 + Double($0) / 10) }),
                 .payloadTooLarge, "The file is larger than"),
                ("no file", "addresses", [], "address-file", [], .badRequest, "Choose a file"),
            ]
            for test in cases {
                try await admin.get("/admin/places")
                // A file input left empty sends a file with no name and no bytes.
                let files: [(name: String, data: [UInt8])] = [(test.file.isEmpty ? "" : "upload.\(test.path == "boundaries" ? "geojson" : "csv")", test.file)]
                let page = try await admin.upload("/admin/places/\(test.path)", fields: test.fields, files: files, field: test.field)
                #expect(page.status == test.status, "\(test.what)")
                #expect(page.mainText.contains("There is a problem"), "\(test.what)")
                #expect(page.mainText.contains(test.message), "\(test.what): \(page.mainText.prefix(400))")
                #expect(page.mainText.contains("Nothing was changed"), "\(test.what)")
                #expect(page.body.contains(##"href="#\##(test.field)""##), "\(test.what): the summary links to the file input")
                if test.path == "assets" { #expect(page.body.contains(#"value="Seats &lt;public&gt;""#), "\(test.what): what was typed is kept") }
                #expect(try await state(app) == before, "\(test.what) changed something")
            }
        }
    }

    @Test func theLayerMustBeNamedAndANewOneMayNotTakeAnExistingCode() async throws {
        try await withApp { app in
            _ = try await AssetImport.run(Data("id,label,easting,northing\nSL-1,Column 1,385000,255000\n".utf8),
                                          layer: AssetImport.Layer(code: "street-lights", name: "Street lights", noun: "street light"), on: app.db)
            let admin = try await administrator(app)
            let before = try await state(app)
            let file: [(name: String, data: [UInt8])] = [("seats.csv", Array("id,label,easting,northing\nS-1,Seat,385000,255000\n".utf8))]
            let cases: [([(String, String)], String, String)] = [
                ([("asset-layer", "new"), ("asset-code", ""), ("asset-name", ""), ("asset-noun", "")], "asset-code", "Enter a code for the new layer"),
                ([("asset-layer", "new"), ("asset-code", "street-lights"), ("asset-name", "Lights"), ("asset-noun", "light")], "asset-code",
                 "There is already a layer with the code street-lights"),
                ([("asset-layer", "new"), ("asset-code", "seats!"), ("asset-name", "Seats"), ("asset-noun", "seat")], "asset-code",
                 "must be 1 to 40 lower-case letters, digits and dashes"),
                ([("asset-layer", "new"), ("asset-code", "seats"), ("asset-name", "Seats\u{7}"), ("asset-noun", "seat")], "asset-name", "must be one line"),
                ([("asset-layer", "no-such-layer")], "asset-layer", "Choose a layer from the list"),
            ]
            for (fields, field, message) in cases {
                try await admin.get("/admin/places")
                let page = try await admin.upload("/admin/places/assets", fields: fields, files: file, field: "asset-file")
                #expect(page.status == .unprocessableEntity, "\(message)")
                #expect(page.mainText.contains(message), "\(message): \(page.mainText.prefix(300))")
                #expect(page.body.contains(##"href="#\##(field)""##), "\(message)")
            }
            try await admin.get("/admin/places")
            let page = try await admin.upload("/admin/places/boundaries", fields: [], files: [("d.geojson", Self.bytes([Self.square("Fenmarsh", west: -1.05, south: 53.0)]))],
                                              field: "boundary-file")
            #expect(page.mainText.contains("Choose which boundaries the file holds"))
            #expect(try await state(app) == before)
        }
    }

    @Test func onlyAnAdministratorMayLoadPlaces() async throws {
        try await withApp { app in
            let before = try await state(app)
            let districts = Self.bytes([Self.square("Fenmarsh", west: -1.05, south: 53.0)])
            for email in ["member@demo.test", "coordinator@demo.test", "responder@demo.test"] {
                let browser = TestBrowser(app)
                try await browser.signIn(email)
                #expect(try await browser.get("/admin/places").status == .forbidden, "\(email)")
                try await browser.get("/")
                let refused = try await browser.upload("/admin/places/boundaries", fields: [("boundary-level", "districts")],
                                                       files: [("d.geojson", districts)], field: "boundary-file")
                #expect(refused.status == .forbidden, "\(email)")
            }
            #expect(try await TestBrowser(app).get("/admin/places").status != .ok)
            // An administrator's browser sending the form without the page's token.
            let admin = try await administrator(app)
            let forger = TestBrowser(app)
            forger.cookies = admin.cookies
            let forged = try await forger.upload("/admin/places/boundaries", fields: [("boundary-level", "districts")],
                                                 files: [("d.geojson", districts)], field: "boundary-file")
            #expect(forged.status == .forbidden)
            #expect(try await state(app) == before)
            // The page is linked from the administrator's home page.
            #expect(try await admin.get("/").body.contains(#"href="/admin/places""#))
        }
    }
}
