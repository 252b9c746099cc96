import Fluent
import Foundation
import SQLKit
import Vapor

/// Everyone's name, job title and roles, and which co-ordinators cover which service areas: what
/// pages need to name people and fill "assign to" and "ask an officer" lists. A council has
/// hundreds of users, not millions, so one instance keeps the lot for a short while instead of
/// querying on every page. Access decisions never use it: they read the database.
struct PeopleDirectory: Sendable {
    struct Person: Sendable {
        let id: UUID
        let name: String
        let jobTitle: String?
        let isResponder: Bool
        let isMember: Bool
        let isActive: Bool
    }

    private(set) var people: [UUID: Person]
    private(set) var coordinatorsByArea: [UUID: [UUID]]

    private struct Row: Decodable {
        let id: UUID
        let name: String
        let job_title: String?
        let is_responder: Bool
        let is_member: Bool
        let is_active: Bool
    }

    static func load(on db: any Database) async throws -> PeopleDirectory {
        let rows = try await db.sql.select().columns("id", "name", "job_title", "is_responder", "is_member", "is_active").from(User.schema)
            .all(decoding: Row.self)
        var byArea: [UUID: [UUID]] = [:]
        for link in try await db.sql.select().columns("user_id", "service_area_id").from(CoordinatorArea.schema).all() {
            byArea[try link.decode(column: "service_area_id", as: UUID.self), default: []].append(try link.decode(column: "user_id", as: UUID.self))
        }
        return PeopleDirectory(
            people: Dictionary(uniqueKeysWithValues: rows.map {
                ($0.id, Person(id: $0.id, name: $0.name, jobTitle: $0.job_title, isResponder: $0.is_responder, isMember: $0.is_member, isActive: $0.is_active))
            }),
            coordinatorsByArea: byArea)
    }

    func name(_ id: UUID) -> String? { people[id]?.name }

    /// Active co-ordinators of a service area, by name.
    func coordinators(of area: UUID) -> [Person] {
        (coordinatorsByArea[area] ?? []).compactMap { people[$0] }.filter(\.isActive).sorted { $0.name < $1.name }
    }

    /// Active responders, by name.
    var responders: [Person] { people.values.filter { $0.isResponder && $0.isActive }.sorted { $0.name < $1.name } }
}

private struct PeopleDirectoryCacheKey: StorageKey { typealias Value = ShortLivedCache<PeopleDirectory> }

extension Application {
    /// Set once by `configure`, before any request runs.
    var peopleDirectoryCache: ShortLivedCache<PeopleDirectory> {
        get { installed(PeopleDirectoryCacheKey.self) }
        set { storage[PeopleDirectoryCacheKey.self] = newValue }
    }
}

extension Request {
    /// The directory, with names of anyone it has not met yet (a user added on another instance
    /// a moment ago) read from the database.
    func people(naming ids: some Collection<UUID> = [UUID]()) async throws -> PeopleDirectory {
        var directory = try await application.peopleDirectoryCache.get(on: db)
        if ids.contains(where: { directory.people[$0] == nil }) {
            await application.peopleDirectoryCache.invalidate()
            directory = try await application.peopleDirectoryCache.get(on: db)
        }
        return directory
    }
}

extension PeopleDirectory {
    /// Every Member, by name, for the Member filter.
    var members: [Person] { people.values.filter(\.isMember).sorted { $0.name < $1.name } }
}
