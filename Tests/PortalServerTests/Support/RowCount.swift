import Fluent
@testable import PortalServer
import SQLKit

/// The rows in a table, counted in SQL, so that tables without a model count too.
func count(_ table: String, on db: any Database) async throws -> Int {
    try await db.sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from(table).first()?.decode(column: "n", as: Int.self) ?? 0
}
