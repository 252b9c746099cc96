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
        let file: GeographyImport
        if let level = GeographyImport.levels.first(where: { $0.word == signature.kind }) {
            file = .boundaries(level.kind)
        } else if signature.kind == "assets" {
            guard let code = signature.layer else { throw ConfigurationError("Name the layer: --layer street-lights --name \"Street lights\" --noun \"street light\"") }
            do {
                file = .assets(try AssetImport.Layer.check(code: code, name: signature.name ?? code, noun: signature.noun ?? code))
            } catch let problem as ImportProblem {
                throw ConfigurationError("\(problem.text).")
            }
        } else if signature.kind == "addresses" {
            file = .addresses
        } else {
            throw ConfigurationError("Unknown kind \"\(signature.kind)\"; use districts, divisions, parishes, assets or addresses")
        }
        let app = context.application
        try await Startup.checkDatabase(app)
        try await Startup.requireMigrated(app)
        guard let data = FileManager.default.contents(atPath: signature.file) else {
            throw ConfigurationError("Cannot read \(signature.file)")
        }
        do {
            let summary = try await file.run(data, by: nil, at: app.now, app: app, on: app.db)
            context.console.print("\(signature.file): \(summary)")
        } catch let problem as ImportProblem {
            throw ConfigurationError("\(signature.file): nothing was changed. \(problem.text).")
        }
    }
}
