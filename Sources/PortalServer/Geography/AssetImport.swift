import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// Loads one asset layer (street lights, grit bins, gullies...) from GeoJSON points or CSV
/// (`id`, `type`, `label`, and `easting`/`northing` or `latitude`/`longitude`), replacing the
/// layer's assets all or nothing. The layer is made if it is new.
enum AssetImport {
    struct Layer: Sendable {
        /// A short code for the layer, as in a file name or an address: lower-case letters, digits, dashes.
        let code: String
        let name: String
        /// One of its assets, as a sentence names it: "street light".
        let noun: String

        static func check(code: String, name: String, noun: String) throws -> Layer {
            guard (1...40).contains(code.count), code.allSatisfy({ ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" }) else {
                throw ImportProblem(where: "the layer's code", message: "must be 1 to 40 lower-case letters, digits and dashes, like street-lights")
            }
            for (text, what) in [(name, "name"), (noun, "noun")] {
                guard (1...60).contains(text.count), FormErrors.characterProblem(text, name: what, multiLine: false) == nil else {
                    throw ImportProblem(where: "the layer's \(what)", message: "must be one line of 1 to 60 characters")
                }
            }
            return Layer(code: code, name: name, noun: noun)
        }
    }

    struct Asset: Sendable {
        let reference: String
        let kind: String
        let label: String
        let point: GridPoint
    }

    /// The assets a file holds, checked: each has a reference, used once, and a point.
    static func read(_ data: Data, noun: String) throws -> [Asset] {
        var assets: [Asset] = []
        var seen = Set<String>()
        func add(_ place: String, _ properties: [String: String], _ point: GridPoint) throws {
            guard let reference = BoundaryImport.property(properties, "id") ?? BoundaryImport.property(properties, "reference") else {
                throw ImportProblem(where: place, message: "has no id")
            }
            let kind = BoundaryImport.property(properties, "type") ?? noun
            let label = BoundaryImport.property(properties, "label") ?? BoundaryImport.property(properties, "name") ?? "\(noun.prefix(1).uppercased() + noun.dropFirst()) \(reference)"
            for (text, what, limit) in [(reference, "id", 100), (kind, "type", 60), (label, "label", 120)] {
                guard text.count <= limit, FormErrors.characterProblem(text, name: what, multiLine: false) == nil else {
                    throw ImportProblem(where: place, message: "has a \(what) that is not one line of up to \(limit) characters")
                }
            }
            guard seen.insert(reference).inserted else { throw ImportProblem(where: place, message: "repeats the id \(reference)") }
            assets.append(Asset(reference: reference, kind: kind, label: label, point: point))
        }
        if data.first(where: { ![9, 10, 13, 32].contains($0) }) == UInt8(ascii: "{") {
            let features: [GeoJSONReader.Feature]
            switch GeoJSONReader.read(data) {
            case .success(let read): features = read
            case .failure(let problem): throw problem
            }
            for feature in features {
                guard case .point(let point) = feature.geometry else {
                    throw ImportProblem(where: "feature \(feature.number)", message: "is an area; an asset must be a Point")
                }
                try add("feature \(feature.number)", feature.properties, point)
            }
        } else {
            let rows: [CSVReader.Row]
            switch CSVReader.read(data) {
            case .success(let read): rows = read.rows
            case .failure(let problem): throw problem
            }
            for row in rows {
                switch CSVReader.point(of: row) {
                case .success(let point): try add("line \(row.line)", row.fields, point)
                case .failure(let problem): throw problem
                }
            }
        }
        guard !assets.isEmpty else { throw ImportProblem(where: "the file", message: "has no assets") }
        return assets
    }

    static func run(_ data: Data, layer: Layer, on db: any Database) async throws -> Int {
        let assets = try read(data, noun: layer.noun)
        try await db.transaction { db in try await store(assets, layer: layer, on: db) }
        return assets.count
    }

    static func store(_ assets: [Asset], layer: Layer, on db: any Database) async throws {
        let sql = db.sql
        let existing = try await sql.select().column("id").from("asset_layers").where("code", .equal, layer.code).first()
            .map { try $0.decode(column: "id", as: UUID.self) }
        let layerID = existing ?? UUID()
        if existing != nil {
            try await sql.update("asset_layers").set("name", to: layer.name).set("noun", to: layer.noun).where("id", .equal, layerID).run()
            try await sql.delete(from: "assets").where("layer_id", .equal, layerID).run()
        } else {
            try await sql.insert(into: "asset_layers").columns("id", "code", "name", "noun")
                .values(SQLBind(layerID), SQLBind(layer.code), SQLBind(layer.name), SQLBind(layer.noun)).run()
        }
        for batch in stride(from: 0, to: assets.count, by: 500) {
            var insert = sql.insert(into: "assets")
                .columns("id", "layer_id", "reference", "kind", "label", "easting", "northing", "latitude", "longitude")
            for asset in assets[batch..<min(batch + 500, assets.count)] {
                let geo = BritishNationalGrid.geo(asset.point)
                insert = insert.values(SQLBind(UUID()), SQLBind(layerID), SQLBind(asset.reference), SQLBind(asset.kind), SQLBind(asset.label),
                                       SQLBind(asset.point.easting), SQLBind(asset.point.northing), SQLBind(geo.latitude), SQLBind(geo.longitude))
            }
            try await insert.run()
        }
    }
}
