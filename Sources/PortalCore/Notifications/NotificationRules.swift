import Foundation

/// Something that happened to an enquiry that somebody should hear about.
public enum NotificationEvent: String, CaseIterable, Sendable {
    case newEnquiry = "new_enquiry"
    case update
    case finalResponse = "final_response"
    case memberQuestion = "member_question"
    case questionAsked = "question_asked"
    case questionAnswered = "question_answered"
    case questionWithdrawn = "question_withdrawn"
    case reopened
    case deadlineAtRisk = "deadline_at_risk"
    case deadlineBreached = "deadline_breached"

    public var label: String {
        switch self {
        case .newEnquiry: "New enquiry"
        case .update: "Update"
        case .finalResponse: "Final response"
        case .memberQuestion: "Member waiting for a reply"
        case .questionAsked: "Question for you"
        case .questionAnswered: "Question answered"
        case .questionWithdrawn: "Question withdrawn"
        case .reopened: "Reopened"
        case .deadlineAtRisk: "Deadline at risk"
        case .deadlineBreached: "Deadline passed"
        }
    }

    /// The event an action on an enquiry causes, if any.
    public static func caused(by action: EnquiryAction) -> NotificationEvent? {
        switch action {
        case .submit: .newEnquiry
        case .postUpdate, .replyToMember: .update
        case .complete: .finalResponse
        case .askCoordinator, .requestUpdate: .memberQuestion
        case .askResponder: .questionAsked
        case .answerQuestion: .questionAnswered
        case .withdrawQuestion: .questionWithdrawn
        case .reopen: .reopened
        default: nil
        }
    }
}

/// Who is involved in an enquiry, for deciding who hears of an event.
public struct NotificationParties: Sendable {
    public var memberID: UUID
    public var handlerID: UUID?
    /// The active co-ordinators of the enquiry's service area.
    public var areaCoordinatorIDs: Set<UUID>
    /// For questions to officers: the officers asked, and who asked.
    public var responderIDs: Set<UUID> = []
    public var askerIDs: Set<UUID> = []

    public init(memberID: UUID, handlerID: UUID?, areaCoordinatorIDs: Set<UUID>, responderIDs: Set<UUID> = [], askerIDs: Set<UUID> = []) {
        self.memberID = memberID
        self.handlerID = handlerID
        self.areaCoordinatorIDs = areaCoordinatorIDs
        self.responderIDs = responderIDs
        self.askerIDs = askerIDs
    }

    /// The co-ordinator handling it, or, before anyone takes it, every co-ordinator of its area.
    var coordinators: Set<UUID> { handlerID.map { [$0] } ?? areaCoordinatorIDs }
}

/// Who hears of what: new enquiries go to the area's co-ordinators; updates and final responses
/// to the Member; a Member's question or request for an update, and a reopening, to the
/// co-ordinator handling it (every co-ordinator of the area before anyone takes it); a question
/// to the officers asked; its answer or withdrawal to whoever asked it; deadlines to the
/// co-ordinators. Nobody is told of what they did themselves.
public enum NotificationRules {
    public static func recipients(of event: NotificationEvent, parties: NotificationParties, actorID: UUID?) -> Set<UUID> {
        var people: Set<UUID>
        switch event {
        case .newEnquiry: people = parties.areaCoordinatorIDs
        case .update, .finalResponse: people = [parties.memberID]
        case .memberQuestion, .reopened: people = parties.coordinators
        case .questionAsked: people = parties.responderIDs
        case .questionAnswered, .questionWithdrawn: people = parties.askerIDs.isEmpty ? parties.coordinators : parties.askerIDs
        case .deadlineAtRisk, .deadlineBreached: people = parties.areaCoordinatorIDs.union(parties.handlerID.map { [$0] } ?? [])
        }
        if let actorID { people.remove(actorID) }
        return people
    }
}
