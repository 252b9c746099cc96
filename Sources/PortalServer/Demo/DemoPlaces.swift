import Fluent
import Foundation
import PortalCore

/// Brackenshire on the map: generated boundaries that tile the county, 40 km by 30 km of the
/// grid in the English Midlands. Districts are its quarters, each district's divisions its
/// thirds from west to east, and each division's parishes its bands from south to north; every
/// edge is drawn through one gently warped lattice, so neighbours share their edges exactly.
enum DemoPlaces {
    static let origin = (easting: 370_000.0, northing: 240_000.0)
    static let size = (width: 40_000.0, height: 30_000.0)

    /// Districts' quarters of the unit square, in `DemoCouncilData.districts` order.
    static let quarters: [(x: Double, y: Double)] = [(0, 0.5), (0.5, 0.5), (0, 0), (0.5, 0)]

    /// A point of the unit square on the grid, after the warp that makes the edges look drawn.
    static func grid(_ x: Double, _ y: Double) -> GridPoint {
        let dx = 0.02 * sin(2 * .pi * (1.7 * y + 0.3 * x))
        let dy = 0.02 * sin(2 * .pi * (1.3 * x - 0.4 * y) + 1)
        return GridPoint(easting: origin.easting + size.width * (x + dx), northing: origin.northing + size.height * (y + dy))!
    }

    /// A rectangle of the unit square as a closed ring, with a position every 1/96 of the side so
    /// that neighbouring rectangles share every position of their common edge.
    static func ring(x0: Double, y0: Double, x1: Double, y1: Double) -> [GridPoint] {
        let step = 1.0 / 96
        func stops(_ a: Double, _ b: Double) -> [Double] {
            let count = Int(((b - a) / step).rounded())
            return (0..<count).map { a + Double($0) * (b - a) / Double(count) }
        }
        var points: [GridPoint] = []
        for x in stops(x0, x1) { points.append(grid(x, y0)) }
        for y in stops(y0, y1) { points.append(grid(x1, y)) }
        for x in stops(x0, x1).map({ x0 + x1 - $0 }) { points.append(grid(x, y1)) }
        for y in stops(y0, y1).map({ y0 + y1 - $0 }) { points.append(grid(x0, y)) }
        points.append(points[0])
        return points
    }

    /// The three levels' features, each a rectangle of the unit square.
    static func features() -> [PlaceIndex.Kind: [GeoJSONReader.Feature]] {
        var result: [PlaceIndex.Kind: [GeoJSONReader.Feature]] = [:]
        func add(_ kind: PlaceIndex.Kind, _ name: String, _ code: String, population: Int, _ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double) {
            let area = Area(polygons: [[ring(x0: x0, y0: y0, x1: x1, y1: y1)]])
            let number = (result[kind]?.count ?? 0) + 1
            result[kind, default: []].append(GeoJSONReader.Feature(
                number: number, properties: ["name": name, "code": code, "population": String(population)], geometry: .area(area)))
        }
        for (d, district) in DemoCouncilData.districts.enumerated() {
            let (qx, qy) = quarters[d]
            add(.district, district.name, "E0700\(d + 1)", population: 90_000 + 7_000 * d, qx, qy, qx + 0.5, qy + 0.5)
            for (v, division) in district.divisions.enumerated() {
                let x0 = qx + Double(v) / 6, x1 = qx + Double(v + 1) / 6
                add(.division, division.name, "E0580\(d + 1)\(v + 1)", population: 9_000 + 1_100 * v, x0, qy, x1, qy + 0.5)
                for (p, parish) in division.parishes.enumerated() {
                    let share = 0.5 / Double(division.parishes.count)
                    add(.parish, parish, "E0430\(d + 1)\(v + 1)\(p + 1)", population: 2_000 + 600 * p, x0, qy + share * Double(p), x1, qy + share * Double(p + 1))
                }
            }
        }
        return result
    }

    /// Stores the boundaries for the places `DemoCouncil` made, through the same import an
    /// administrator uses.
    static func loadBoundaries(on db: any Database) async throws {
        let features = features()
        try await db.transaction { db in
            for kind in PlaceIndex.Kind.allCases { _ = try await BoundaryImport.store(features[kind] ?? [], kind: kind, on: db) }
        }
    }
}
