import Fluent
import Foundation
import SQLKit

/// The heat map's tallies: how many enquiries there are for each month raised, status, service
/// area, type, Member, district, division and parish together, kept by triggers on `enquiries` in
/// the same statement as every insert, change and removal, however the row is written. A heat map
/// over years sums a few tens of thousands of tallies rather than counting a million enquiries.
/// An enquiry with no district, division or parish is tallied under the nil UUID, so that each
/// combination has one row a unique key can find.
struct CreateEnquiryTallies: AsyncMigration {
    static let table = "enquiry_tallies"
    /// Stands for no district, division or parish.
    static let none = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
    static let key = ["raised_month", "status", "service_area_id", "type_id", "member_id", "district_id", "division_id", "parish_id"]

    func prepare(on database: any Database) async throws {
        let sql = database.sql
        try await database.schema(Self.table)
            .field("raised_month", .string, .required)
            .field("status", .string, .required)
            .field("service_area_id", .uuid, .required)
            .field("type_id", .uuid, .required)
            .field("member_id", .uuid, .required)
            .field("district_id", .uuid, .required)
            .field("division_id", .uuid, .required)
            .field("parish_id", .uuid, .required)
            .field("tally", .int64, .required)
            .unique(on: "raised_month", "status", "service_area_id", "type_id", "member_id", "district_id", "division_id", "parish_id")
            .create()
        let none = "'\(Self.none.uuidString)'" + (sql.isPostgres ? "::uuid" : "")
        func values(_ row: String) -> String {
            "COALESCE(\(row).raised_month, ''), \(row).status, \(row).service_area_id, \(row).type_id, \(row).member_id, "
                + "COALESCE(\(row).district_id, \(none)), COALESCE(\(row).division_id, \(none)), COALESCE(\(row).parish_id, \(none))"
        }
        let key = Self.key.joined(separator: ", ")
        func tally(_ row: String, _ step: Int) -> String {
            "INSERT INTO \(Self.table) (\(key), tally) VALUES (\(values(row)), \(step)) ON CONFLICT (\(key)) DO UPDATE SET tally = \(Self.table).tally + excluded.tally;"
        }
        try await sql.raw("""
            INSERT INTO \(unsafeRaw: Self.table) (\(unsafeRaw: key), tally)
            SELECT \(unsafeRaw: values("enquiries")), COUNT(*) FROM enquiries GROUP BY \(unsafeRaw: values("enquiries"))
            """).run()
        // A change to any column of the key moves the enquiry from one tally to another.
        let changed = Self.key.map { sql.isPostgres ? "OLD.\($0) IS DISTINCT FROM NEW.\($0)" : "OLD.\($0) IS NOT NEW.\($0)" }.joined(separator: " OR ")
        if sql.isPostgres {
            // An enquiry that moves leaves one tally and joins another; the two rows are always
            // taken in key order, so two enquiries moving opposite ways cannot deadlock.
            let oldKey = "ROW(\(values("OLD")))", newKey = "ROW(\(values("NEW")))"
            try await sql.raw("""
                CREATE FUNCTION enquiry_tallies_follow() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'INSERT' THEN
                        \(unsafeRaw: tally("NEW", 1))
                    ELSIF TG_OP = 'DELETE' THEN
                        \(unsafeRaw: tally("OLD", -1))
                    ELSIF \(unsafeRaw: oldKey) < \(unsafeRaw: newKey) THEN
                        \(unsafeRaw: tally("OLD", -1))
                        \(unsafeRaw: tally("NEW", 1))
                    ELSE
                        \(unsafeRaw: tally("NEW", 1))
                        \(unsafeRaw: tally("OLD", -1))
                    END IF;
                    RETURN NULL;
                END $$
                """).run()
            try await sql.raw("CREATE TRIGGER enquiry_tallies_insert AFTER INSERT OR DELETE ON enquiries FOR EACH ROW EXECUTE FUNCTION enquiry_tallies_follow()").run()
            try await sql.raw("""
                CREATE TRIGGER enquiry_tallies_update AFTER UPDATE ON enquiries FOR EACH ROW WHEN (\(unsafeRaw: changed))
                EXECUTE FUNCTION enquiry_tallies_follow()
                """).run()
        } else {
            try await sql.raw("CREATE TRIGGER enquiry_tallies_insert AFTER INSERT ON enquiries BEGIN \(unsafeRaw: tally("NEW", 1)) END").run()
            try await sql.raw("CREATE TRIGGER enquiry_tallies_delete AFTER DELETE ON enquiries BEGIN \(unsafeRaw: tally("OLD", -1)) END").run()
            try await sql.raw("""
                CREATE TRIGGER enquiry_tallies_update AFTER UPDATE ON enquiries WHEN \(unsafeRaw: changed)
                BEGIN \(unsafeRaw: tally("OLD", -1)) \(unsafeRaw: tally("NEW", 1)) END
                """).run()
        }
    }

    func revert(on database: any Database) async throws {
        let sql = database.sql
        if sql.isPostgres {
            try await sql.raw("DROP TRIGGER IF EXISTS enquiry_tallies_insert ON enquiries").run()
            try await sql.raw("DROP TRIGGER IF EXISTS enquiry_tallies_update ON enquiries").run()
            try await sql.raw("DROP FUNCTION IF EXISTS enquiry_tallies_follow()").run()
        } else {
            for trigger in ["enquiry_tallies_insert", "enquiry_tallies_delete", "enquiry_tallies_update"] {
                try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: trigger)").run()
            }
        }
        try await database.schema(Self.table).delete()
    }
}
