import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// The council's boundaries as a `PlaceIndex`, read from `boundaries` with the names of the
/// districts, divisions and parishes they belong to, and the assets an enquiry can be about.
enum Places {
    private struct BoundaryRow: Decodable {
        let place_id: UUID
        let kind: String
        let shape: String
        let name: String
    }

    static func load(on db: any Database) async throws -> PlaceIndex {
        let rows = try await db.sql.raw("""
            SELECT b.place_id, b.kind, b.shape, COALESCE(d.name, v.name, p.name) AS name FROM boundaries b
            LEFT JOIN districts d ON b.kind = 'district' AND d.id = b.place_id
            LEFT JOIN divisions v ON b.kind = 'division' AND v.id = b.place_id
            LEFT JOIN parishes p ON b.kind = 'parish' AND p.id = b.place_id
            """).all(decoding: BoundaryRow.self)
        let decoder = JSONDecoder()
        return PlaceIndex(try rows.compactMap { row in
            guard let kind = PlaceIndex.Kind(rawValue: row.kind) else { return nil }
            return PlaceIndex.Place(id: row.place_id, kind: kind, name: row.name, area: try decoder.decode(Area.self, from: Data(row.shape.utf8)))
        })
    }

    /// The asset a form names, if the council has it.
    static func asset(_ key: String, on db: any Database) async throws -> AssetChoice? {
        guard let (layer, reference) = AssetChoice.parseKey(key) else { return nil }
        return try await db.sql.select().columns("layer_id", "reference", "kind", "label", "easting", "northing").from("assets")
            .where("layer_id", .equal, layer).where("reference", .equal, reference)
            .first(decoding: AssetRow.self)
            .flatMap { row in
                GridPoint(easting: row.easting, northing: row.northing)
                    .map { AssetChoice(layerID: row.layer_id, reference: row.reference, label: row.label, point: $0) }
            }
    }
}

extension Places {
    /// The boundaries as one instance keeps them: the index, and the GeoJSON the map in the
    /// browser draws, made once when they are read rather than for every map shown.
    struct Loaded: Sendable {
        let index: PlaceIndex
        let geoJSON: Data

        init(_ index: PlaceIndex) throws {
            self.index = index
            geoJSON = try JSONEncoder().encode(BoundaryCollection(features: index.places.map { place in
                BoundaryFeature(properties: .init(kind: place.kind.rawValue, name: place.name),
                                geometry: .init(coordinates: place.area.polygons.map { polygon in
                                    polygon.map { ring in
                                        ring.map { point in
                                            let geo = BritishNationalGrid.geo(point).rounded
                                            return [geo.longitude, geo.latitude]
                                        }
                                    }
                                }))
            }))
        }
    }

    struct BoundaryCollection: Codable {
        var type = "FeatureCollection"
        let features: [BoundaryFeature]
    }

    struct BoundaryFeature: Codable {
        struct Properties: Codable { let kind: String; let name: String }
        struct Geometry: Codable {
            var type = "MultiPolygon"
            let coordinates: [[[[Double]]]]
        }
        var type = "Feature"
        let properties: Properties
        let geometry: Geometry
    }
}

extension PlaceIndex.Kind {
    /// The table holding the places of this kind.
    var table: String {
        switch self {
        case .district: "districts"
        case .division: "divisions"
        case .parish: "parishes"
        }
    }

    /// The enquiry's column naming its place of this kind.
    var enquiryColumn: String { "\(rawValue)_id" }
}

extension Places {
    /// A district, division or parish as its table holds it.
    struct Listed: Decodable, Sendable, Equatable {
        let id: UUID
        let name: String
        let code: String?
        let population: Int?
    }

    /// Every place of one kind, by name.
    static func listed(_ kind: PlaceIndex.Kind, on db: any Database) async throws -> [Listed] {
        try await db.sql.select().columns("id", "name", "code", "population").from(kind.table).orderBy("name").all(decoding: Listed.self)
    }
}

private struct PlaceIndexCacheKey: StorageKey { typealias Value = ShortLivedCache<Places.Loaded> }

extension Application {
    /// The boundaries, kept for five minutes: they change when an administrator imports new ones,
    /// which empties this instance's copy at once.
    var placeIndexCache: ShortLivedCache<Places.Loaded> {
        get { installed(PlaceIndexCacheKey.self) }
        set { storage[PlaceIndexCacheKey.self] = newValue }
    }
}

