import Fluent
import Foundation
import SQLKit

/// Each person's named searches: the address of a search, kept to run again.
enum SavedSearches {
    struct Item: Decodable, Sendable {
        let id: UUID
        let name: String
        let query: String
    }

    static let limit = 50

    static func list(for user: UUID, on db: any Database) async throws -> [Item] {
        try await db.sql.select().columns("id", "name", "query").from("saved_searches").where("user_id", .equal, user)
            .orderBy("name").limit(limit).all(decoding: Item.self)
    }

    static func add(name: String, query: String, for user: UUID, at now: Date, on db: any Database) async throws {
        try await db.sql.insert(into: "saved_searches").columns("id", "user_id", "name", "query", "created_at")
            .values(SQLBind(UUID()), SQLBind(user), SQLBind(name), SQLBind(query), SQLBind(now))
            .run()
    }

    /// Removes one of the person's own; someone else's is left alone.
    static func remove(_ id: UUID, of user: UUID, on db: any Database) async throws {
        try await db.sql.delete(from: "saved_searches").where("id", .equal, id).where("user_id", .equal, user).run()
    }
}
