import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// Loads districts, divisions or parishes with their boundaries from GeoJSON, all or nothing.
/// Each feature names its place (`name`, or an ONS-style `...NM` property) and may give a code
/// (`code` or `...CD`) and a `population`. A place already in the portal, matched by code and
/// then by name, keeps its id, so enquiries filed under it stay filed there; a new one is added.
/// A division or parish belongs to the district named by its `district` property, or else to the
/// district that holds it.
enum BoundaryImport {
    struct Summary: Sendable, Equatable {
        var added = 0
        var updated = 0
    }

    static func run(_ data: Data, kind: PlaceIndex.Kind, on db: any Database) async throws -> Summary {
        let features = try read(data)
        return try await db.transaction { db in try await store(features, kind: kind, on: db) }
    }

    /// The file's features, checked as GeoJSON; there must be at least one.
    static func read(_ data: Data) throws -> [GeoJSONReader.Feature] {
        switch GeoJSONReader.read(data) {
        case .success(let features):
            guard !features.isEmpty else { throw ImportProblem(where: "the file", message: "has no features") }
            return features
        case .failure(let problem): throw problem
        }
    }

    /// A property by its name in any case, or else by an ONS-style suffix (`LAD23NM`).
    static func property(_ properties: [String: String], _ name: String, suffix: String? = nil) -> String? {
        let direct = properties.first { $0.key.lowercased() == name }?.value
        let coded = suffix.flatMap { suffix in properties.first { $0.key.uppercased().hasSuffix(suffix) && $0.key.count > suffix.count }?.value }
        return (direct ?? coded)?.trimmingWhitespace().nonEmpty
    }

    private struct Existing: Decodable {
        let id: UUID
        let name: String
        let code: String?
    }

    static func store(_ features: [GeoJSONReader.Feature], kind: PlaceIndex.Kind, on db: any Database) async throws -> Summary {
        let sql = db.sql
        let table = kind.table
        let existing = try await sql.select().columns("id", "name", "code").from(table).all(decoding: Existing.self)
        var districts = try await Places.load(on: db).places.filter { $0.kind == .district }
        let districtNames = try await sql.select().columns("id", "name", "code").from("districts").all(decoding: Existing.self)
        var seen = Set<String>()
        var summary = Summary()
        for feature in features {
            guard case .area(let area) = feature.geometry else {
                throw ImportProblem(where: "feature \(feature.number)", message: "is a point; a boundary must be a Polygon or MultiPolygon")
            }
            guard let name = property(feature.properties, "name", suffix: "NM") else {
                throw ImportProblem(where: "feature \(feature.number)", message: "has no name property")
            }
            let place = "feature \(feature.number) (“\(name)”)"
            guard name.count <= 120, FormErrors.characterProblem(name, name: "a name", multiLine: false) == nil else {
                throw ImportProblem(where: place, message: "has a name that is not one line of up to 120 characters")
            }
            let code = property(feature.properties, "code", suffix: "CD")
            if let code, code.count > 40 || FormErrors.characterProblem(code, name: "a code", multiLine: false) != nil {
                throw ImportProblem(where: place, message: "has a code that is not one line of up to 40 characters")
            }
            guard seen.insert(name.lowercased()).inserted else {
                throw ImportProblem(where: place, message: "repeats a name used earlier in the file")
            }
            let population = property(feature.properties, "population", suffix: "POP").flatMap { Int($0) }.flatMap { (0...100_000_000).contains($0) ? $0 : nil }
            let match = existing.first { code != nil && $0.code == code } ?? existing.first { $0.name.lowercased() == name.lowercased() }
            let id = match?.id ?? UUID()
            var districtID: UUID?
            if kind != .district {
                if let named = property(feature.properties, "district") {
                    districtID = districtNames.first { $0.name.lowercased() == named.lowercased() || $0.code == named }?.id
                    if districtID == nil { throw ImportProblem(where: place, message: "names a district, “\(named)”, the portal does not have") }
                } else if let label = area.labelPoint {
                    districtID = districts.first { $0.area.contains(label) }?.id
                }
                guard districtID != nil || match != nil else {
                    throw ImportProblem(where: place, message: "is in no district: import the districts' boundaries first, or give each feature a district property")
                }
            }
            if match != nil {
                var update = sql.update(table).set("name", to: name).set("code", to: code).set("population", to: population)
                if let districtID { update = update.set("district_id", to: districtID) }
                try await update.where("id", .equal, id).run()
                summary.updated += 1
            } else {
                var columns = ["id", "name", "code", "population"]
                var values: [any SQLExpression] = [SQLBind(id), SQLBind(name), SQLBind(code), SQLBind(population)]
                if let districtID { columns.append("district_id"); values.append(SQLBind(districtID)) }
                try await sql.insert(into: table).columns(columns).values(values).run()
                summary.added += 1
            }
            try await sql.delete(from: "boundaries").where("place_id", .equal, id).run()
            let shape = String(decoding: try JSONEncoder().encode(area), as: UTF8.self)
            try await sql.insert(into: "boundaries")
                .columns("place_id", "kind", "shape", "min_easting", "min_northing", "max_easting", "max_northing")
                .values(SQLBind(id), SQLBind(kind.rawValue), SQLBind(shape), SQLBind(area.bounds.minEasting), SQLBind(area.bounds.minNorthing),
                        SQLBind(area.bounds.maxEasting), SQLBind(area.bounds.maxNorthing))
                .run()
            if kind == .district { districts.append(PlaceIndex.Place(id: id, kind: .district, name: name, area: area)) }
        }
        return summary
    }
}

extension String {
    /// Nil for an empty string.
    var nonEmpty: String? { isEmpty ? nil : self }
}
