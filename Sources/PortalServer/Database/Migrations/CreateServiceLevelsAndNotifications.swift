import Fluent
import Foundation
import PortalCore
import SQLKit

/// The council's working-day calendar and service levels, SLA deadlines on enquiries, the
/// reminders recorded for them, and in-app notifications: `council_calendar`, `closure_days`,
/// `service_levels`, the deadline columns of `enquiries`, `sla_reminders` and `notifications`.
struct CreateServiceLevels: AsyncMigration {
    /// Dates the default service level's row.
    let clock: PortalClock

    func prepare(on database: any Database) async throws {
        // One row: the council's nation and working day. Kept in the database so that every app
        // instance, and `portal calendar`, count the same days.
        try await database.schema("council_calendar")
            .field("id", .int, .identifier(auto: false))
            .field("nation", .string, .required)
            .field("opens_at", .int, .required)
            .field("closes_at", .int, .required)
            .field("version", .int, .required)
            .create()
        try await database.sql.insert(into: "council_calendar").columns("id", "nation", "opens_at", "closes_at", "version")
            .values(SQLBind(1), SQLBind(Nation.englandAndWales.rawValue), SQLBind(9 * 60), SQLBind(17 * 60), SQLBind(1)).run()

        try await database.schema("closure_days")
            .id()
            .field("day", .string, .required)
            .field("name", .string, .required)
            .field("added_by_id", .uuid, .references("users", "id"))
            .field("added_at", .datetime, .required)
            .unique(on: "day")
            .create()

        // A service level for a scope: both ids empty is the council's default. `scope` is the
        // pair as text ("area|type", "*" for any), unique, because SQL treats empty ids as distinct.
        try await database.schema("service_levels")
            .id()
            .field("scope", .string, .required)
            .field("service_area_id", .uuid, .references("service_areas", "id"))
            .field("type_id", .uuid, .references("enquiry_types", "id"))
            .field("first_response_days", .int, .required)
            .field("completion_days", .int, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "scope")
            .create()
        try await database.sql.insert(into: "service_levels")
            .columns("id", "scope", "first_response_days", "completion_days", "updated_at")
            .values(SQLBind(UUID()), SQLBind(ServiceLevelScope.key(serviceAreaID: nil, typeID: nil)),
                    SQLBind(ServiceLevel.standard.firstResponseDays), SQLBind(ServiceLevel.standard.completionDays), SQLBind(clock.now()))
            .run()

        // Deadlines are local dates as YYYY-MM-DD, which sort as dates on both databases.
        for (column, type) in [("received_on", DatabaseSchema.DataType.string), ("first_response_due", .string),
                               ("completion_counted_from", .string), ("completion_due", .string), ("next_due", .string),
                               ("first_response_at", .datetime), ("first_response_days", .int), ("completion_days", .int)] {
            try await database.schema("enquiries").field(.definition(name: .key(FieldKey(stringLiteral: column)), dataType: type, constraints: [])).update()
        }
        // The overdue and at-risk queues: open enquiries of some service areas by their next deadline.
        try await database.createIndex("enquiries_area_next_due", on: "enquiries", "service_area_id", "next_due")
        try await database.createIndex("enquiries_next_due", on: "enquiries", "next_due")

        // One row for each reminder ever recorded; the unique key makes each reminder happen once
        // however many app instances look for it at the same moment.
        try await database.schema("sla_reminders")
            .id()
            .field("enquiry_id", .uuid, .required, .references("enquiries", "id"))
            .field("deadline", .string, .required)
            .field("level", .string, .required)
            .field("due", .string, .required)
            .field("recorded_at", .datetime, .required)
            .unique(on: "enquiry_id", "deadline", "level", "due")
            .create()

        try await database.schema("notifications")
            .id()
            .field("user_id", .uuid, .required, .references("users", "id"))
            .field("enquiry_id", .uuid, .references("enquiries", "id"))
            .field("kind", .string, .required)
            .field("message", .string, .required)
            .field("created_at", .datetime, .required)
            .field("read_at", .datetime)
            .create()
        try await database.createIndex("notifications_user", on: "notifications", "user_id", "read_at", "created_at")

        try await ServiceLevelBackfill.run(on: database)
    }

