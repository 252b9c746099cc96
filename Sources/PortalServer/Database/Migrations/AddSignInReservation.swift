import Fluent
import SQLKit

/// On PostgreSQL, the sign-in throttle's reservation as one server-side function
/// (`portal_reserve_sign_in`), so that attempts on one account queue inside the database for the
/// microseconds of one statement, not across the round trips of a transaction held by a busy
/// server. Each statement of a PL/pgSQL function reads the rows committed before it runs, so the
/// counts taken after the locks see every earlier reservation. SQLite needs nothing: it runs one
/// writing statement at a time.
struct AddSignInReservation: AsyncMigration {
    func prepare(on database: any Database) async throws {
        guard database.sql.isPostgres else { return }
        try await database.sql.raw("""
            CREATE OR REPLACE FUNCTION portal_reserve_sign_in(
                reservation uuid, account text, network_address text, attempted_at timestamptz,
                since timestamptz, account_limit bigint, address_limit bigint)
            RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
            BEGIN
                -- The same order for everyone (account, then address): no two wait in a circle.
                IF account <> '' THEN
                    PERFORM pg_advisory_xact_lock(hashtextextended('sign-in account ' || account, 0));
                    IF (SELECT count(*) FROM sign_in_failures
                        WHERE email = account AND at >= since) >= account_limit THEN
                        RETURN false;
                    END IF;
                END IF;
                PERFORM pg_advisory_xact_lock(hashtextextended('sign-in address ' || network_address, 0));
                IF (SELECT count(*) FROM sign_in_failures
                    WHERE address = network_address AND at >= since) >= address_limit THEN
                    RETURN false;
                END IF;
                INSERT INTO sign_in_failures (id, email, address, at)
                    VALUES (reservation, account, network_address, attempted_at);
                RETURN true;
            END
            $$
            """).run()
    }

    func revert(on database: any Database) async throws {
        guard database.sql.isPostgres else { return }
        try await database.sql.raw("DROP FUNCTION IF EXISTS portal_reserve_sign_in").run()
    }
}
