import Fluent
import Foundation
import PortalCore
import Vapor

/// The largest file the administrator's places page takes: the limits of the readers that
/// `portal geography` loads files with.
public struct GeographyUploadLimits: Sendable {
    /// Boundaries, which are GeoJSON.
    public var geoJSONBytes = GeoJSONReader.Limits().bytes
    /// Asset layers and the gazetteer, which may be CSV.
    public var csvBytes = CSVReader.Limits().bytes

    public init() {}
}

/// One file for the council's map, loaded the same way by `portal geography` and by the
/// administrator's places page: the file is read and checked whole first, then stored in one
/// transaction with its entry in the audit trail, so a file with any problem changes nothing;
/// then this instance's caches of what it changed are emptied.
enum GeographyImport: Sendable {
    case boundaries(PlaceIndex.Kind)
    case assets(AssetImport.Layer)
    case addresses

    /// Each level of boundary as the command and the page name it.
    static let levels: [(word: String, kind: PlaceIndex.Kind)] = [("districts", .district), ("divisions", .division), ("parishes", .parish)]

    static func plural(_ kind: PlaceIndex.Kind) -> String { levels.first { $0.kind == kind }?.word ?? kind.label }

    func maxBytes(_ limits: GeographyUploadLimits) -> Int {
        switch self {
        case .boundaries: limits.geoJSONBytes
        case .assets, .addresses: max(limits.csvBytes, limits.geoJSONBytes)
        }
    }

    /// Reads and checks the file, then stores it; returns what was loaded, in words ("Districts
    /// loaded: 4 added and 0 updated, each with its boundary"). Throws `ImportProblem`, having changed nothing.
    func run(_ data: Data, by actorID: UUID?, at now: Date, app: Application, on db: any Database) async throws -> String {
        let store: @Sendable (any Database) async throws -> String
        switch self {
        case .boundaries(let kind):
            let features = try BoundaryImport.read(data)
            store = { db in
                let summary = try await BoundaryImport.store(features, kind: kind, on: db)
                return "\(Self.plural(kind).capitalized) loaded: \(summary.added) added and \(summary.updated) updated, each with its boundary"
            }
        case .assets(let layer):
            let assets = try AssetImport.read(data, noun: layer.noun)
            store = { db in
                try await AssetImport.store(assets, layer: layer, on: db)
                return "\(layer.name) (\(layer.code)) loaded: \(assets.count) assets, replacing what the layer held"
            }
        case .addresses:
            let rows = try Gazetteer.read(data)
            guard !rows.isEmpty else { throw ImportProblem(where: "the file", message: "has no addresses") }
            store = { db in
                try await Gazetteer.store(rows, on: db)
                return "Address gazetteer loaded: \(rows.count) addresses, replacing what it held"
            }
        }
        let summary = try await db.transaction { db in
            try await AuditTrail.lockHead(on: db)
            let summary = try await store(db)
            try await AuditTrail.record(action: "places_imported", enquiryID: nil, actorID: actorID, detail: summary, at: now, on: db)
            return summary
        }
        if case .boundaries = self {
            // Places may have been added or renamed, and their boundaries have changed.
            await app.placeIndexCache.invalidate()
            await app.referenceDataCache.invalidate()
        }
        return summary
    }
}
