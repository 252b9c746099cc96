import Fluent
import Foundation
import SQLKit

/// Names of people, read without building whole `User` models: pages show names, not accounts.
enum UserNames {
    struct Person: Decodable, Sendable {
        let id: UUID
        let name: String
        let job_title: String?
    }

    static func lookup(_ ids: some Collection<UUID>, on db: any Database) async throws -> [UUID: String] {
        guard !ids.isEmpty else { return [:] }
        let people = try await db.sql.select().columns("id", "name", "job_title").from(User.schema)
            .where(SQLColumn("id"), .in, SQLGroupExpression(ids.map { SQLBind($0) }))
            .all(decoding: Person.self)
        return Dictionary(uniqueKeysWithValues: people.map { ($0.id, $0.name) })
    }

    /// Active co-ordinators of a service area, by name.
    static func coordinators(of serviceArea: UUID, on db: any Database) async throws -> [Person] {
        try await db.sql.select()
            .columns(SQLColumn("id", table: "users"), SQLColumn("name", table: "users"), SQLColumn("job_title", table: "users"))
            .from(User.schema)
            .join(CoordinatorArea.schema, on: SQLColumn("user_id", table: CoordinatorArea.schema), .equal, SQLColumn("id", table: "users"))
            .where(SQLColumn("service_area_id", table: CoordinatorArea.schema), .equal, SQLBind(serviceArea))
            .where(SQLColumn("is_active", table: "users"), .equal, SQLBind(true))
            .orderBy(SQLColumn("name", table: "users"))
            .all(decoding: Person.self)
    }

    /// Active responders, by name.
    static func responders(on db: any Database) async throws -> [Person] {
        try await db.sql.select().columns("id", "name", "job_title").from(User.schema)
            .where("is_responder", .equal, true).where("is_active", .equal, true)
            .orderBy("name")
            .all(decoding: Person.self)
    }

    /// The service areas a person co-ordinates.
    static func coordinatedAreas(of userID: UUID, on db: any Database) async throws -> Set<UUID> {
        Set(try await db.sql.select().column("service_area_id").from(CoordinatorArea.schema)
            .where("user_id", .equal, userID).all().map { try $0.decode(column: "service_area_id", as: UUID.self) })
    }
}
