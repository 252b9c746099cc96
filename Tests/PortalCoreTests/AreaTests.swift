import Foundation
@testable import PortalCore
import Testing

private func p(_ e: Double, _ n: Double) -> GridPoint { GridPoint(unchecked: e, n) }
private func square(_ e: Double, _ n: Double, _ size: Double) -> [GridPoint] {
    [p(e, n), p(e + size, n), p(e + size, n + size), p(e, n + size), p(e, n)]
}

@Suite struct AreaTests {
    @Test func aPointIsInsideAnOuterRingAndOutsideItsHoles() {
        let area = Area(polygons: [[square(0, 0, 100), square(40, 40, 20)], [square(500, 500, 10)]])
        #expect(area.contains(p(10, 10)))
        #expect(!area.contains(p(50, 50)), "in the hole")
        #expect(area.contains(p(505, 505)), "in the second polygon")
        #expect(!area.contains(p(200, 200)))
        #expect(!area.contains(p(-1, 50)))
        let expected: Double = 10_000 - 400 + 100
        #expect(area.squareMetres == expected)
        let label = try! #require(area.labelPoint)
        #expect(area.contains(label))
    }

    @Test func aConcaveAreaHoldsOnlyWhatIsInside() {
        // A U shape: the notch between its arms is outside.
        let u = Area(polygons: [[[p(0, 0), p(30, 0), p(30, 30), p(20, 30), p(20, 10), p(10, 10), p(10, 30), p(0, 30), p(0, 0)]]])
        #expect(u.contains(p(5, 25)))
        #expect(u.contains(p(25, 25)))
        #expect(!u.contains(p(15, 25)))
        #expect(u.contains(u.labelPoint!))
    }

    @Test func badRingsAreNamed() {
        #expect(AreaCheck.problem(in: square(0, 0, 10)) == nil)
        #expect(AreaCheck.problem(in: [p(0, 0), p(1, 0), p(0, 0)]) == .tooFewPoints)
        #expect(AreaCheck.problem(in: Array(square(0, 0, 10).dropLast())) == .notClosed)
        let bowTie = [p(0, 0), p(10, 10), p(10, 0), p(0, 10), p(0, 0)]
        #expect(AreaCheck.problem(in: bowTie) == .crossesItself(near: p(5, 5)))
        // Two lobes meeting at one corner.
        let eight = [p(0, 0), p(10, 0), p(10, 10), p(20, 10), p(20, 20), p(10, 20), p(10, 10), p(0, 10), p(0, 0)]
        #expect(AreaCheck.problem(in: eight) != nil)
    }

    @Test func aLongRingIsCheckedQuicklyAndExactly() {
        // A circle of 20,000 positions is good; nudging one position across the ring makes it cross.
        var circle = (0..<20_000).map { i -> GridPoint in
            let angle = Double(i) / 20_000 * 2 * .pi
            return p(400_000 + 5_000 * cos(angle), 250_000 + 5_000 * sin(angle))
        }
        circle.append(circle[0])
        #expect(AreaCheck.problem(in: circle) == nil)
        circle[10_000] = p(400_000 + 5_000, 250_000)
        #expect(AreaCheck.problem(in: circle) != nil)
    }
}

@Suite struct GeoJSONReaderTests {
    static func collection(_ features: String, crs: String = "") -> Data {
        Data(#"{"type":"FeatureCollection",\#(crs)"features":[\#(features)]}"#.utf8)
    }

    static let parish = #"{"type":"Feature","properties":{"name":"Mill Green","code":"E04000001","population":1520},"geometry":{"type":"Polygon","coordinates":[[[-2.25,52.18],[-2.20,52.18],[-2.20,52.21],[-2.25,52.21],[-2.25,52.18]]]}}"#

    func problem(_ data: Data, limits: GeoJSONReader.Limits = .init()) -> ImportProblem? {
        if case .failure(let problem) = GeoJSONReader.read(data, limits: limits) { return problem }
        return nil
    }

    @Test func areasAndPointsAreReadOntoTheGrid() throws {
        let light = #"{"type":"Feature","properties":{"id":"SL-1","label":"Column 1"},"geometry":{"type":"Point","coordinates":[-2.22,52.19]}}"#
        let features = try GeoJSONReader.read(Self.collection(Self.parish + "," + light)).get()
        #expect(features.count == 2)
        #expect(features[0].properties["name"] == "Mill Green")
        #expect(features[0].properties["population"] == "1520")
        guard case .area(let area) = features[0].geometry, case .point(let point) = features[1].geometry else {
            Issue.record("wrong geometry"); return
        }
        #expect(area.contains(point))
        #expect(abs(point.easting - 385_057) < 2 && abs(point.northing - 254_663) < 2)
    }

    @Test func aCollectionOnTheBritishNationalGridIsReadAsIs() throws {
        let crs = #""crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::27700"}},"#
        let feature = #"{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[385181,254800]}}"#
        let features = try GeoJSONReader.read(Self.collection(feature, crs: crs)).get()
        guard case .point(let point) = features[0].geometry else { Issue.record("not a point"); return }
        #expect(point == GridPoint(easting: 385_181, northing: 254_800))
    }

    @Test func everyBadFileIsRefusedNamingWhere() throws {
        #expect(problem(Data("not json".utf8))?.place == "the file")
        #expect(problem(Data(#"{"type":"Feature"}"#.utf8))?.message.contains("FeatureCollection") == true)
        let gridAsDegrees = #"{"type":"Feature","properties":{"name":"Oak"},"geometry":{"type":"Point","coordinates":[385181,254800]}}"#
        let asDegrees = try #require(problem(Self.collection(Self.parish + "," + gridAsDegrees)))
        #expect(asDegrees.place == "feature 2 (“Oak”)")
        #expect(asDegrees.message.contains("British National Grid"))
        let outOfRange = #"{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[-2.2,95]}}"#
        #expect(problem(Self.collection(outOfRange))?.message.contains("out of range") == true)
        let open = #"{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[-2.25,52.18],[-2.20,52.18],[-2.20,52.21],[-2.25,52.21]]]}}"#
        #expect(problem(Self.collection(open))?.message.contains("not closed") == true)
        let crossing = #"{"type":"Feature","properties":{"name":"Knot"},"geometry":{"type":"Polygon","coordinates":[[[-2.25,52.18],[-2.20,52.21],[-2.20,52.18],[-2.25,52.21],[-2.25,52.18]]]}}"#
        let crossed = try #require(problem(Self.collection(crossing)))
        #expect(crossed.place == "feature 1 (“Knot”)" && crossed.message.contains("crosses itself"))
        let line = #"{"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[-2.2,52.1],[-2.1,52.2]]}}"#
        #expect(problem(Self.collection(line))?.message.contains("LineString") == true)
        let abroad = #"{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[2.35,48.85]}}"#
        #expect(problem(Self.collection(abroad))?.message.contains("outside Great Britain") == true)
        var small = GeoJSONReader.Limits()
        small.bytes = 100
        #expect(problem(Self.collection(Self.parish), limits: small)?.message.contains("MB") == true)
        small = GeoJSONReader.Limits()
        small.features = 1
        #expect(problem(Self.collection(Self.parish + "," + Self.parish), limits: small)?.message.contains("features") == true)
    }
}
