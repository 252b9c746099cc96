import Foundation

/// Reads a GeoJSON FeatureCollection (RFC 7946: longitude then latitude in WGS84; or, as many
/// councils' systems still write it, a collection whose `crs` names British National Grid
/// EPSG:27700) into features on the grid. Every problem names the feature it is in, and any
/// problem refuses the whole file: an import is all or nothing.
public enum GeoJSONReader {
    public struct Feature: Sendable {
        /// Its place in the file, from 1.
        public let number: Int
        /// Its properties that are text or numbers, as text.
        public let properties: [String: String]
        public let geometry: Geometry

        public init(number: Int, properties: [String: String], geometry: Geometry) {
            self.number = number
            self.properties = properties
            self.geometry = geometry
        }
    }

    public enum Geometry: Sendable {
        case point(GridPoint)
        case area(Area)
    }

    public struct Limits: Sendable {
        public var bytes = 64 * 1024 * 1024
        public var features = 250_000
        public var positions = 4_000_000
        public init() {}
    }

    public static func read(_ data: Data, limits: Limits = Limits()) -> Result<[Feature], ImportProblem> {
        guard data.count <= limits.bytes else {
            return .failure(ImportProblem(where: "the file", message: "is \(data.count / 1_048_576) MB; the most that can be read at once is \(limits.bytes / 1_048_576) MB"))
        }
        guard let root = try? JSONSerialization.jsonObject(with: data, options: []) as? [String: Any] else {
            return .failure(ImportProblem(where: "the file", message: "is not GeoJSON: it must be a JSON object"))
        }
        guard root["type"] as? String == "FeatureCollection", let list = root["features"] as? [Any] else {
            return .failure(ImportProblem(where: "the file", message: "must be a GeoJSON FeatureCollection with a list of features"))
        }
        guard list.count <= limits.features else {
            return .failure(ImportProblem(where: "the file", message: "has \(list.count) features; the most is \(limits.features)"))
        }
        let onGrid = crsNamesBritishNationalGrid(root["crs"])
        var features: [Feature] = []
        var positions = 0
        for (offset, item) in list.enumerated() {
            let number = offset + 1
            guard let object = item as? [String: Any], object["type"] as? String == "Feature" else {
                return .failure(ImportProblem(where: "feature \(number)", message: "is not a GeoJSON Feature"))
            }
            var properties: [String: String] = [:]
            for (key, value) in (object["properties"] as? [String: Any]) ?? [:] {
                if let text = value as? String { properties[key] = text }
                else if let number = value as? NSNumber { properties[key] = number.stringValue }
            }
            let place = "feature \(number)" + (properties["name"].map { " (“\($0)”)" } ?? "")
            guard let geometry = object["geometry"] as? [String: Any], let type = geometry["type"] as? String else {
                return .failure(ImportProblem(where: place, message: "has no geometry"))
            }
            let reader = PositionReader(onGrid: onGrid, place: place)
            do {
                switch type {
                case "Point":
                    features.append(Feature(number: number, properties: properties, geometry: .point(try reader.position(geometry["coordinates"]))))
                    positions += 1
                case "Polygon":
                    let rings = try reader.polygon(geometry["coordinates"])
                    positions += rings.reduce(0) { $0 + $1.count }
                    features.append(Feature(number: number, properties: properties, geometry: .area(Area(polygons: [rings]))))
                case "MultiPolygon":
                    guard let parts = geometry["coordinates"] as? [Any], !parts.isEmpty else {
                        throw ImportProblem(where: place, message: "has a MultiPolygon with no polygons")
                    }
                    let polygons = try parts.map { try reader.polygon($0) }
                    positions += polygons.reduce(0) { $0 + $1.reduce(0) { $0 + $1.count } }
                    features.append(Feature(number: number, properties: properties, geometry: .area(Area(polygons: polygons))))
                default:
                    throw ImportProblem(where: place, message: "is a \(type); only Point, Polygon and MultiPolygon can be read")
                }
            } catch let problem as ImportProblem {
                return .failure(problem)
            } catch {
                return .failure(ImportProblem(where: place, message: "could not be read"))
            }
            guard positions <= limits.positions else {
                return .failure(ImportProblem(where: "the file", message: "has more than \(limits.positions) positions"))
            }
        }
        return .success(features)
    }

    /// The old GeoJSON's named CRS for British National Grid, in any of the ways it is written.
    static func crsNamesBritishNationalGrid(_ crs: Any?) -> Bool {
        guard let crs = crs as? [String: Any], let properties = crs["properties"] as? [String: Any],
              let name = properties["name"] as? String else { return false }
        return name.hasSuffix("27700")
    }

    struct PositionReader {
        let onGrid: Bool
        let place: String

        func position(_ value: Any?) throws -> GridPoint {
            guard let pair = value as? [Any], pair.count >= 2, let x = (pair[0] as? NSNumber)?.doubleValue, let y = (pair[1] as? NSNumber)?.doubleValue,
                  x.isFinite, y.isFinite else {
                throw ImportProblem(where: place, message: "has a position that is not a pair of numbers")
            }
            if onGrid {
                guard let point = GridPoint(easting: x, northing: y) else {
                    throw ImportProblem(where: place, message: "has an easting and northing (\(x), \(y)) off the British National Grid")
                }
                return point
            }
            guard abs(x) <= 180, abs(y) <= 90 else {
                if GridPoint(easting: x, northing: y) != nil {
                    throw ImportProblem(where: place, message: "has coordinates (\(x), \(y)) that look like British National Grid eastings and northings; GeoJSON positions are longitude then latitude, or name EPSG:27700 in the file's crs")
                }
                throw ImportProblem(where: place, message: "has a position (\(x), \(y)) out of range: longitude must be within ±180 and latitude within ±90")
            }
            guard let geo = GeoPoint(latitude: y, longitude: x), let point = BritishNationalGrid.grid(geo),
                  (49.0...61.5).contains(y), (-9.0...2.5).contains(x) else {
                throw ImportProblem(where: place, message: "has a position (longitude \(x), latitude \(y)) outside Great Britain")
            }
            return point
        }

        func polygon(_ value: Any?) throws -> [[GridPoint]] {
            guard let rings = value as? [Any], !rings.isEmpty else { throw ImportProblem(where: place, message: "has a polygon with no rings") }
            return try rings.enumerated().map { index, ring in
                guard let list = ring as? [Any] else { throw ImportProblem(where: place, message: "has a ring that is not a list of positions") }
                let points = try list.map { try position($0) }
                if let problem = AreaCheck.problem(in: points) {
                    throw ImportProblem(where: place, message: (index == 0 ? "its outer ring: " : "hole \(index): ") + problem.message)
                }
                return points
            }
        }
    }
}

/// Why an import was refused: where in the file, and what is wrong there.
public struct ImportProblem: Error, Sendable, Equatable {
    public let place: String
    public let message: String

    public init(where place: String, message: String) {
        self.place = place
        self.message = message
    }

    public var text: String { "\(place.prefix(1).uppercased() + place.dropFirst()) \(message)" }
}
