import Fluent
import SQLKit

extension SQLDatabase {
    /// The one check of which database this is, for the few statements the two write differently.
    var isPostgres: Bool { dialect.name == "postgresql" }
}

extension Database {
    /// SQLKit for what Fluent's schema builder lacks (plain indexes) and for the fast queries.
    var sql: any SQLDatabase {
        guard let sql = self as? any SQLDatabase else {
            fatalError("The portal needs an SQL database (SQLite or PostgreSQL)")
        }
        return sql
    }

    func createIndex(_ name: String, on table: String, _ columns: String...) async throws {
        var builder = sql.create(index: SQLIdentifier(name)).on(SQLIdentifier(table))
        for column in columns { builder = builder.column(SQLIdentifier(column)) }
        try await builder.run()
    }
}
