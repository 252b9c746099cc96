import Fluent
import SQLKit

/// The queues' counts from an index alone: by status within service areas, with what the tabs
/// for replies, reopenings and deadlines add up, so a co-ordinator's queue costs the same on a
/// council with ten years of closed enquiries as on a new one. Led by status and service area and
/// then by last activity, it also gives a queue's page in its usual order without sorting.
struct AddQueueIndexes: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.createIndex("enquiries_queue_counts", on: "enquiries",
                                       "status", "service_area_id", "last_activity_at", "awaiting_reply", "reopen_count", "next_due")
    }

    func revert(on database: any Database) async throws {
        try await database.sql.raw("DROP INDEX enquiries_queue_counts").run()
    }
}
