import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// Reminds co-ordinators of deadlines: once when an enquiry's deadline comes within
/// `DeadlineStanding.atRiskWithin` working days (or is due today), and once when it has passed.
/// Runs only in the council's working hours, so nobody is told at midnight or at a weekend: an
/// enquiry that breaches on Friday evening is reported at 09:00 on Monday (the next working day).
///
/// Each reminder is a row in `sla_reminders` keyed by (enquiry, deadline, level, due date); it is
/// inserted with `ON CONFLICT DO NOTHING` and the notifications are written only by the
/// transaction whose insert took, so several app instances on one database record each
/// reminder once. A reopened enquiry has a new completion date, and so may be reminded again.
enum DeadlineReminders {
    struct Outcome: Sendable, Equatable {
        var atRisk = 0
        var breached = 0
        var skippedOutsideWorkingHours = false
    }

    private struct Candidate: Decodable {
        let id: UUID
        let reference: String
        let subject: String
        let service_area_id: UUID
        let handler_id: UUID?
        let next_due: String
        let first_response_at: Date?
    }

    /// How many enquiries one run takes on; the rest wait for the next run a minute later.
    static let batchSize = 500

    static func run(at now: Date, on db: any Database) async throws -> Outcome {
        let settings = try await ServiceLevelSettings.load(on: db)
        guard settings.clock.isWorkingHours(now) else { return Outcome(skippedOutsideWorkingHours: true) }
        let bounds = EnquiryList.DeadlineBounds(clock: settings.clock, now: now)
        // Open enquiries due by the end of the at-risk window that have no reminder yet at the
        // level they have reached.
        let candidates = try await db.sql.raw("""
            SELECT e.id, e.reference, e.subject, e.service_area_id, e.handler_id, e.next_due, e.first_response_at
            FROM enquiries e
            WHERE e.next_due IS NOT NULL AND e.next_due <= \(bind: bounds.atRiskUntil)
              AND NOT EXISTS (
                SELECT 1 FROM sla_reminders r
                WHERE r.enquiry_id = e.id AND r.due = e.next_due
                  AND r.deadline = CASE WHEN e.first_response_at IS NULL THEN 'first_response' ELSE 'completion' END
                  AND r.level = CASE WHEN e.next_due < \(bind: bounds.today) THEN 'breached' ELSE 'at_risk' END)
            ORDER BY e.next_due
            LIMIT \(unsafeRaw: String(batchSize))
            """).all(decoding: Candidate.self)
        guard !candidates.isEmpty else { return Outcome() }
        let coordinators = try await Notifications.coordinators(of: Set(candidates.map(\.service_area_id)), on: db)
        var outcome = Outcome()
        for candidate in candidates {
            guard let due = CivilDate(iso: candidate.next_due) else { continue }
            let breached = candidate.next_due < bounds.today
            let deadline = candidate.first_response_at == nil ? "first_response" : "completion"
            let standing = settings.clock.standing(of: due, at: now)
            let what = deadline == "first_response" ? "first response" : "completion"
            let message = breached
                ? "\(candidate.reference) \(candidate.subject): the \(what) was due by \(due.longText) and is \(standing.words)."
                : "\(candidate.reference) \(candidate.subject): the \(what) is \(standing.words) (by the end of \(due.longText))."
            var recipients = coordinators[candidate.service_area_id] ?? []
            if let handler = candidate.handler_id { recipients.insert(handler) }
            let people = recipients.sorted { $0.uuidString < $1.uuidString }
            let recorded = try await db.transaction { db in
                let inserted = try await db.sql.raw("""
                    INSERT INTO sla_reminders (id, enquiry_id, deadline, level, due, recorded_at)
                    VALUES (\(bind: UUID()), \(bind: candidate.id), \(bind: deadline), \(bind: breached ? "breached" : "at_risk"),
                            \(bind: candidate.next_due), \(bind: now))
                    ON CONFLICT (enquiry_id, deadline, level, due) DO NOTHING
                    RETURNING id
                    """).all()
                guard !inserted.isEmpty else { return false }
                try await Notifications.add(to: people,
                                            kind: breached ? .deadlineBreached : .deadlineAtRisk,
                                            message: message, enquiryID: candidate.id, at: now, on: db)
                return true
            }
            if recorded { if breached { outcome.breached += 1 } else { outcome.atRisk += 1 } }
        }
        return outcome
    }
}

extension RepeatingJob {
    /// Deadline reminders every minute.
    static var deadlineReminders: RepeatingJob {
        RepeatingJob("Deadline reminders", every: .seconds(60)) { application in
            let outcome = try await DeadlineReminders.run(at: application.now, on: application.db)
            if outcome.atRisk + outcome.breached > 0 {
                application.logger.notice("Deadline reminders recorded: \(outcome.atRisk) at risk, \(outcome.breached) passed")
            }
        }
    }
}
