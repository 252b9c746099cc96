import Foundation

/// A point on the Earth as GPS, web maps and GeoJSON give it: WGS84 latitude and longitude in
/// degrees. Open311 and the map speak this; distances and boundaries use `GridPoint`.
public struct GeoPoint: Sendable, Hashable, Codable {
    public let latitude: Double
    public let longitude: Double

    /// Nil unless both are finite and in range.
    public init?(latitude: Double, longitude: Double) {
        guard latitude.isFinite, longitude.isFinite, abs(latitude) <= 90, abs(longitude) <= 180 else { return nil }
        self.latitude = latitude
        self.longitude = longitude
    }

    /// Six decimal places, about 10 cm: as stored and as typed back into a form.
    public var text: String { String(format: "%.6f, %.6f", latitude, longitude) }

    /// Latitude and longitude to six decimal places, as maps in the browser are sent them.
    public var rounded: (latitude: Double, longitude: Double) {
        ((latitude * 1e6).rounded() / 1e6, (longitude * 1e6).rounded() / 1e6)
    }
}

/// A point on the British National Grid (EPSG:27700): metres east and north of the grid's false
/// origin, south-west of the Isles of Scilly. Distances between grid points are metres on the map.
public struct GridPoint: Sendable, Hashable, Codable {
    public let easting: Double
    public let northing: Double

    /// The grid covers Great Britain: eastings 0 to 700 km, northings 0 to 1,300 km.
    public static let eastings = 0.0..<700_000.0
    public static let northings = 0.0..<1_300_000.0

    /// Nil unless both are finite and on the grid.
    public init?(easting: Double, northing: Double) {
        guard Self.eastings.contains(easting), Self.northings.contains(northing) else { return nil }
        self.easting = easting
        self.northing = northing
    }

    /// Any point in metres, on the grid or off it (for geometry).
    init(unchecked easting: Double, _ northing: Double) {
        self.easting = easting
        self.northing = northing
    }

    public func distance(to other: GridPoint) -> Double {
        ((easting - other.easting) * (easting - other.easting) + (northing - other.northing) * (northing - other.northing)).squareRoot()
    }

    /// "385181, 254800": whole metres, as people type an easting and northing.
    public var text: String { "\(Int(easting.rounded())), \(Int(northing.rounded()))" }
}
