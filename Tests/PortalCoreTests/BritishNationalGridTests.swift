import Foundation
@testable import PortalCore
import Testing

@Suite struct BritishNationalGridTests {
    /// Points spread over Great Britain, from the Scillies to Shetland.
    static func spread(_ count: Int) -> [GeoPoint] {
        var random = SeededRandom(seed: 27700)
        return (0..<count).map { _ in
            GeoPoint(latitude: Double.random(in: 49.95...60.7, using: &random), longitude: Double.random(in: -6.3...1.7, using: &random))!
        }
    }

    /// Runs PROJ's cs2cs on lines of "x y", returning its first two numbers per line.
    static func cs2cs(_ from: String, _ to: String, _ lines: [String]) throws -> [(Double, Double)] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["cs2cs", "-f", "%.6f", from, to]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map { line in
            let numbers = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { Double($0) }
            return (numbers[0], numbers[1])
        }
    }

    static var projInstalled: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/cs2cs") }

    @Test func gridPointsAgreeWithPROJ() throws {
        guard Self.projInstalled else {
            #expect(ProcessInfo.processInfo.environment["CI"] == nil, "CI must install proj-bin")
            return
        }
        let points = Self.spread(400)
        let proj = try Self.cs2cs("EPSG:4326", "EPSG:27700", points.map { "\($0.latitude) \($0.longitude)" })
        #expect(proj.count == points.count)
        var worst = 0.0
        for (point, expected) in zip(points, proj) {
            let ours = try #require(BritishNationalGrid.grid(point))
            let gap = ours.distance(to: GridPoint(unchecked: expected.0, expected.1))
            worst = max(worst, gap)
            #expect(gap < 1, "\(point): ours \(ours.text), PROJ \(expected)")
        }
        print("BritishNationalGridTests: \(points.count) points, largest gap from PROJ \(String(format: "%.3f", worst)) m")
    }

    @Test func latitudesAndLongitudesAgreeWithPROJ() throws {
        guard Self.projInstalled else { return }
        let grid = Self.spread(200).compactMap(BritishNationalGrid.grid)
        let proj = try Self.cs2cs("EPSG:27700", "EPSG:4326", grid.map { "\($0.easting) \($0.northing)" })
        for (point, expected) in zip(grid, proj) {
            let ours = BritishNationalGrid.geo(point)
            // Back onto the grid to measure the gap in metres.
            let gap = try #require(BritishNationalGrid.grid(ours)).distance(to: try #require(BritishNationalGrid.grid(GeoPoint(latitude: expected.0, longitude: expected.1)!)))
            #expect(gap < 1, "\(point.text): ours \(ours.text), PROJ \(expected)")
        }
    }

    @Test func aRoundTripComesBackToTheSamePlace() throws {
        for point in Self.spread(300) {
            let grid = try #require(BritishNationalGrid.grid(point))
            let back = BritishNationalGrid.geo(grid)
            #expect(try #require(BritishNationalGrid.grid(back)).distance(to: grid) < 0.05)
        }
    }

    @Test func pointsFarFromBritainAreOffTheGrid() {
        #expect(BritishNationalGrid.grid(GeoPoint(latitude: 40.7, longitude: -74.0)!) == nil)
        #expect(GeoPoint(latitude: 91, longitude: 0) == nil)
        #expect(GeoPoint(latitude: .nan, longitude: 0) == nil)
        #expect(GridPoint(easting: 385_000, northing: -1) == nil)
    }
}

@Suite struct GridReferenceTests {
    @Test func tenFigureReferencesNameTheMetre() throws {
        #expect(GridReference.text(try #require(GridPoint(easting: 385_181, northing: 254_800))) == "SO 85181 54800")
        #expect(GridReference.text(try #require(GridPoint(easting: 530_080, northing: 180_070))) == "TQ 30080 80070")
        #expect(GridReference.text(try #require(GridPoint(easting: 216_600, northing: 771_200))) == "NN 16600 71200")
        #expect(GridReference.text(try #require(GridPoint(easting: 446_000, northing: 1_210_000))) == "HP 46000 10000")
        #expect(GridReference.text(try #require(GridPoint(easting: 91_000, northing: 11_000))) == "SV 91000 11000")
    }

    @Test func everySquareReadsBackToItself() throws {
        for e in 0..<7 {
            for n in 0..<13 {
                let point = try #require(GridPoint(easting: Double(e) * 100_000 + 12_345, northing: Double(n) * 100_000 + 67_890))
                let text = try #require(GridReference.text(point))
                #expect(GridReference.parse(text) == point, "\(text)")
            }
        }
    }

    @Test func shorterReferencesNameTheCentreOfTheirSquare() {
        #expect(GridReference.parse("SO 851 548") == GridPoint(easting: 385_150, northing: 254_850))
        #expect(GridReference.parse("so8554") == GridPoint(easting: 385_500, northing: 254_500))
        #expect(GridReference.parse("SO") == GridPoint(easting: 350_000, northing: 250_000))
        #expect(GridReference.parse("SO 85181 54800") == GridPoint(easting: 385_181, northing: 254_800))
    }

    @Test func malformedReferencesAreRefused() {
        for text in ["SO 851 54", "IO 851 548", "S 851 548", "SO 85x 548", "SO 851181 548000", "", "ZZ 123 456", "SO 851 548 1"] {
            #expect(GridReference.parse(text) == nil, "\(text)")
        }
    }
}

@Suite struct TypedLocationTests {
    @Test func eachWayOfTypingAPlaceReadsToTheSamePoint() throws {
        let byReference = try TypedLocation.parse("SO 85181 54800").get()
        #expect(byReference.kind == .gridReference)
        let byNumbers = try TypedLocation.parse("385181, 254800").get()
        #expect(byNumbers.kind == .eastingNorthing)
        #expect(byNumbers.point == byReference.point)
        let geo = BritishNationalGrid.geo(byReference.point)
        let byDegrees = try TypedLocation.parse(String(format: "%.6f, %.6f", geo.latitude, geo.longitude)).get()
        #expect(byDegrees.kind == .latitudeLongitude)
        #expect(byDegrees.point.distance(to: byReference.point) < 0.2)
    }

    @Test func mistakesGetAMessageSayingWhatWasExpected() {
        func problem(_ text: String) -> TypedLocationError? {
            if case .failure(let error) = TypedLocation.parse(text) { return error }
            return nil
        }
        #expect(problem("  ") == .empty)
        #expect(problem("SO 851 54") == .notAGridReference)
        #expect(problem("-2.22, 52.19") == .longitudeFirst)
        #expect(problem("40.7, -74.0") == .outsideGreatBritain)
        #expect(problem("385181, 99999999") == .outsideGreatBritain)
        #expect(problem("near the church") == .notAGridReference)
        #expect(problem("1, 2, 3") == .notALocation)
        #expect(problem("52.1\n-2.2") == .notALocation)
        #expect(problem("1e400, 2") == .notALocation)
        #expect(problem("nan, nan") == .notAGridReference)
        for error in [TypedLocationError.empty, .notALocation, .notAGridReference, .longitudeFirst, .outsideGreatBritain] {
            #expect(!error.message.isEmpty)
        }
    }
}
