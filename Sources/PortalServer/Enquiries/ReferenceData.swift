import Fluent
import Foundation
import PortalCore
import Vapor

/// The small tables every enquiry page names things from: service areas, types, sub-types,
/// districts, divisions, parishes and works areas. Read together and kept for a short while, so a
/// page resolves names from memory; an administrator's change shows within `lifetime` on every
/// instance.
struct ReferenceData: Sendable {
    struct Named: Sendable { let id: UUID; let name: String }
    struct TypeInfo: Sendable { let id: UUID; let name: String; let needsLocation: Bool; let subtypes: [Named] }
    struct Place: Sendable { let id: UUID; let name: String; let districtID: UUID }
    struct AreaInfo: Sendable { let id: UUID; let name: String; let glossary: String }
    struct WorksAreaInfo: Sendable { let id: UUID; let name: String; let serviceAreaID: UUID }

    var serviceAreas: [AreaInfo]
    var types: [TypeInfo]
    var districts: [Named]
    var divisions: [Place]
    var parishes: [Place]
    var worksAreas: [WorksAreaInfo]
    private var names: [UUID: String]

    static func load(on db: any Database) async throws -> ReferenceData {
        let areas = try await ServiceArea.query(on: db).filter(\.$isActive == true).sort(\.$name).all()
        let types = try await EnquiryType.query(on: db).filter(\.$isActive == true).sort(\.$name).with(\.$subtypes).all()
        let districts = try await District.query(on: db).sort(\.$name).all()
        let divisions = try await Division.query(on: db).sort(\.$name).all()
        let parishes = try await Parish.query(on: db).sort(\.$name).all()
        let works = try await WorksArea.query(on: db).sort(\.$name).all()
        var data = ReferenceData(
            serviceAreas: areas.map { AreaInfo(id: $0.id!, name: $0.name, glossary: $0.glossary) },
            types: types.map { type in
                TypeInfo(id: type.id!, name: type.name, needsLocation: type.needsLocation,
                         subtypes: type.subtypes.sorted { $0.name < $1.name }.map { Named(id: $0.id!, name: $0.name) })
            },
            districts: districts.map { Named(id: $0.id!, name: $0.name) },
            divisions: divisions.map { Place(id: $0.id!, name: $0.name, districtID: $0.$district.id) },
            parishes: parishes.map { Place(id: $0.id!, name: $0.name, districtID: $0.$district.id) },
            worksAreas: works.map { WorksAreaInfo(id: $0.id!, name: $0.name, serviceAreaID: $0.$serviceArea.id) },
            names: [:])
        var names: [UUID: String] = [:]
        for area in data.serviceAreas { names[area.id] = area.name }
        for type in data.types {
            names[type.id] = type.name
            for subtype in type.subtypes { names[subtype.id] = subtype.name }
        }
        for place in data.districts { names[place.id] = place.name }
        for place in data.divisions + data.parishes { names[place.id] = place.name }
        for area in data.worksAreas { names[area.id] = area.name }
        data.names = names
        return data
    }

    func name(_ id: UUID?) -> String? { id.flatMap { names[$0] } }

    /// Resolves an id held as text (as in the audit trail) to a name, or returns the text.
    func describe(_ text: String) -> String {
        UUID(uuidString: text).flatMap { names[$0] } ?? text
    }

    var catalogue: EnquiryForm.Catalogue {
        EnquiryForm.Catalogue(
            serviceAreas: Set(serviceAreas.map(\.id)),
            types: Dictionary(uniqueKeysWithValues: types.map { ($0.id, (Set($0.subtypes.map(\.id)), $0.needsLocation)) }),
            districts: Set(districts.map(\.id)),
            divisions: Dictionary(uniqueKeysWithValues: divisions.map { ($0.id, $0.districtID) }),
            parishes: Dictionary(uniqueKeysWithValues: parishes.map { ($0.id, $0.districtID) }))
    }
}

private struct ReferenceDataCacheKey: StorageKey { typealias Value = ShortLivedCache<ReferenceData> }

extension Application {
    /// Set once by `configure`, before any request runs.
    var referenceDataCache: ShortLivedCache<ReferenceData> {
        get { installed(ReferenceDataCacheKey.self) }
        set { storage[ReferenceDataCacheKey.self] = newValue }
    }
}

extension Request {
    func referenceData() async throws -> ReferenceData {
        try await application.referenceDataCache.get(on: db)
    }
}

extension ReferenceData {
    /// An audited value for display: ids of places, areas, types and people become their names.
    func describeValue(_ text: String, names people: [UUID: String]) -> String {
        if let id = UUID(text: text), let person = people[id] { return person }
        return text.isEmpty ? "none" : describe(text)
    }
}
