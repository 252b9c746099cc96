import FluentKit
import NIOCore
import SQLKit

/// SQLite transactions that take the write lock when they begin.
///
/// Fluent begins SQLite transactions deferred: the lock is taken at the first write. A transaction
/// that reads first and then writes fails outright ("database is locked", the snapshot is stale)
/// when another connection wrote in between, for instance the highways pull applying an update
/// while a co-ordinator completes an enquiry. Waiting cannot help it, as its reads are already out
/// of date. Begun `IMMEDIATE`, a transaction waits for the lock before reading anything, so what it
/// reads is still true when it writes. Readers outside transactions never wait (write-ahead log).
extension DatabaseConfigurationFactory {
    static func takingWriteLockAtBegin(_ base: DatabaseConfigurationFactory) -> DatabaseConfigurationFactory {
        .init { WriteLockConfiguration(base: base.make()) }
    }
}

private struct WriteLockConfiguration: DatabaseConfiguration {
    var base: any DatabaseConfiguration

    var middleware: [any AnyModelMiddleware] {
        get { base.middleware }
        set { base.middleware = newValue }
    }

    func makeDriver(for databases: Databases) -> any DatabaseDriver {
        WriteLockDriver(base: base.makeDriver(for: databases))
    }
}

private struct WriteLockDriver: DatabaseDriver {
    let base: any DatabaseDriver

    func makeDatabase(with context: DatabaseContext) -> any Database {
        WriteLockDatabase(base: base.makeDatabase(with: context), inTransaction: false)
    }

    func shutdown() { base.shutdown() }
    func shutdownAsync() async { await base.shutdownAsync() }
}

/// The driver's database, with its transactions begun `IMMEDIATE`; everything else is passed on.
struct WriteLockDatabase: Database, SQLDatabase {
    let base: any Database
    let inTransaction: Bool

    private var baseSQL: any SQLDatabase { base.sql }

    var context: DatabaseContext { base.context }

    func execute(query: DatabaseQuery, onOutput: @escaping @Sendable (any DatabaseOutput) -> Void) -> EventLoopFuture<Void> {
        base.execute(query: query, onOutput: onOutput)
    }

    func execute(schema: DatabaseSchema) -> EventLoopFuture<Void> { base.execute(schema: schema) }
    func execute(enum: DatabaseEnum) -> EventLoopFuture<Void> { base.execute(enum: `enum`) }

    func withConnection<T: Sendable>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        let inTransaction = self.inTransaction
        return base.withConnection { closure(WriteLockDatabase(base: $0, inTransaction: inTransaction)) }
    }

    func transaction<T: Sendable>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        if inTransaction { return closure(self) }
        return base.withConnection { connection in
            connection.eventLoop.makeFutureWithTask {
                let sql = connection.sql
                try await sql.raw("BEGIN IMMEDIATE TRANSACTION").run()
                do {
                    let result = try await closure(WriteLockDatabase(base: connection, inTransaction: true)).get()
                    try await sql.raw("COMMIT TRANSACTION").run()
                    return result
                } catch {
                    try? await sql.raw("ROLLBACK TRANSACTION").run()
                    throw error
                }
            }
        }
    }

    // SQLDatabase

    var logger: Logger { base.logger }
    var eventLoop: any EventLoop { base.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { baseSQL.version }
    var dialect: any SQLDialect { baseSQL.dialect }
    var queryLogLevel: Logger.Level? { baseSQL.queryLogLevel }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        baseSQL.execute(sql: query, onRow)
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try await baseSQL.execute(sql: query, onRow)
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await baseSQL.withSession(closure)
    }
}
