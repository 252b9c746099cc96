/// Everything that can be done to an enquiry.
public enum EnquiryAction: String, CaseIterable, Sendable, Hashable {
    case editDraft = "edit_draft"
    case submit
    case take
    case assign
    case editDetails = "edit_details"
    case assignWorksArea = "assign_works_area"
    case convertType = "convert_type"
    case postUpdate = "post_update"
    case addNote = "add_note"
    case awaitWorks = "await_works"
    case resumeWork = "resume_work"
    case complete
    case close
    case reopen
    case askCoordinator = "ask_coordinator"
    case requestUpdate = "request_update"
    case replyToMember = "reply_to_member"
    case askResponder = "ask_responder"
    case answerQuestion = "answer_question"
    case withdrawQuestion = "withdraw_question"
    /// The portal closing a completed enquiry whose Member did not confirm it within the
    /// follow-up window; offered to nobody on a page.
    case closeAfterFollowUp = "close_after_follow_up"
    /// The handover after an election: a departing Member's enquiry passed to the officers of its
    /// service area, or closed (its resident's data then erased); applied from the handover page.
    case handOver = "hand_over"
    case closeAtHandover = "close_at_handover"

    /// Done by the portal itself (a job, the handover), never offered on an enquiry's page nor
    /// taken through its action form.
    public var isPortalOnly: Bool {
        switch self {
        case .closeAfterFollowUp, .handOver, .closeAtHandover: true
        default: false
        }
    }

    public var label: String {
        switch self {
        case .editDraft: "Edit the draft"
        case .submit: "Submit"
        case .take: "Take the enquiry"
        case .assign: "Assign to a co-ordinator"
        case .editDetails: "Edit details"
        case .assignWorksArea: "Assign a works area"
        case .convertType: "Convert the type"
        case .postUpdate: "Send a progress update"
        case .addNote: "Add an internal note"
        case .awaitWorks: "Move to awaiting works"
        case .resumeWork: "Resume work"
        case .complete: "Complete with a final response"
        case .close: "Close"
        case .reopen: "Reopen"
        case .askCoordinator: "Ask a question"
        case .requestUpdate: "Request an update"
        case .replyToMember: "Reply to the Member"
        case .askResponder: "Ask an officer"
        case .answerQuestion: "Answer the question"
        case .withdrawQuestion: "Withdraw the question"
        case .closeAfterFollowUp: "Close after the follow-up window"
        case .handOver: "Hand over to officers after an election"
        case .closeAtHandover: "Close at the handover after an election"
        }
    }
}

/// How a person stands towards one enquiry. Roles say what someone is in the council; standing
/// says what they are to this enquiry, and it is standing that the lifecycle checks.
public enum Standing: String, CaseIterable, Sendable, Hashable {
    /// The Member the enquiry belongs to.
    case owner
    /// The officer who raised it on the Member's behalf.
    case raiser
    /// A co-ordinator of the enquiry's service area.
    case coordinator
    /// An officer asked a question about the enquiry.
    case responder
    case administrator
    /// A Member of the same division or party its Member shared it with: sees it as its Member
    /// does, and may do nothing to it.
    case sharedWith = "shared_with"
}

/// The enquiry lifecycle in one table: for each action, the states it may start from, the state it
/// leads to, and who may take it. Nothing else in the portal decides whether an action is allowed.
public enum EnquiryLifecycle {
    public struct Rule: Sendable {
        public let from: Set<EnquiryStatus>
        /// Where each starting state leads; a state not listed stays as it is.
        public let moves: [EnquiryStatus: EnquiryStatus]
        public let by: Set<Standing>

        init(from: Set<EnquiryStatus>, to: EnquiryStatus? = nil, moves: [EnquiryStatus: EnquiryStatus] = [:], by: Set<Standing>) {
            self.from = from
            self.moves = to.map { target in Dictionary(uniqueKeysWithValues: from.map { ($0, target) }) } ?? moves
            self.by = by
        }
    }

