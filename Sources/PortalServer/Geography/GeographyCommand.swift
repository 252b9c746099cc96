import Fluent
import Foundation
import PortalCore
import Vapor

/// `portal geography`: loads the council's boundaries, asset layers and address gazetteer.
///
///     portal geography districts districts.geojson     districts and their boundaries
///     portal geography divisions divisions.geojson     electoral divisions
///     portal geography parishes parishes.geojson       parishes
///     portal geography assets lights.csv --layer street-lights --name "Street lights" --noun "street light"
///     portal geography addresses gazetteer.csv         the address gazetteer, replaced whole
///
/// Import districts first: a division or parish without a `district` property is filed under the
/// district that holds it. An asset file (GeoJSON points, or CSV with `id`, `type`, `label` and
/// `easting`/`northing` or `latitude`/`longitude`) replaces its layer's assets. A file with any
/// problem changes nothing and the message names the feature or line.
public struct GeographyCommand: AsyncCommand {
    public struct Signature: CommandSignature {
        @Argument(name: "kind", help: "districts, divisions, parishes, assets or addresses") var kind: String
        @Argument(name: "file", help: "a GeoJSON FeatureCollection, or CSV for assets and addresses") var file: String
        @Option(name: "layer", help: "for assets: the layer's code, like street-lights") var layer: String?
        @Option(name: "name", help: "for assets: the layer's name, like \"Street lights\"") var name: String?
        @Option(name: "noun", help: "for assets: one of them, like \"street light\"") var noun: String?
        public init() {}
    }

    public var help: String { "Loads boundaries, assets or addresses: portal geography districts|divisions|parishes|assets|addresses FILE" }

    public init() {}

    public func run(using context: CommandContext, signature: Signature) async throws {
        let kinds: [String: PlaceIndex.Kind] = ["districts": .district, "divisions": .division, "parishes": .parish]
        guard kinds[signature.kind] != nil || ["assets", "addresses"].contains(signature.kind) else {
            throw ConfigurationError("Unknown kind \"\(signature.kind)\"; use districts, divisions, parishes, assets or addresses")
        }
        let app = context.application
        try await Startup.checkDatabase(app)
        try await Startup.requireMigrated(app)
        guard let data = FileManager.default.contents(atPath: signature.file) else {
            throw ConfigurationError("Cannot read \(signature.file)")
        }
        do {
            if let kind = kinds[signature.kind] {
                let summary = try await BoundaryImport.run(data, kind: kind, on: app.db)
                context.console.print("\(signature.file): \(summary.added) \(signature.kind) added, \(summary.updated) updated, each with its boundary")
            } else if signature.kind == "assets" {
                guard let code = signature.layer else { throw ConfigurationError("Name the layer: --layer street-lights --name \"Street lights\" --noun \"street light\"") }
                let layer = try AssetImport.Layer.check(code: code, name: signature.name ?? code, noun: signature.noun ?? code)
                let count = try await AssetImport.run(data, layer: layer, on: app.db)
                context.console.print("\(signature.file): \(count) assets in the layer \(layer.code), replacing what it held")
            } else {
                let count = try await Gazetteer.run(data, on: app.db)
                context.console.print("\(signature.file): \(count) addresses, replacing the gazetteer")
            }
        } catch let problem as ImportProblem {
            throw ConfigurationError("\(signature.file): nothing was changed. \(problem.text).")
        }
    }
}
