import Foundation
import PortalCore

/// Keeps an enquiry's deadlines and measured times in step with what happens to it. The rules,
/// which the README repeats for administrators:
///
/// - Submission starts the clock: `receivedOn` is day 0 (`WorkingDayClock.receivedDay`), and the
///   first-response and completion deadlines are that many working days after it, by the service
///   level for the enquiry's service area and type.
/// - The first response is the first progress update, reply or final response the Member can
///   see (a note to the Member with awaiting works is a progress update). Internal notes, questions to officers and the acknowledgement on submission do not
///   count. Its working days are recorded once.
/// - A change of service area or type (editing the details, converting the type) re-reads the
///   service level and recomputes both deadlines from the same day 0: the clock does not restart.
/// - Reopening restarts the completion clock only: a new completion deadline counted from the
///   reopening day. The first-response deadline and time stay as they were.
/// - Completing records the working days to complete, from day 0 to the completion; completing
///   again after a reopening records the new total. A Member closing an enquiry that was never
///   completed records the same figure at the close.
/// - Awaiting works does not stop the clock: an enquiry is not complete until its works are done.
/// - `nextDue` is the deadline the enquiry works to now: the first-response deadline until there
///   is a first response, then the completion deadline; none once completed or closed.
/// - Completing starts the follow-up window (`FollowUpWindow`): `followUpUntil` is its last day,
///   counted like a deadline from the completion; any other status clears it.
/// - Later changes to the calendar (a new closure day) or to the service levels apply to enquiries
///   submitted, reopened or re-typed after them; deadlines already given stay as promised.
enum ServiceLevelTracking {
    /// Conversation entries that answer the Member.
    static let responseKinds: [EnquiryEntry.Kind] = [.update, .finalResponse, .reply]
    /// Actions that send the Member one of those.
    static let responseActions: Set<EnquiryAction> = [.postUpdate, .complete, .replyToMember]

    struct Before: Sendable {
        let status: EnquiryStatus?
        let serviceAreaID: UUID?
        let typeID: UUID?

        init(_ enquiry: Enquiry?) {
            status = enquiry?.status
            serviceAreaID = enquiry?.$serviceArea.id
            typeID = enquiry?.$type.id
        }
    }

    /// Brings the SLA fields up to date after `action` changed the enquiry at `now` (for a new
    /// enquiry, `action` is nil and `before` empty).
    /// `answeredMember`: the change wrote the Member an answer (a note with awaiting works does).
    static func record(_ action: EnquiryAction?, before: Before, on enquiry: Enquiry, at now: Date, settings: ServiceLevelSettings,
                       answeredMember: Bool = false) {
        let clock = settings.clock
        let level = settings.level(for: enquiry)
        if enquiry.status != .draft, enquiry.receivedOn == nil {
            let day0 = clock.receivedDay(enquiry.submittedAt ?? now)
            enquiry.receivedOn = day0.iso
            enquiry.completionCountedFrom = day0.iso
            enquiry.firstResponseDue = settings.calendar.adding(level.firstResponseDays, workingDaysTo: day0).iso
            enquiry.completionDue = settings.calendar.adding(level.completionDays, workingDaysTo: day0).iso
        } else if before.status != nil, before.serviceAreaID != enquiry.$serviceArea.id || before.typeID != enquiry.$type.id {
            if let day0 = enquiry.receivedOn.flatMap(CivilDate.init(iso:)) {
                enquiry.firstResponseDue = settings.calendar.adding(level.firstResponseDays, workingDaysTo: day0).iso
            }
            if let from = enquiry.completionCountedFrom.flatMap(CivilDate.init(iso:)) {
                enquiry.completionDue = settings.calendar.adding(level.completionDays, workingDaysTo: from).iso
            }
        }
        if action == .reopen {
            let from = clock.receivedDay(now)
            enquiry.completionCountedFrom = from.iso
            enquiry.completionDue = settings.calendar.adding(level.completionDays, workingDaysTo: from).iso
        }
        let taken = enquiry.receivedOn.flatMap(CivilDate.init(iso:)).map { day0 in
            max(0, settings.calendar.workingDays(from: day0, to: clock.localDate(of: now)))
        }
        if answeredMember || action.map(responseActions.contains) == true, enquiry.firstResponseAt == nil, let taken {
            enquiry.firstResponseAt = now
            enquiry.firstResponseDays = taken
        }
        if enquiry.status == .completed, before.status != .completed {
            enquiry.completionDays = taken
        } else if enquiry.status == .closed, let previous = before.status, previous.isOpen {
            enquiry.completionDays = taken
        }
        enquiry.nextDue = nextDue(of: enquiry)
        if enquiry.status != .completed {
            enquiry.followUpUntil = nil
        } else if before.status != .completed {
            enquiry.followUpUntil = FollowUpWindow.lastDay(completedAt: now, settings: settings)?.iso
        }
    }

    static func nextDue(of enquiry: Enquiry) -> String? {
        guard enquiry.status.isOpen else { return nil }
        return enquiry.firstResponseAt == nil ? enquiry.firstResponseDue : enquiry.completionDue
    }
}

/// What a list or page shows about an enquiry's deadline.
struct DeadlineSummary: Sendable {
    enum Kind: Sendable { case firstResponse, completion }
    let kind: Kind
    let due: CivilDate
    let standing: DeadlineStanding

    init?(nextDue: String?, firstResponseGiven: Bool, clock: WorkingDayClock, now: Date) {
        guard let due = nextDue.flatMap(CivilDate.init(iso:)) else { return nil }
        self.kind = firstResponseGiven ? .completion : .firstResponse
        self.due = due
        self.standing = clock.standing(of: due, at: now)
    }

    /// "Response overdue by 2 working days", "Completion due today".
    var words: String {
        let what = kind == .firstResponse ? "Response" : "Completion"
        return "\(what) \(standing.words)"
    }

    /// Never colour alone: the words say the same.
    var tagClass: String {
        if standing.isOverdue { return "tag tag-red" }
        if standing.isAtRisk { return "tag tag-yellow" }
        return "tag tag-grey"
    }
}
