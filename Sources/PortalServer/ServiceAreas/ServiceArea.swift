import Fluent
import Foundation

/// A part of the council that enquiries are routed to, such as Highways or Adult Social Care.
final class ServiceArea: Model, @unchecked Sendable {
    static let schema = "service_areas"

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    @Field(key: "glossary") var glossary: String
    @Field(key: "is_active") var isActive: Bool
    @Children(for: \.$serviceArea) var teams: [Team]

    init() {}
    init(id: UUID? = nil, name: String, glossary: String, isActive: Bool = true) {
        self.id = id
        self.name = name
        self.glossary = glossary
        self.isActive = isActive
    }
}

/// A team within a service area, listed in the glossary so an enquiry reaches the right people.
final class Team: Model, @unchecked Sendable {
    static let schema = "teams"

    @ID(key: .id) var id: UUID?
    @Parent(key: "service_area_id") var serviceArea: ServiceArea
    @Field(key: "name") var name: String
    /// The kinds of work the team handles, one per line (e.g. "Street lighting faults").
    @Field(key: "work_streams") var workStreams: String

    init() {}
    init(id: UUID? = nil, serviceAreaID: UUID, name: String, workStreams: [String]) {
        self.id = id
        self.$serviceArea.id = serviceAreaID
        self.name = name
        self.workStreams = workStreams.joined(separator: "\n")
    }

    var workStreamList: [String] { workStreams.split(separator: "\n").map(String.init) }
}

/// A patch that a service's operational teams work in (Highways divides the county into a few).
/// Co-ordinators assign enquiries to one, and filter their queues by it.
final class WorksArea: Model, @unchecked Sendable {
    static let schema = "works_areas"

    @ID(key: .id) var id: UUID?
    @Parent(key: "service_area_id") var serviceArea: ServiceArea
    @Field(key: "name") var name: String

    init() {}
    init(id: UUID? = nil, serviceAreaID: UUID, name: String) {
        self.id = id
        self.$serviceArea.id = serviceAreaID
        self.name = name
    }
}
