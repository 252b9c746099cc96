/// What an update from the highways system does to the enquiry, by the status it carries. The
/// administrator edits the table; these are the rows a council starts with, after the statuses
/// of the Open311 update extension.
public enum HighwaysOutcome: String, CaseIterable, Sendable, Codable {
    /// A progress update the Member sees; the status stays (a new enquiry is taken in hand).
    case update
    /// The answer is known and works are pending: awaiting works, with the update's text.
    case awaitingWorks = "awaiting_works"
    /// The system has finished with it: completed, its text the final response.
    case completed
    /// Kept on the enquiry for officers only, as an internal note.
    case note

    public var label: String {
        switch self {
        case .update: "Progress update to the Member"
        case .awaitingWorks: "Awaiting works"
        case .completed: "Completed (final response)"
        case .note: "Internal note only"
        }
    }
}

public enum HighwaysStatusMap {
    public static let defaults: [(status: String, label: String, outcome: HighwaysOutcome)] = [
        ("open", "Open", .update),
        ("for_triage", "For triage", .update),
        ("investigating", "Investigating", .update),
        ("in_progress", "In progress", .update),
        ("action_scheduled", "Action scheduled", .awaitingWorks),
        ("planned", "Planned", .awaitingWorks),
        ("fixed", "Fixed", .completed),
        ("closed", "Closed", .completed),
        ("not_councils_responsibility", "Not the council's responsibility", .completed),
        ("duplicate", "Duplicate", .completed),
        ("no_further_action", "No further action", .completed),
        ("cancelled", "Cancelled", .completed),
        ("internal_referral", "Referred internally", .update),
        ("unchanged", "Comment, status unchanged", .update),
    ]

    /// The words a Member reads for a status: the table's label, or the status itself tidied.
    public static func label(of status: String) -> String {
        if let row = defaults.first(where: { $0.status == status }) { return row.label }
        let words = status.replacingOccurrences(of: "_", with: " ")
        return words.prefix(1).uppercased() + words.dropFirst()
    }

    /// Which change an update makes to an enquiry standing at `status`. `isLatest` is false for
    /// an update older than one already applied to the same request: its words are kept but it
    /// cannot move the status back. An enquiry already completed or closed takes later words as a
    /// note for officers: the Member reopens it, not the highways system.
    public static func change(for outcome: HighwaysOutcome, enquiryStatus status: EnquiryStatus, isLatest: Bool) -> HighwaysChange {
        guard status.isOpen else { return .note }
        guard isLatest else { return outcome == .note ? .note : .update }
        switch outcome {
        case .update: return .update
        case .note: return .note
        case .awaitingWorks: return status == .awaitingWorks ? .update : .awaitWorks
        case .completed: return .complete
        }
    }
}

/// The workflow step an update becomes.
public enum HighwaysChange: Equatable, Sendable {
    case update
    /// Awaiting works, the update's words a note to the Member.
    case awaitWorks
    case complete
    case note
}
