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

private struct PlaceIndexCacheKey: StorageKey { typealias Value = ShortLivedCache<PlaceIndex> }

extension Application {
    /// The boundaries, kept for five minutes: they change when an administrator imports new ones,
    /// which empties this instance's copy at once.
    var placeIndexCache: ShortLivedCache<PlaceIndex> {
        get { installed(PlaceIndexCacheKey.self) }
        set { storage[PlaceIndexCacheKey.self] = newValue }
    }
}

extension Request {
    func places() async throws -> PlaceIndex {
        try await application.placeIndexCache.get(on: db)
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
        if let layers, layers.isEmpty { return nil }
        let rows = try await db.sql.select().columns("layer_id", "reference", "kind", "label", "easting", "northing").from("assets")
            .where(SQLColumn("layer_id"), .in, layerList(layers))
            .where("easting", .greaterThanOrEqual, point.easting - radius).where("easting", .lessThanOrEqual, point.easting + radius)
            .where("northing", .greaterThanOrEqual, point.northing - radius).where("northing", .lessThanOrEqual, point.northing + radius)
            .all(decoding: AssetRow.self)
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
        try await db.sql.select().columns("easting", "northing").from("assets")
            .where(SQLColumn("layer_id"), .in, layerList(nil))
            .where("easting", .greaterThanOrEqual, window.minEasting).where("easting", .lessThanOrEqual, window.maxEasting)
            .where("northing", .greaterThanOrEqual, window.minNorthing).where("northing", .lessThanOrEqual, window.maxNorthing)
            .limit(limit)
            .all()
            .compactMap { row in GridPoint(easting: try row.decode(column: "easting", as: Double.self), northing: try row.decode(column: "northing", as: Double.self)) }
    }

    /// The layers to look in, for `layer_id IN (...)`: those given, or every layer. Naming each
    /// layer lets the (layer, easting, northing) index read one box a layer.
    private static func layerList(_ layers: [UUID]?) -> any SQLExpression {
        if let layers { return SQLGroupExpression(layers.map { SQLBind($0) as any SQLExpression }) }
        return SQLGroupExpression(SQLRaw("SELECT id FROM asset_layers"))
    }
}
