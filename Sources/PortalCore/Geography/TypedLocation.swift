/// A place typed into the location form: a grid reference, an easting and northing, or a
/// latitude and longitude. Each reads to the same point; anything else gets a message saying
/// what was expected.
public enum TypedLocation {
    /// What the text was read as, for the message that confirms it.
    public enum Kind: String, Sendable { case gridReference, eastingNorthing, latitudeLongitude }

    public static func parse(_ text: String) -> Result<(point: GridPoint, kind: Kind), TypedLocationError> {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else { return .failure(.empty) }
        guard trimmed.count <= 60, !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            return .failure(.notALocation)
        }
        if let first = trimmed.first, first.isLetter {
            guard let point = GridReference.parse(trimmed) else { return .failure(.notAGridReference) }
            return .success((point, .gridReference))
        }
        let parts = trimmed.split(whereSeparator: { $0 == "," || $0 == " " || $0 == ";" }).map(String.init)
        guard parts.count == 2, let a = Double(parts[0]), let b = Double(parts[1]), a.isFinite, b.isFinite else {
            return .failure(.notALocation)
        }
        let looksLikeDegrees = parts.contains { $0.contains(".") } && abs(a) <= 90 && abs(b) <= 180
        if looksLikeDegrees {
            guard let geo = GeoPoint(latitude: a, longitude: b) else { return .failure(.notALocation) }
            guard let grid = BritishNationalGrid.grid(geo), (49.0...61.5).contains(a), (-9.0...2.5).contains(b) else {
                // Longitude first, as GeoJSON writes it, is the usual slip.
                if (49.0...61.5).contains(b), (-9.0...2.5).contains(a) { return .failure(.longitudeFirst) }
                return .failure(.outsideGreatBritain)
            }
            return .success((grid, .latitudeLongitude))
        }
        guard let grid = GridPoint(easting: a, northing: b) else { return .failure(.outsideGreatBritain) }
        return .success((grid, .eastingNorthing))
    }
}

public enum TypedLocationError: Error, Sendable, Equatable {
    case empty, notALocation, notAGridReference, longitudeFirst, outsideGreatBritain

    public var message: String {
        switch self {
        case .empty: "Enter a grid reference, an easting and northing, or a latitude and longitude"
        case .notALocation: "Enter a grid reference like SO 851 548, an easting and northing like 385181, 254800, or a latitude and longitude like 52.19, -2.22"
        case .notAGridReference: "Enter a grid reference as two letters and an even number of digits, like SO 851 548"
        case .longitudeFirst: "That looks like longitude then latitude; enter the latitude first, like 52.19, -2.22"
        case .outsideGreatBritain: "That place is not in Great Britain; check the numbers"
        }
    }
}
