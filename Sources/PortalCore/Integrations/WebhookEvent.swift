/// What a council system can hear of by webhook. Each change to an enquiry is at most one event,
/// decided here from the action alone, so a new action cannot be added without saying which event
/// it is (the switch has no default).
public enum WebhookEvent: String, CaseIterable, Sendable, Codable, Hashable {
    case enquiryCreated = "enquiry.created"
    case enquiryUpdated = "enquiry.updated"
    case enquiryCompleted = "enquiry.completed"
    case enquiryReopened = "enquiry.reopened"
    case enquiryClosed = "enquiry.closed"
    case questionAnswered = "question.answered"

    /// When it is sent, in the administrator's words.
    public var label: String {
        switch self {
        case .enquiryCreated: "An enquiry is submitted (a draft is not sent until it is)"
        case .enquiryUpdated: "Any other change to an enquiry: taken, assigned, edited, converted, an update, reply, note or question"
        case .enquiryCompleted: "An enquiry is completed with its final response"
        case .enquiryReopened: "An enquiry is reopened"
        case .enquiryClosed: "An enquiry is closed, by its Member or by the portal"
        case .questionAnswered: "An officer answers a co-ordinator's question on an enquiry"
        }
    }

    /// The event an action on an existing enquiry is, or nil for a Member's own draft, which no
    /// other system knows of until it is submitted. Internal notes and questions between officers
    /// are updates too: subscribers are the council's own systems, and the event carries none of
    /// their words.
    public init?(_ action: EnquiryAction) {
        switch action {
        case .editDraft: return nil
        case .submit: self = .enquiryCreated
        case .complete: self = .enquiryCompleted
        case .reopen: self = .enquiryReopened
        case .close, .closeAfterFollowUp, .closeAtHandover: self = .enquiryClosed
        case .answerQuestion: self = .questionAnswered
        case .take, .assign, .editDetails, .assignWorksArea, .convertType, .postUpdate, .addNote, .awaitWorks, .resumeWork,
             .askCoordinator, .requestUpdate, .replyToMember, .askResponder, .withdrawQuestion, .handOver:
            self = .enquiryUpdated
        }
    }
}