    /// Acting on a new enquiry (assigning it, updating the Member, asking an officer) takes it in hand.
    static let takesInHand: [EnquiryStatus: EnquiryStatus] = [.submitted: .inProgress]

    static let open: Set<EnquiryStatus> = [.submitted, .inProgress, .awaitingWorks]
    static let lodged: Set<EnquiryStatus> = [.submitted, .inProgress, .awaitingWorks, .completed, .closed]
    static let officers: Set<Standing> = [.coordinator, .administrator]
    static let memberSide: Set<Standing> = [.owner, .raiser]

    public static let rules: [EnquiryAction: Rule] = [
        .editDraft: Rule(from: [.draft], by: memberSide),
        .submit: Rule(from: [.draft], to: .submitted, by: memberSide),
        .take: Rule(from: [.submitted], to: .inProgress, by: officers),
        .assign: Rule(from: open, moves: takesInHand, by: officers),
        .editDetails: Rule(from: open.union([.completed]), by: officers),
        .assignWorksArea: Rule(from: open, by: officers),
        .convertType: Rule(from: open, by: officers),
        .postUpdate: Rule(from: open, moves: takesInHand, by: officers),
        .addNote: Rule(from: lodged, by: officers),
        .awaitWorks: Rule(from: [.submitted, .inProgress], to: .awaitingWorks, by: officers),
        .resumeWork: Rule(from: [.awaitingWorks], to: .inProgress, by: officers),
        .complete: Rule(from: open, to: .completed, by: officers),
        .close: Rule(from: open.union([.completed]), to: .closed, by: memberSide),
        .reopen: Rule(from: [.completed, .closed], to: .inProgress, by: memberSide.union(officers)),
        .askCoordinator: Rule(from: open.union([.completed]), by: memberSide),
        .requestUpdate: Rule(from: open, by: memberSide),
        .replyToMember: Rule(from: lodged, by: officers),
        .askResponder: Rule(from: open, moves: takesInHand, by: officers),
        .answerQuestion: Rule(from: lodged, by: [.responder]),
        .withdrawQuestion: Rule(from: lodged, by: officers),
        .closeAfterFollowUp: Rule(from: [.completed], to: .closed, by: [.administrator]),
        .handOver: Rule(from: open.union([.completed]), by: [.administrator]),
        .closeAtHandover: Rule(from: open.union([.completed]), to: .closed, by: [.administrator]),
    ]

    public enum Refusal: Error, Equatable, Sendable {
        /// Not allowed to this person: shown as "not found" for reads, "not allowed" for actions.
        case notPermitted
        /// Allowed to this person, but not in this state (e.g. reopening an open enquiry).
        case wrongState(EnquiryStatus)

        public var message: String {
            switch self {
            case .notPermitted: "You cannot do that to this enquiry."
            case .wrongState(let status): "That cannot be done while the enquiry is \(status.officerLabel.lowercased())."
            }
        }
    }

    /// The status after the action, or why it is refused.
    public static func apply(_ action: EnquiryAction, to status: EnquiryStatus, by standing: Set<Standing>) -> Result<EnquiryStatus, Refusal> {
        guard let rule = rules[action] else { return .failure(.notPermitted) }
        guard !rule.by.isDisjoint(with: standing) else { return .failure(.notPermitted) }
        guard rule.from.contains(status) else { return .failure(.wrongState(status)) }
        return .success(rule.moves[status] ?? status)
    }

    public static func permits(_ action: EnquiryAction, from status: EnquiryStatus, by standing: Set<Standing>) -> Bool {
        if case .success = apply(action, to: status, by: standing) { return true }
        return false
    }

    /// The actions open to this person now, in the table's order, for drawing buttons and forms.
    public static func available(from status: EnquiryStatus, by standing: Set<Standing>) -> [EnquiryAction] {
        EnquiryAction.allCases.filter { permits($0, from: status, by: standing) }
    }
}
