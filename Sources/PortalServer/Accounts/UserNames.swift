import Fluent
import Foundation
import SQLKit

/// Exact reads of who holds which role, for decisions (assigning, asking, access), without
/// building whole `User` models. Pages that only name people use `PeopleDirectory`.
enum UserNames {
    struct Person: Decodable, Sendable {
        let id: UUID
        let name: String
        let job_title: String?
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
}
