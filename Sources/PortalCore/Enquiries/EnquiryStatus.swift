/// Where an enquiry is in its life. Reopening is an event, not a state: it returns a completed or
/// closed enquiry to `inProgress` and is counted.
public enum EnquiryStatus: String, CaseIterable, Sendable, Codable, Hashable {
    /// Saved by its Member (or the officer raising it) to finish later; nobody else sees it.
    case draft
    /// New, in the co-ordinators' queue.
    case submitted
    case inProgress = "in_progress"
    /// Long-term: the answer is known, works on the ground are pending.
    case awaitingWorks = "awaiting_works"
    /// Completed by the officer, waiting for the Member to confirm.
    case completed
    case closed

    public var label: String {
        switch self {
        case .draft: "Draft"
        case .submitted: "New"
        case .inProgress: "In progress"
        case .awaitingWorks: "Awaiting works"
        case .completed: "Completed – awaiting your confirmation"
        case .closed: "Closed"
        }
    }

    /// The label officers see, who are not the ones confirming.
    public var officerLabel: String { self == .completed ? "Completed – awaiting the Member" : label }

    /// As a Member reads it, or as officers do.
    public func label(forMember: Bool) -> String { forMember ? label : officerLabel }

    /// Still needs an officer's work.
    public var isOpen: Bool { [.submitted, .inProgress, .awaitingWorks].contains(self) }
}

/// How an enquiry reached the portal.
public enum EnquiryChannel: String, CaseIterable, Sendable, Codable {
    case portal, phone, email
    case inPerson = "in_person"
    case meeting
    /// Made by another council system through the JSON API.
    case api
    /// Filed by an Open311 client (a citizens' reporting app).
    case open311

    public var label: String {
        switch self {
        case .portal: "Portal (raised by the Member)"
        case .phone: "Phone"
        case .email: "Email"
        case .inPerson: "In person"
        case .meeting: "Meeting"
        case .api: "Another council system"
        case .open311: "Open311 (a reporting app)"
        }
    }

    /// The channels an officer may record when raising an enquiry for a Member.
    public static let onBehalf: [EnquiryChannel] = [.phone, .email, .inPerson, .meeting]
}

public enum Urgency: String, CaseIterable, Sendable, Codable {
    case normal, urgent

    public var label: String { self == .normal ? "Normal" : "Urgent" }
}
