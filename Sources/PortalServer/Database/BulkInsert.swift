import FluentKit
import Foundation
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

/// Different columns of many rows, each row's own, written in one statement a few hundred rows at
/// a time: `SET column = CASE id WHEN … THEN … ELSE column END`. A row with a version is written
/// only while the version is still the one given; should any not be, nothing is written and the
/// change is a conflict.
enum ColumnWrites {
    struct Row: Sendable {
        let id: UUID
        /// The version the change was decided on, or nil to write whatever the version.
        var version: Int?
        var columns: [(column: String, value: any SQLExpression)]
    }

    static func write(_ rows: [Row], to table: String, on db: any Database) async throws {
        let rows = rows.filter { !$0.columns.isEmpty }
        guard !rows.isEmpty else { return }
        // Sixty-four rows a statement: SQLite compares each bound value of a statement with the
        // others while preparing it, so a statement of a thousand rows costs more than sixteen of sixty-four.
        for chunk in rows.chunked(64) {
            var names: [String] = []
            for row in chunk { for (column, _) in row.columns where !names.contains(column) { names.append(column) } }
            let sets: [any SQLExpression] = names.map { name in
                let cases: [any SQLExpression] = chunk.compactMap { row in
                    row.columns.first { $0.column == name }.map { SQLQueryString("WHEN \(bind: row.id) THEN \($0.value)") }
                }
                return SQLQueryString("\(ident: name) = CASE \(ident: "id") \(SQLList(cases, separator: SQLRaw(" "))) ELSE \(ident: name) END")
            }
            var condition = SQLQueryString("\(ident: "id") IN (\(binds: chunk.map(\.id)))")
            let versioned = chunk.filter { $0.version != nil }
            if !versioned.isEmpty {
                let versions = versioned.map { SQLQueryString("WHEN \(bind: $0.id) THEN \(bind: $0.version!)") as any SQLExpression }
                condition = SQLQueryString("\(condition) AND \(ident: "version") = CASE \(ident: "id") \(SQLList(versions, separator: SQLRaw(" "))) ELSE \(ident: "version") END")
            }
            let written = try await db.sql.raw("UPDATE \(ident: table) SET \(SQLList(sets)) WHERE \(condition) RETURNING \(ident: "id")").all()
            guard written.count == chunk.count else { throw EditConflict() }
        }
    }
}

extension Array {
    /// The array in slices of `size`, the last perhaps shorter.
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