    func revert(on database: any Database) async throws {
        for table in ["notifications", "sla_reminders", "service_levels", "closure_days", "council_calendar"] {
            try await database.schema(table).delete()
        }
        for index in ["enquiries_area_next_due", "enquiries_next_due"] {
            try await database.sql.drop(index: SQLIdentifier(index)).run()
        }
        for column in ["received_on", "first_response_due", "completion_counted_from", "completion_due", "next_due",
                       "first_response_at", "first_response_days", "completion_days"] {
            try await database.schema("enquiries").deleteField(FieldKey(stringLiteral: column)).update()
        }
    }
}

/// Gives enquiries that existed before service levels their deadlines and, where the
/// conversation shows them, their first response and completion times, under the default calendar
/// and levels. Plain SQL rather than the model, so the migration reads the schema of its own time.
enum ServiceLevelBackfill {
    private struct Row: Decodable {
        let id: UUID
        let status: String
        let service_area_id: UUID
        let type_id: UUID
        let submitted_at: Date
        let completed_at: Date?
        let closed_at: Date?
    }

    static func run(on database: any Database) async throws {
        let settings = try await ServiceLevelSettings.load(on: database, withFollowUp: false)
        let sql = database.sql
        let rows = try await sql.select()
            .columns("id", "status", "service_area_id", "type_id", "submitted_at", "completed_at", "closed_at")
            .from("enquiries").where(SQLColumn("submitted_at"), .isNot, SQLLiteral.null)
            .all(decoding: Row.self)
        guard !rows.isEmpty else { return }
        func earliest(_ kinds: [EnquiryEntry.Kind], latest: Bool = false) async throws -> [UUID: Date] {
            var found: [UUID: Date] = [:]
            for row in try await sql.select()
                .column("enquiry_id").column(SQLFunction(latest ? "MAX" : "MIN", args: SQLColumn("created_at")), as: "at")
                .from("enquiry_entries").where(EnquiryList.column("kind", in: kinds.map(\.rawValue))).groupBy("enquiry_id").all() {
                found[try row.decode(column: "enquiry_id", as: UUID.self)] = try row.decode(column: "at", as: Date.self)
            }
            return found
        }
        let firstResponses = try await earliest(ServiceLevelTracking.responseKinds)
        let reopenings = try await earliest([.reopened], latest: true)
        let clock = settings.clock, calendar = settings.calendar
        for row in rows {
            let level = settings.policies.level(serviceArea: row.service_area_id, type: row.type_id)
            let day0 = clock.receivedDay(row.submitted_at)
            let countedFrom = reopenings[row.id].map { clock.receivedDay($0) } ?? day0
            let firstDue = calendar.adding(level.firstResponseDays, workingDaysTo: day0)
            let completionDue = calendar.adding(level.completionDays, workingDaysTo: countedFrom)
            let firstAt = firstResponses[row.id]
            func taken(_ end: Date?) -> Int? { end.map { max(0, calendar.workingDays(from: day0, to: clock.localDate(of: $0))) } }
            let status = EnquiryStatus(rawValue: row.status) ?? .submitted
            let nextDue = status.isOpen ? (firstAt == nil ? firstDue : completionDue).iso : nil
            try await sql.update("enquiries")
                .set("received_on", to: day0.iso).set("first_response_due", to: firstDue.iso)
                .set("completion_counted_from", to: countedFrom.iso).set("completion_due", to: completionDue.iso)
                .set("next_due", to: nextDue).set("first_response_at", to: firstAt).set("first_response_days", to: taken(firstAt))
                .set("completion_days", to: taken(row.completed_at ?? row.closed_at))
                .where("id", .equal, row.id).run()
        }
    }
}
