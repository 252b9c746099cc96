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

extension DemoPlaces {
    /// A road across the county: a line of the unit square through the warp, and its name.
    struct Road {
        let name: String
        /// The road's point at `t` from 0 to 1, and which way is across it.
        let at: (Double) -> (point: GridPoint, across: (Double, Double))
        let length: Double
    }

    static let roadNames = [
        "Mill Lane", "Church Street", "Station Road", "Brook Lane", "Hollow Way", "Kings Road", "Orchard Lane", "Quarry Road",
        "Chapel Street", "Green Lane", "Forge Road", "Ridgeway", "Pound Lane", "Vicarage Road", "Meadow Lane", "Saltway",
        "Long Lane", "Holly Road", "Marsh Lane", "Top Road", "Barn Lane", "Windmill Hill", "Beck Road", "Rookery Lane",
        "Sandy Lane", "Cross Street", "Tanners Lane", "Causeway",
    ]

    /// Twelve roads running east and sixteen running north, each bent by the same warp as the boundaries.
    static var roads: [Road] {
        var roads: [Road] = []
        for k in 0..<12 {
            let y = (Double(k) + 0.5) / 12
            roads.append(Road(name: roadNames[k], at: { t in (grid(t, y), (0, 1)) }, length: size.width))
        }
        for k in 0..<16 {
            let x = (Double(k) + 0.5) / 16
            roads.append(Road(name: roadNames[12 + k], at: { t in (grid(x, t), (1, 0)) }, length: size.height))
        }
        return roads
    }

    /// Street lights every 80 m, gullies every 100 m and grit bins every 1.5 km along every road:
    /// about 22,000 assets in three layers.
    static func assets() -> [(layer: AssetImport.Layer, assets: [AssetImport.Asset])] {
        let layers: [(AssetImport.Layer, prefix: String, spacing: Double, side: Double)] = [
            (AssetImport.Layer(code: "street-lights", name: "Street lights", noun: "street light"), "SL", 80, 8),
            (AssetImport.Layer(code: "gullies", name: "Gullies", noun: "gully"), "GY", 100, 4),
            (AssetImport.Layer(code: "grit-bins", name: "Grit bins", noun: "grit bin"), "GB", 1_500, 6),
        ]
        return layers.map { layer, prefix, spacing, side in
            var assets: [AssetImport.Asset] = []
            for (r, road) in roads.enumerated() {
                let count = Int(road.length / spacing)
                for i in 0..<count {
                    let (point, across) = road.at((Double(i) + 0.5) / Double(count))
                    let offset = i % 2 == 0 ? side : -side
                    guard let placed = GridPoint(easting: point.easting + across.0 * offset, northing: point.northing + across.1 * offset) else { continue }
                    let reference = "\(prefix)-\(String(format: "%02d%04d", r + 1, i + 1))"
                    assets.append(AssetImport.Asset(reference: reference, kind: layer.noun, label: "\(layer.noun.prefix(1).uppercased() + layer.noun.dropFirst()) \(reference), \(road.name)", point: placed))
                }
            }
            return (layer, assets)
        }
    }

    /// Houses every 60 m on both sides of every road, numbered odd on one side and even on the
    /// other, in the parish (or division) that holds each, with a postcode for every fifteen:
    /// about 32,000 addresses.
    static func addresses(places: PlaceIndex) -> [(uprn: String?, address: Gazetteer.Address)] {
        let names = Dictionary(places.places.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        var result: [(uprn: String?, address: Gazetteer.Address)] = []
        for (r, road) in roads.enumerated() {
            let count = Int(road.length / 60)
            for i in 0..<count {
                let (point, across) = road.at((Double(i) + 0.5) / Double(count))
                for side in [1.0, -1.0] {
                    guard let house = GridPoint(easting: point.easting + across.0 * 15 * side, northing: point.northing + across.1 * 15 * side) else { continue }
                    let placement = places.locate(house)
                    guard let locality = (placement.parish ?? placement.division).flatMap({ names[$0] }) else { continue }
                    let number = 2 * i + (side > 0 ? 1 : 2)
                    let district = placement.district.flatMap { id in places.places.firstIndex { $0.id == id } } ?? 0
                    let unit = (r * count + i) / 15
                    let letters = Array("ABDEFGHJLNPQRSTUWXYZ")
                    let postcode = "BK\(district + 1)\(r % 10) \(unit % 9 + 1)\(letters[(unit / 9) % 20])\(letters[(unit / 180) % 20])"
                    result.append((String(100_000_000 + result.count), Gazetteer.Address(address: "\(number) \(road.name), \(locality)", postcode: postcode, point: house)))
                }
            }
        }
        return result
    }

    /// The demo's assets and gazetteer, through the same stores the imports use.
    static func loadAssetsAndAddresses(on db: any Database) async throws {
        let places = try await Places.load(on: db)
        try await db.transaction { db in
            for (layer, assets) in assets() { try await AssetImport.store(assets, layer: layer, on: db) }
            try await Gazetteer.store(addresses(places: places), on: db)
        }
    }
}

extension DemoPlaces {
    /// Puts each demo enquiry on a point inside its Member's division: a Highways one on one of
    /// the division's assets (street lights, or any layer where there are none), any other at one
    /// of its addresses (or, before any are loaded, at a point of the division itself). The
    /// demo's enquiries and `seed-volume`'s are placed by it.
    struct Placer {
        /// Where an enquiry can stand: a point with its latitude and longitude, the asset there
        /// if any, and the street it is on when that is known. Worked out once for each asset and
        /// address, since many enquiries stand at each.
        struct Spot: Sendable {
            let point: GridPoint
            let geo: GeoPoint
            let asset: AssetChoice?
            let street: String?