extension Request {
    func places() async throws -> PlaceIndex {
        try await application.placeIndexCache.get(on: db).index
    }

    /// What an enquiry form is checked against: the council's lists, its boundaries, and the
    /// asset the form names.
    func enquiryCatalogue(for form: EnquiryForm) async throws -> EnquiryForm.Catalogue {
        var catalogue = try await referenceData().catalogue
        catalogue.places = try await places()
        let key = form.asset.trimmingWhitespace()
        if !key.isEmpty, let asset = try await Places.asset(key, on: db) { catalogue.assets[key] = asset }
        return catalogue
    }
}

extension Places {
    struct NearAsset: Sendable, Codable, Equatable {
        let layerID: UUID
        let reference: String
        let kind: String
        let label: String
        let point: GridPoint
        let distance: Double

        var choice: AssetChoice { AssetChoice(layerID: layerID, reference: reference, label: label, point: point) }
    }

    /// An asset as the `assets` table holds it.
    struct AssetRow: Decodable {
        let layer_id: UUID
        let reference: String
        let kind: String
        let label: String
        let easting: Double
        let northing: Double
    }

    /// The nearest asset within `radius` metres of a point, in the given layers (every layer when
    /// none is given): a box on the (layer, easting, northing) index, then the exact distance.
    static func nearestAsset(to point: GridPoint, layers: [UUID]? = nil, radius: Double = 30, on db: any Database) async throws -> NearAsset? {
        let rows = try await assets(in: GridBounds(around: point, radius: radius), layers: layers, limit: nil, on: db)
        return rows.compactMap { row -> NearAsset? in
            guard let at = GridPoint(easting: row.easting, northing: row.northing) else { return nil }
            let distance = at.distance(to: point)
            guard distance <= radius else { return nil }
            return NearAsset(layerID: row.layer_id, reference: row.reference, kind: row.kind, label: row.label, point: at, distance: distance)
        }.min { ($0.distance, $0.reference) < ($1.distance, $1.reference) }
    }

    /// Where up to `limit` assets of any layer stand inside a window: drawn faintly on a map, street
    /// lights and gullies trace the roads. Two columns read by position, since a page draws them.
    static func assetPositions(in window: GridBounds, limit: Int = 300, on db: any Database) async throws -> [GridPoint] {
        try await inWindow(window, db.sql.select().columns("easting", "northing")).limit(limit)
            .all()
            .compactMap { row in GridPoint(easting: try row.decode(column: "easting", as: Double.self), northing: try row.decode(column: "northing", as: Double.self)) }
    }

    /// Up to `limit` assets inside a window, each whole, for the map in the browser to pick from.
    static func assets(in window: GridBounds, layers: [UUID]? = nil, limit: Int?, on db: any Database) async throws -> [AssetRow] {
        if let layers, layers.isEmpty { return [] }
        return try await inWindow(window, db.sql.select().columns("layer_id", "reference", "kind", "label", "easting", "northing"), layers: layers)
            .limit(limit).all(decoding: AssetRow.self)
    }

    private static func inWindow(_ window: GridBounds, _ select: SQLSelectBuilder, layers: [UUID]? = nil) -> SQLSelectBuilder {
        select.from("assets")
            .where(SQLColumn("layer_id"), .in, layerList(layers))
            .where("easting", .greaterThanOrEqual, window.minEasting).where("easting", .lessThanOrEqual, window.maxEasting)
            .where("northing", .greaterThanOrEqual, window.minNorthing).where("northing", .lessThanOrEqual, window.maxNorthing)
    }

    /// The council's asset layers, by name.
    struct Layer: Sendable, Decodable {
        let id: UUID
        let name: String
        let noun: String
    }

    /// In the order of their names, the same on either database.
    static func layers(on db: any Database) async throws -> [Layer] {
        try await db.sql.select().columns("id", "name", "noun").from("asset_layers").all(decoding: Layer.self)
            .sorted { ($0.name.lowercased(), $0.id.uuidString) < ($1.name.lowercased(), $1.id.uuidString) }
    }

    /// The layers to look in, for `layer_id IN (...)`: those given, or every layer. Naming each
    /// layer lets the (layer, easting, northing) index read one box a layer.
    private static func layerList(_ layers: [UUID]?) -> any SQLExpression {
        if let layers { return SQLGroupExpression(layers.map { SQLBind($0) as any SQLExpression }) }
        return SQLGroupExpression(SQLRaw("SELECT id FROM asset_layers"))
    }
}
