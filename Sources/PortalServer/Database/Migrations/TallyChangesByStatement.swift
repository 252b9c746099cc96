import Fluent
import SQLKit

/// PostgreSQL: the heat map's tallies follow a change of many enquiries in one statement with one
/// insert for the whole statement, rather than two for each enquiry changed. The statement's rows
/// before and after are summed by tally key, each key that gained or lost enquiries written once,
/// in key order (so two statements cannot deadlock on them). SQLite keeps its row triggers: it has
/// no statement triggers, and writes one change at a time.
struct TallyChangesByStatement: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database.sql
        guard sql.isPostgres else { return }
        let table = CreateEnquiryTallies.table, key = CreateEnquiryTallies.key.joined(separator: ", ")
        let none = "'\(CreateEnquiryTallies.none.uuidString)'::uuid"
        func values(_ row: String, _ step: Int) -> String {
            "COALESCE(\(row).raised_month, '') AS raised_month, \(row).status, \(row).service_area_id, \(row).type_id, \(row).member_id, "
                + "COALESCE(\(row).district_id, \(none)) AS district_id, COALESCE(\(row).division_id, \(none)) AS division_id, "
                + "COALESCE(\(row).parish_id, \(none)) AS parish_id, \(step) AS step"
        }
        try await sql.raw("DROP TRIGGER enquiry_tallies_update ON enquiries").run()
        try await sql.raw("""
            CREATE FUNCTION enquiry_tallies_follow_changes() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO \(unsafeRaw: table) (\(unsafeRaw: key), tally)
                SELECT \(unsafeRaw: key), SUM(step) FROM (
                    SELECT \(unsafeRaw: values("was", -1)) FROM changed_from was
                    UNION ALL
                    SELECT \(unsafeRaw: values("now", 1)) FROM changed_to now
                ) moves
                GROUP BY \(unsafeRaw: key) HAVING SUM(step) <> 0 ORDER BY \(unsafeRaw: key)
                ON CONFLICT (\(unsafeRaw: key)) DO UPDATE SET tally = \(unsafeRaw: table).tally + excluded.tally;
                RETURN NULL;
            END $$
            """).run()
        try await sql.raw("""
            CREATE TRIGGER enquiry_tallies_update AFTER UPDATE ON enquiries
            REFERENCING OLD TABLE AS changed_from NEW TABLE AS changed_to
            FOR EACH STATEMENT EXECUTE FUNCTION enquiry_tallies_follow_changes()
            """).run()
    }

    func revert(on database: any Database) async throws {
        let sql = database.sql
        guard sql.isPostgres else { return }
        try await sql.raw("DROP TRIGGER IF EXISTS enquiry_tallies_update ON enquiries").run()
        try await sql.raw("DROP FUNCTION IF EXISTS enquiry_tallies_follow_changes()").run()
        let changed = CreateEnquiryTallies.key.map { "OLD.\($0) IS DISTINCT FROM NEW.\($0)" }.joined(separator: " OR ")
        try await sql.raw("""
            CREATE TRIGGER enquiry_tallies_update AFTER UPDATE ON enquiries FOR EACH ROW WHEN (\(unsafeRaw: changed))
            EXECUTE FUNCTION enquiry_tallies_follow()
            """).run()
    }
}
