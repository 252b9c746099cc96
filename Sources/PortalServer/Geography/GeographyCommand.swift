import Fluent
import Foundation
import PortalCore
import Vapor

/// `portal geography`: loads the council's boundaries from GeoJSON files.
///
///     portal geography districts districts.geojson     districts and their boundaries
///     portal geography divisions divisions.geojson     electoral divisions
///     portal geography parishes parishes.geojson       parishes
///
/// Import districts first: a division or parish without a `district` property is filed under the
/// district that holds it. A file with any problem changes nothing and the message names the
/// feature.
public struct GeographyCommand: AsyncCommand {
    public struct Signature: CommandSignature {
        @Argument(name: "kind", help: "districts, divisions or parishes") var kind: String
        @Argument(name: "file", help: "a GeoJSON FeatureCollection") var file: String
        public init() {}
    }

    public var help: String { "Loads boundaries from GeoJSON: portal geography districts|divisions|parishes FILE" }

    public init() {}

    public func run(using context: CommandContext, signature: Signature) async throws {
        let kinds: [String: PlaceIndex.Kind] = ["districts": .district, "divisions": .division, "parishes": .parish]
        guard let kind = kinds[signature.kind] else {
            throw ConfigurationError("Unknown kind \"\(signature.kind)\"; use districts, divisions or parishes")
        }
        let app = context.application
        try await Startup.checkDatabase(app)
        try await Startup.requireMigrated(app)
        guard let data = FileManager.default.contents(atPath: signature.file) else {
            throw ConfigurationError("Cannot read \(signature.file)")
        }
        do {
            let summary = try await BoundaryImport.run(data, kind: kind, on: app.db)
            context.console.print("\(signature.file): \(summary.added) \(signature.kind) added, \(summary.updated) updated, each with its boundary")
        } catch let problem as ImportProblem {
            throw ConfigurationError("\(signature.file): nothing was changed. \(problem.text).")
        }
    }
}
