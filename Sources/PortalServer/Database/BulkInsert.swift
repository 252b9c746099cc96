import FluentKit
import SQLKit

/// Many rows a statement, within both databases' limits on bound values (SQLite's 32,766 and
/// PostgreSQL's 65,535).
enum BulkInsert {
    static func rows(into table: String, columns: [String], rows: [[any SQLExpression]], on db: any Database,
                     bindsPerRow: Int? = nil) async throws {
        let perStatement = max(1, 30_000 / max(1, bindsPerRow ?? columns.count))
        for start in stride(from: 0, to: rows.count, by: perStatement) {
            try await db.sql.insert(into: table).columns(columns).rows(Array(rows[start..<min(start + perStatement, rows.count)])).run()
        }
    }
}

extension Array {
    /// The array in slices of `size`, the last perhaps shorter.
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
