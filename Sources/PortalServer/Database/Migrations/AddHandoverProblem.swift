import Fluent

/// When a handover's last batch could not be applied (`elections.handover_problem_at`), so its
/// page can say so while the portal tries again; cleared by the next batch that is applied.
struct AddHandoverProblem: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("elections").field("handover_problem_at", .datetime).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("elections").deleteField("handover_problem_at").update()
    }
}
