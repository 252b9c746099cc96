import Fluent
import Foundation
import PortalCore
@testable import PortalServer
import SQLKit
import Testing
import Vapor

/// The council's assets and addresses: imports that are all or nothing, the nearest asset to a
/// click, the gazetteer's search, and the demo county placed on them.
@Suite struct AssetsAndGazetteerTests {
    static let lights = AssetImport.Layer(code: "street-lights", name: "Street lights", noun: "street light")

    func count(_ table: String, on db: any Database) async throws -> Int {
        try await db.sql.raw("SELECT COUNT(*) AS n FROM \(ident: table)").first()!.decode(column: "n", as: Int.self)
    }

    @Test func theNearestAssetWithinThirtyMetresIsFoundAndNothingFurther() async throws {
        try await withApp { app in
            let csv = """
                id,type,label,easting,northing
                SL-1,street light,Column 1 Mill Lane,385000,255000
                SL-2,street light,"Column 2, Mill Lane",385020,255000
                SL-3,street light,Column 3 Mill Lane,385100,255000
                """
            #expect(try await AssetImport.run(Data(csv.utf8), layer: Self.lights, on: app.db) == 3)
            let near = try await Places.nearestAsset(to: GridPoint(easting: 385_014, northing: 255_003)!, on: app.db)
            #expect(near?.reference == "SL-2")
            #expect(near?.label == "Column 2, Mill Lane")
            #expect(try await Places.nearestAsset(to: GridPoint(easting: 385_060, northing: 255_000)!, on: app.db) == nil, "40 m from the nearest")
            #expect(try await Places.nearestAsset(to: GridPoint(easting: 385_100, northing: 255_029)!, on: app.db)?.reference == "SL-3")
        }
    }

    @Test func aBadAssetFileChangesNothingAndNamesTheLine() async throws {
        try await withApp { app in
            let good = "id,label,latitude,longitude\nGB-1,Grit bin by the school,52.19,-2.22\n"
            _ = try await AssetImport.run(Data(good.utf8), layer: Self.lights, on: app.db)
            let bad: [(String, String)] = [
                ("id,label,latitude,longitude\nGB-2,Bin,52.19,-2.22\nGB-3,Bin,385000,255000\n", "Line 3 has a latitude and longitude (385000, 255000) that look like British National Grid"),
                ("id,label,easting,northing\nGB-2,Bin,385000,255000\nGB-2,Bin,385001,255000\n", "repeats the id"),
                ("id,label,easting,northing\nGB-2,\"Bin,385000,255000\n", "never closed"),
                ("id,label,easting,northing\nGB-2,Bin,385000\n", "has 3 fields"),
                ("label,easting,northing\nBin,385000,255000\n", "has no id"),
                (#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"X"},"geometry":{"type":"Point","coordinates":[385000,255000]}}]}"#, "British National Grid"),
            ]
            for (file, message) in bad {
                do {
                    _ = try await AssetImport.run(Data(file.utf8), layer: Self.lights, on: app.db)
                    Issue.record("accepted: \(file)")
                } catch let problem as ImportProblem {
                    #expect(problem.text.contains(message), "\(problem.text)")
                }
            }
            let left = try await app.db.sql.select().column("reference").from("assets").all().map { try $0.decode(column: "reference", as: String.self) }
            #expect(left == ["GB-1"])
            await #expect(throws: ImportProblem.self) {
                _ = try AssetImport.Layer.check(code: "Street Lights!", name: "Street lights", noun: "street light")
            }
        }
    }

    @Test func theGazetteerFindsAddressesByPostcodeAndByWords() async throws {
        try await withApp { app in
            let csv = """
                uprn,address,postcode,easting,northing
                100001,"12 Mill Lane, Wrenfield Town",BK1 2AB,385000,255000
                100002,"14 Mill Lane, Wrenfield Town",bk12ab,385030,255000
                100003,"3 Church Street, Kestrel",BK2 7XY,395000,262000
                """
            let loaded = try await Gazetteer.run(Data(csv.utf8), on: app.db)
            #expect(loaded == 3)
            func search(_ text: String) async throws -> [Gazetteer.Address] { try await Gazetteer.search(text, on: app.db) }
            let byPostcode = try await search("BK1 2AB").map(\.address)
            #expect(byPostcode == ["12 Mill Lane, Wrenfield Town", "14 Mill Lane, Wrenfield Town"])
            let byStart = try await search("bk2").map(\.postcode)
            #expect(byStart == ["BK2 7XY"])
            let byWords = try await search("mill wren")
            #expect(byWords.count == 2)
            let byNumber = try await search("14 mill").map(\.address)
            #expect(byNumber == ["14 Mill Lane, Wrenfield Town"])
            let church = try await search("church").first?.point
            #expect(church == GridPoint(easting: 395_000, northing: 262_000))
            let nowhere = try await search("nowhere")
            #expect(nowhere.isEmpty)
            let hostile = try await search("\"; DROP TABLE gazetteer; --")
            #expect(hostile.isEmpty)

            let bad = "address,postcode,easting,northing\n\"1 Mill Lane\",NOT A CODE,385000,255000\n"
            await #expect(throws: ImportProblem.self) { _ = try await Gazetteer.run(Data(bad.utf8), on: app.db) }
            #expect(try await count("gazetteer", on: app.db) == 3, "a refused file leaves the gazetteer as it was")
        }
    }

    @Test func everyDemoEnquiryIsPlacedInItsOwnDivisionAndHighwaysOnesOnAStreetLight() async throws {
        try await withApp { app in
            try await DemoPlaces.loadAssetsAndAddresses(on: app.db)
            #expect(try await count("assets", on: app.db) > 20_000)
            #expect(try await count("gazetteer", on: app.db) > 28_000)
            try await DemoEnquiries.load(on: app.db, at: app.now)
            let index = try await Places.load(on: app.db)
            let highways = try await Fixtures(app: app).area("Highways")
            let all = try await Enquiry.query(on: app.db).all()
            #expect(all.count == DemoEnquiries.count)
            for enquiry in all {
                let point = try #require(enquiry.point, "\(enquiry.reference) has a point")
                #expect(index.locate(point).division == enquiry.$division.id, "\(enquiry.reference) lies in its own division")
                if enquiry.$serviceArea.id == highways {
                    let asset = try #require(enquiry.asset, "\(enquiry.reference) is on an asset")
                    #expect(asset.point == point)
                }
            }
            // The demo's gazetteer answers a postcode search.
            let sample = try #require(try await Gazetteer.search("mill lane", on: app.db).first)
            #expect(try await Gazetteer.search(sample.postcode, on: app.db).contains(sample))
        }
    }
}
