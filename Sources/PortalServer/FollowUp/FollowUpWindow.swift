import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// The follow-up window: a completed enquiry waits in its Member's "Awaiting your confirmation"
/// list for the council's number of working days (5 unless an administrator changes it; 0 turns
/// the window off). When the window's last day has ended and the Member has neither confirmed
/// nor reopened it, the portal closes it: an entry in the conversation, the audit trail, and a
/// notification to the Member, as for any change (`EnquiryWorkflow`).
///
/// The last day is fixed when the enquiry is completed, like a deadline (`ServiceLevelTracking`),
/// so a later change of the setting applies to enquiries completed after it; turning the window
/// off stops all closing at once.
enum FollowUpWindow {
    static let standardDays = 5
    /// The longest window an administrator may set: three months of working days.
    static let mostDays = 60

    /// The last day an enquiry completed at `completedAt` waits for its Member, counted as a
    /// deadline is; nil when the window is off.
    static func lastDay(completedAt: Date, settings: ServiceLevelSettings) -> CivilDate? {
        guard settings.followUpDays > 0 else { return nil }
        return settings.clock.deadline(workingDays: settings.followUpDays, receivedAt: completedAt)
    }

    /// What the conversation says when the portal closes an enquiry.
    static func closingWords(lastDay: CivilDate) -> String {
        "Closed by the portal: it was not confirmed or reopened by the end of \(lastDay.longText), the last day of its follow-up window."
    }

    struct Outcome: Sendable, Equatable {
        var closed = 0
        /// Changed by someone else while being closed; tried again on the next run.
        var leftForNextRun = 0
    }

    /// How many enquiries one transaction closes.
    static let batchSize = 200

    /// Closes every completed enquiry whose window ended before today. Each batch is read and
    /// closed in one transaction, written only while each enquiry's version is unchanged, so two
    /// instances running at once, or a Member confirming at that moment, close each enquiry once.
    static func run(at now: Date, on db: any Database) async throws -> Outcome {
        let settings = try await ServiceLevelSettings.load(on: db)
        guard settings.followUpDays > 0 else { return Outcome() }
        let today = settings.clock.localDate(of: now)
        var actor: EnquiryActor?
        var outcome = Outcome()
        var skipped = Set<UUID>()
        while true {
            var query = db.sql.select().column("id").from(Enquiry.schema)
                .where("status", .equal, EnquiryStatus.completed.rawValue)
                .where("follow_up_until", .lessThan, today.iso)
            if !skipped.isEmpty { query = query.where(SQLBinaryExpression(SQLColumn("id"), .notIn, SQLBind.group(Array(skipped)))) }
            let batch = try await query.orderBy("follow_up_until").orderBy("id").limit(batchSize)
                .all().map { try $0.decode(column: "id", as: UUID.self) }
            guard !batch.isEmpty else { break }
            // The system account is read (or made) only when something is due.
            let portal: EnquiryActor
            if let actor { portal = actor } else { portal = try await SystemAccount.portal.actor(at: now, on: db); actor = portal }
            var closed = Set<UUID>()
            do {
                closed = try await close(batch, by: portal, today: today, at: now, on: db)
            } catch {
                // Someone changed one of them meanwhile: each alone.
                for id in batch { closed.formUnion((try? await close([id], by: portal, today: today, at: now, on: db)) ?? []) }
            }
            outcome.closed += closed.count
            // One not closed (changed meanwhile, or its last day unreadable) waits for the next run.
            let left = Set(batch).subtracting(closed)
            outcome.leftForNextRun += left.count
            skipped.formUnion(left)
            if batch.count < batchSize { break }
        }
        return outcome
    }

    /// Closes those of these enquiries still completed with their window ended, in one transaction.
    private static func close(_ ids: [UUID], by actor: EnquiryActor, today: CivilDate, at now: Date, on db: any Database) async throws -> Set<UUID> {
        try await db.transaction { db in
            let requests = try await EnquiryWorkflow.load(ids, for: actor, on: db).values
                .sorted { $0.enquiry.reference < $1.enquiry.reference }
                .compactMap { loaded -> EnquiryWorkflow.Request? in
                    let enquiry = loaded.enquiry
                    guard enquiry.status == .completed, let last = enquiry.followUpUntil.flatMap(CivilDate.init(iso:)), last < today else { return nil }
                    return .init(loaded: loaded, change: .closeAfterFollowUp(windowEnded: last))
                }
            try await EnquiryWorkflow.perform(requests, by: actor, at: now, on: db)
            return Set(requests.compactMap(\.loaded.enquiry.id))
        }
    }
}

extension RepeatingJob {
    /// Closes enquiries whose follow-up window has ended, every minute.
    static var followUpWindow: RepeatingJob {
        RepeatingJob("Follow-up window", every: .seconds(60), after: .seconds(5)) { application in
            let outcome = try await FollowUpWindow.run(at: application.now, on: application.db)
            if outcome.closed + outcome.leftForNextRun > 0 {
                application.logger.notice("Follow-up window: \(outcome.closed) completed enquiries closed, \(outcome.leftForNextRun) left for the next run")
            }
        }
    }
}
