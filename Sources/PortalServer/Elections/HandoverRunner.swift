import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// Runs begun handovers in the background of this instance: one task per election at most, begun
/// by the page when the administrator applies it, and by the repeating job for any handover begun
/// and not finished (after a restart, or begun on another instance). Shutting down stops each
/// task between batches and waits for it, so no batch is left half-written by the portal itself
/// (and one cut short by a crash is rolled back by the database).
final class HandoverRunner: LifecycleHandler, Sendable {
    private let tasks = NIOLockedValueBox<[UUID: Task<Void, Never>]>([:])

    /// Starts running the handover unless this instance runs it already.
    func run(_ electionID: UUID, on application: Application) {
        tasks.withLockedValue { tasks in
            guard tasks[electionID] == nil else { return }
            tasks[electionID] = Task { [weak self] in
                do {
                    let applied = try await Handover.run(electionID, now: { application.now }, on: application.db)
                    if applied > 0 { application.logger.notice("Handover: \(applied) enquiries handed over") }
                } catch is CancellationError {
                } catch {
                    application.logger.error("Handover failed, to be tried again: \(String(reflecting: error))")
                    try? await Handover.recordProblem(application.now, election: electionID, on: application.db)
                }
                self?.tasks.withLockedValue { $0[electionID] = nil }
            }
        }
    }

    /// Waits for this instance's runs to end (for tests and shutdown).
    func waitForAll() async {
        for task in tasks.withLockedValue({ Array($0.values) }) { await task.value }
    }

    func shutdownAsync(_ application: Application) async {
        let running = tasks.withLockedValue { Array($0.values) }
        for task in running { task.cancel() }
        for task in running { await task.value }
    }

    func shutdown(_ application: Application) {}
}

private struct HandoverRunnerKey: StorageKey { typealias Value = HandoverRunner }

extension Application {
    /// The background runner of handovers (`configure` sets it up).
    var handoverRunner: HandoverRunner {
        get {
            guard let runner = storage[HandoverRunnerKey.self] else { fatalError("configure sets the handover runner") }
            return runner
        }
        set { storage[HandoverRunnerKey.self] = newValue }
    }
}

extension RepeatingJob {
    /// Takes up begun, unfinished handovers: at start-up (after a server stopped mid-handover)
    /// and every few seconds, for a handover begun on another instance.
    static var handover: RepeatingJob {
        RepeatingJob("Handover", every: .seconds(5), after: .seconds(1)) { application in
            let unfinished = try await application.db.sql.select().column("id").from("elections")
                .where("handover_started_at", .isNot, SQLLiteral.null).where("handover_finished_at", .is, SQLLiteral.null).all()
                .map { try $0.decode(column: "id", as: UUID.self) }
            for id in unfinished { application.handoverRunner.run(id, on: application) }
        }
    }
}