            init(_ point: GridPoint, asset: AssetChoice? = nil, street: String? = nil) {
                self.point = point
                geo = BritishNationalGrid.geo(point)
                self.asset = asset
                self.street = street
            }
        }

        let places: PlaceIndex
        /// Each division's assets and addresses.
        var assets: [UUID: [Spot]] = [:]
        var addresses: [UUID: [Spot]] = [:]
        var random = SeededRandom(seed: 311)

        init(on db: any Database) async throws {
            places = try await Places.load(on: db)
            // Without boundaries nothing is in a division, so there is nothing to read.
            guard !places.isEmpty else { return }
            let lights = try await db.sql.select().column("id").from("asset_layers").where("code", .equal, "street-lights").first()
                .map { try $0.decode(column: "id", as: UUID.self) }
            var select = db.sql.select().columns("layer_id", "reference", "kind", "label", "easting", "northing").from("assets")
            if let lights { select = select.where("layer_id", .equal, lights) }
            for row in try await select.orderBy("layer_id").orderBy("reference").all(decoding: Places.AssetRow.self) {
                guard let point = GridPoint(easting: row.easting, northing: row.northing), let division = places.locate(point).division else { continue }
                // "Street light SL-010023, Mill Lane": the road after the comma, when there is one.
                let street = row.label.contains(", ") ? row.label.components(separatedBy: ", ").last : nil
                assets[division, default: []].append(Spot(point, asset: AssetChoice(layerID: row.layer_id, reference: row.reference, label: row.label, point: point),
                                                          street: street))
            }
            for row in try await db.sql.raw("SELECT address, postcode, easting, northing FROM gazetteer ORDER BY \"row\"").all(decoding: Gazetteer.Row.self) {
                guard let address = Gazetteer.address(row), let division = places.locate(address.point).division else { continue }
                let street = address.address.components(separatedBy: ", ").first?.drop { $0.isNumber || $0 == " " }.description
                addresses[division, default: []].append(Spot(address.point, street: street))
            }
        }

        /// Where an enquiry in `division` stands, drawn with `random`: on one of its assets when
        /// `onAsset` and it has any, else at one of its addresses, else at a point inside it; nil
        /// without a division or its boundary.
        func placement(division: UUID?, onAsset: Bool, using random: inout some RandomNumberGenerator) -> Spot? {
            guard let division else { return nil }
            if onAsset, let spots = assets[division], !spots.isEmpty { return spots[Int.random(in: 0..<spots.count, using: &random)] }
            if let spots = addresses[division], !spots.isEmpty { return spots[Int.random(in: 0..<spots.count, using: &random)] }
            guard let area = places.places.first(where: { $0.id == division })?.area else { return nil }
            for _ in 0..<100 {
                let candidate = GridPoint(easting: Double.random(in: area.bounds.minEasting...area.bounds.maxEasting, using: &random),
                                          northing: Double.random(in: area.bounds.minNorthing...area.bounds.maxNorthing, using: &random))
                if let candidate, area.contains(candidate) { return Spot(candidate) }
            }
            return nil
        }

        /// Sets the enquiry's point (and asset) and returns the street it is on, when it found one.
        mutating func place(_ enquiry: Enquiry, division: UUID?, onAsset: Bool) -> String? {
            var random = self.random
            defer { self.random = random }
            guard let placement = placement(division: division, onAsset: onAsset, using: &random) else { return nil }
            enquiry.easting = placement.point.easting
            enquiry.northing = placement.point.northing
            enquiry.latitude = placement.geo.latitude
            enquiry.longitude = placement.geo.longitude
            if let asset = placement.asset {
                enquiry.assetLayerID = asset.layerID
                enquiry.assetReference = asset.reference
                enquiry.assetLabel = asset.label
            }
            return placement.street
        }
    }
}
