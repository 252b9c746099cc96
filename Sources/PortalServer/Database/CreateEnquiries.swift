import Fluent
import PortalCore
import SQLKit

struct CreateEnquiryTypes: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("enquiry_types")
            .id()
            .field("name", .string, .required)
            .field("needs_location", .bool, .required)
            .field("is_active", .bool, .required)
            .unique(on: "name")
            .create()
        try await database.schema("enquiry_subtypes")
            .id()
            .field("type_id", .uuid, .required, .references("enquiry_types", "id"))
            .field("name", .string, .required)
            .unique(on: "type_id", "name")
            .create()
        for definition in DefaultEnquiryTypes.all {
            let type = EnquiryType(name: definition.name, needsLocation: definition.needsLocation)
            try await type.create(on: database)
            for name in definition.subtypes { try await EnquirySubtype(typeID: try type.requireID(), name: name).create(on: database) }
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema("enquiry_subtypes").delete()
        try await database.schema("enquiry_types").delete()
    }
}

struct CreateEnquiries: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("enquiries")
            .id()
            .field("reference", .string, .required)
            .field("member_id", .uuid, .required, .references("users", "id"))
            .field("raised_by_id", .uuid, .required, .references("users", "id"))
            .field("channel", .string, .required)
            .field("service_area_id", .uuid, .required, .references("service_areas", "id"))
            .field("type_id", .uuid, .required, .references("enquiry_types", "id"))
            .field("subtype_id", .uuid, .references("enquiry_subtypes", "id"))
            .field("subject", .string, .required)
            .field("details", .string, .required)
            .field("resident_name", .string)
            .field("resident_address", .string)
            .field("resident_phone", .string)
            .field("resident_email", .string)
            .field("location", .string)
            .field("urgency", .string, .required)
            .field("district_id", .uuid, .references("districts", "id"))
            .field("division_id", .uuid, .references("divisions", "id"))
            .field("parish_id", .uuid, .references("parishes", "id"))
            .field("works_area_id", .uuid, .references("works_areas", "id"))
            .field("status", .string, .required)
            .field("handler_id", .uuid, .references("users", "id"))
            .field("awaiting_reply", .bool, .required)
            .field("reopen_count", .int, .required)
            .field("version", .int, .required)
            .field("submission_key", .string)
            .field("created_at", .datetime, .required)
            .field("submitted_at", .datetime)
            .field("completed_at", .datetime)
            .field("closed_at", .datetime)
            .field("last_activity_at", .datetime, .required)
            .unique(on: "reference")
            .unique(on: "submission_key")
            .create()
        try await database.createIndex("enquiries_member_status", on: "enquiries", "member_id", "status", "last_activity_at")
        try await database.createIndex("enquiries_raised_by", on: "enquiries", "raised_by_id")
        try await database.createIndex("enquiries_area_status", on: "enquiries", "service_area_id", "status", "last_activity_at")
        try await database.createIndex("enquiries_handler", on: "enquiries", "handler_id")

        try await database.schema("enquiry_counters")
            .id()
            .field("year", .int, .required)
            .field("last_number", .int, .required)
            .unique(on: "year")
            .create()

        try await database.schema("enquiry_entries")
            .id()
            .field("enquiry_id", .uuid, .required, .references("enquiries", "id"))
            .field("kind", .string, .required)
            .field("author_id", .uuid, .required, .references("users", "id"))
            .field("body", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.createIndex("enquiry_entries_enquiry", on: "enquiry_entries", "enquiry_id", "created_at")

        try await database.schema("responder_questions")
            .id()
            .field("enquiry_id", .uuid, .required, .references("enquiries", "id"))
            .field("asked_by_id", .uuid, .required, .references("users", "id"))
            .field("responder_id", .uuid, .required, .references("users", "id"))
            .field("question", .string, .required)
            .field("asked_at", .datetime, .required)
            .field("state", .string, .required)
            .field("answer", .string)
            .field("answered_at", .datetime)
            .field("withdrawn_reason", .string)
            .field("withdrawn_at", .datetime)
            .create()
        try await database.createIndex("responder_questions_responder", on: "responder_questions", "responder_id", "state")
        try await database.createIndex("responder_questions_enquiry", on: "responder_questions", "enquiry_id")
    }

    func revert(on database: any Database) async throws {
        for table in ["responder_questions", "enquiry_entries", "enquiry_counters", "enquiries"] {
            try await database.schema(table).delete()
        }
    }
}

/// The audit trail: append-only, each entry chained to the one before by a SHA-256 hash.
/// Triggers in the database refuse any UPDATE or DELETE, so not even a mistaken query can
/// rewrite history; `portal audit verify` proves the chain.
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

        let sql = database.sql
        if sql.dialect.name == "postgresql" {
            try await sql.raw("""
                CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END $$
                """).run()
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

    func revert(on database: any Database) async throws {
        try await database.schema("audit_head").delete()
        try await database.schema("audit_entries").delete()
        if database.sql.dialect.name == "postgresql" {
            try await database.sql.raw("DROP FUNCTION IF EXISTS audit_entries_append_only()").run()
        }
    }
}
