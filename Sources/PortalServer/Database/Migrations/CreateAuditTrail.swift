import Fluent
import SQLKit

/// The audit trail: append-only, each entry chained to the one before by a SHA-256 hash.
/// Triggers in the database refuse any UPDATE or DELETE, so not even a mistaken query can
/// rewrite history; `portal audit verify` proves the chain. Makes `audit_entries`, and
/// `audit_head`: one row holding the latest entry's sequence and hash.
struct CreateAuditTrail: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("audit_entries")
            .id()
            .field("sequence", .int64, .required)
            .field("enquiry_id", .uuid)
            .field("actor_id", .uuid)
            .field("action", .string, .required)
            .field("changes", .string, .required)
            .field("detail", .string, .required)
            .field("recorded_at", .string, .required)
            .field("previous_hash", .string, .required)
            .field("hash", .string, .required)
            .unique(on: "sequence")
            .create()
        try await database.createIndex("audit_entries_enquiry", on: "audit_entries", "enquiry_id", "sequence")
        try await database.schema("audit_head")
            .field("id", .int, .identifier(auto: false))
            .field("sequence", .int64, .required)
            .field("hash", .string, .required)
            .create()
        try await database.sql.insert(into: "audit_head").columns("id", "sequence", "hash").values(SQLBind(1), SQLBind(0), SQLBind(AuditTrail.genesis)).run()

        if database.sql.dialect.name == "postgresql" {
            try await database.sql.raw("""
                CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END $$
                """).run()
        }
        try await Self.guardAppendOnly(database)
    }

    /// The triggers that refuse any update or removal of an entry.
    static func guardAppendOnly(_ database: any Database) async throws {
        let sql = database.sql
        if sql.dialect.name == "postgresql" {
            try await sql.raw("""
                CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
                FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()
                """).run()
        } else {
            for event in ["UPDATE", "DELETE"] {
                try await sql.raw("""
                    CREATE TRIGGER audit_entries_no_\(unsafeRaw: event.lowercased()) BEFORE \(unsafeRaw: event) ON audit_entries
                    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END
                    """).run()
            }
        }
    }

    /// Lifts the triggers, for a migration that must rewrite the trail (`AuditReseal`) and
    /// records that it did.
    static func liftAppendOnly(_ database: any Database) async throws {
        let sql = database.sql
        if sql.dialect.name == "postgresql" {
            try await sql.raw("DROP TRIGGER audit_entries_append_only ON audit_entries").run()
        } else {
            try await sql.raw("DROP TRIGGER audit_entries_no_update").run()
            try await sql.raw("DROP TRIGGER audit_entries_no_delete").run()
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema("audit_head").delete()
        try await database.schema("audit_entries").delete()
        if database.sql.dialect.name == "postgresql" {
            try await database.sql.raw("DROP FUNCTION IF EXISTS audit_entries_append_only()").run()
        }
    }
}
