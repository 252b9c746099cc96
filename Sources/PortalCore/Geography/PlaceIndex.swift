import Foundation

/// The council's districts, divisions and parishes with their boundaries: which of each holds a
/// point. With about forty areas, a bounding-box test first and the exact test after answer in
/// microseconds.
public struct PlaceIndex: Sendable {
    public enum Kind: String, Sendable, CaseIterable, Codable {
        case district, division, parish

        public var label: String {
            switch self {
            case .district: "district"
            case .division: "division"
            case .parish: "parish"
            }
        }
    }

    public struct Place: Sendable {
        public let id: UUID
        public let kind: Kind
        public let name: String
        public let area: Area

        public init(id: UUID, kind: Kind, name: String, area: Area) {
            self.id = id
            self.kind = kind
            self.name = name
            self.area = area
        }
    }

    /// The places holding a point, one of each kind where there is one.
    public struct Placement: Sendable, Equatable {
        public var district: UUID?
        public var division: UUID?
        public var parish: UUID?
    }

    public let places: [Place]
    /// Everything the council covers: the districts' bounds together.
    public let bounds: GridBounds

    public init(_ places: [Place]) {
        self.places = places
        var bounds = GridBounds([])
        for place in places where place.kind == .district { bounds.include(place.area.bounds) }
        self.bounds = bounds
    }

    /// Whether any boundaries are loaded: without them a point is taken as it is.
    public var isEmpty: Bool { places.isEmpty }

    /// The middle of the council, where a map of it starts; nil before any districts are loaded.
    public var centre: GridPoint? {
        bounds.isEmpty ? nil : GridPoint(easting: (bounds.minEasting + bounds.maxEasting) / 2, northing: (bounds.minNorthing + bounds.maxNorthing) / 2)
    }

    public func locate(_ point: GridPoint) -> Placement {
        var placement = Placement()
        for place in places where place.area.contains(point) {
            switch place.kind {
            case .district: placement.district = placement.district ?? place.id
            case .division: placement.division = placement.division ?? place.id
            case .parish: placement.parish = placement.parish ?? place.id
            }
        }
        return placement
    }

    /// Inside the council: inside one of its districts (or anywhere, before any are loaded).
    public func covers(_ point: GridPoint) -> Bool {
        guard places.contains(where: { $0.kind == .district }) else { return true }
        return locate(point).district != nil
    }
}

/// An asset an enquiry is about (a street light, a gully), as its layer and the council's own
/// reference for it, with a label for people and the point it stands at.
public struct AssetChoice: Sendable, Equatable, Hashable {
    public let layerID: UUID
    public let reference: String
    public let label: String
    public let point: GridPoint

    public init(layerID: UUID, reference: String, label: String, point: GridPoint) {
        self.layerID = layerID
        self.reference = reference
        self.label = label
        self.point = point
    }

    /// How a page, a list or the audit trail names it: its label, then its reference unless the
    /// label already gives it.
    public var name: String { Self.name(label: label, reference: reference) }

    public static func name(label: String, reference: String) -> String {
        label.contains(reference) ? label : "\(label) (\(reference))"
    }

    /// How a form names it: the layer's id and the asset's reference.
    public var key: String { "\(layerID.uuidString)/\(reference)" }

    /// The layer and reference in a form's value, if it has that shape.
    public static func parseKey(_ text: String) -> (layerID: UUID, reference: String)? {
        let parts = text.trimmingWhitespace().split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2, let layer = UUID(uuidString: parts[0]), !parts[1].isEmpty, parts[1].count <= 100,
              !parts[1].unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return nil }
        return (layer, parts[1])
    }
}
