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
    case outsideWord = "outside_word"
    case closedAfterFollowUp = "closed_after_follow_up"
    case handedOver = "handed_over"

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
        case .outsideWord: "Word from outside"
        case .closedAfterFollowUp: "Closed without your confirmation"
        case .handedOver: "Handed to officers"
        }
    }

    /// What the person is told about, for the settings page.
    public var explanation: String {
        switch self {
        case .newEnquiry: "A Member raises an enquiry in one of your service areas."
        case .update: "An officer sends an update on an enquiry of yours."
        case .finalResponse: "An officer sends the final response on an enquiry of yours."
        case .memberQuestion: "A Member asks a question or asks for an update on an enquiry you handle."
        case .questionAsked: "A co-ordinator asks you a question about an enquiry."
        case .questionAnswered: "An officer answers a question you asked."
        case .questionWithdrawn: "A question you were asked is withdrawn, or one you asked is closed."
        case .reopened: "A Member reopens an enquiry you handle."
        case .deadlineAtRisk: "An enquiry in your service areas is close to its deadline."
        case .deadlineBreached: "An enquiry in your service areas has passed its deadline."
        case .outsideWord: "A partner organisation records its outcome, or the highways system finishes with an enquiry you handle (in your service areas, before anyone takes it)."
        case .closedAfterFollowUp: "A completed enquiry of yours closes itself because it was not confirmed or reopened within the follow-up window."
        case .handedOver: "An enquiry in your service areas passes to officers because its Member has left office."
        }
    }

    /// The events a person with these roles can hear about: Members hear of the answers to
    /// their enquiries; officers who raise enquiries for Members may ask to hear of them too.
    public static func heard(by roles: RoleSet) -> [NotificationEvent] {
        var events: Set<NotificationEvent> = []
        if roles.contains(.member) || roles.contains(.coordinator) || roles.contains(.administrator) {
            events.formUnion([.update, .finalResponse])
        }
        if roles.contains(.member) {
            events.insert(.closedAfterFollowUp)
        }
        if roles.contains(.coordinator) {
            events.formUnion([.newEnquiry, .memberQuestion, .questionAnswered, .questionWithdrawn, .reopened, .deadlineAtRisk, .deadlineBreached, .outsideWord, .handedOver])
        }
        if roles.contains(.responder) { events.formUnion([.questionAsked, .questionWithdrawn]) }
        return allCases.filter(events.contains)
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
        case .closeAfterFollowUp: .closedAfterFollowUp
        case .handOver: .handedOver
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
    /// The officer who raised it on the Member's behalf, when they asked to hear of its updates.
    public var followerIDs: Set<UUID> = []

    public init(memberID: UUID, handlerID: UUID?, areaCoordinatorIDs: Set<UUID>, responderIDs: Set<UUID> = [], askerIDs: Set<UUID> = [],
                followerIDs: Set<UUID> = []) {
        self.memberID = memberID
        self.followerIDs = followerIDs
        self.handlerID = handlerID
        self.areaCoordinatorIDs = areaCoordinatorIDs
        self.responderIDs = responderIDs
        self.askerIDs = askerIDs
    }

    /// The co-ordinator handling it, or, before anyone takes it, every co-ordinator of its area.
    var coordinators: Set<UUID> { handlerID.map { [$0] } ?? areaCoordinatorIDs }
}

/// Who hears of what: new enquiries go to the area's co-ordinators; updates and final responses
/// to the Member (and the officer who raised it for them, if they asked to); a Member's question or request for an update, and a reopening, to the
/// co-ordinator handling it (every co-ordinator of the area before anyone takes it), and so does
/// word from an outside system; a question
/// to the officers asked; its answer or withdrawal to whoever asked it; deadlines, and an
/// enquiry handed to officers after its Member left office, to the area's co-ordinators and
/// whoever handles it. Nobody is told of what they did themselves.
public enum NotificationRules {
    public static func recipients(of event: NotificationEvent, parties: NotificationParties, actorID: UUID?) -> Set<UUID> {
        var people: Set<UUID>
        switch event {
        case .newEnquiry: people = parties.areaCoordinatorIDs
        case .update, .finalResponse, .closedAfterFollowUp: people = parties.followerIDs.union([parties.memberID])
        case .memberQuestion, .reopened, .outsideWord: people = parties.coordinators
        case .questionAsked: people = parties.responderIDs
        case .questionAnswered, .questionWithdrawn: people = parties.askerIDs.isEmpty ? parties.coordinators : parties.askerIDs
        case .deadlineAtRisk, .deadlineBreached, .handedOver: people = parties.areaCoordinatorIDs.union(parties.handlerID.map { [$0] } ?? [])
        }
        if let actorID { people.remove(actorID) }
        return people
    }
}

/// How a person hears of one kind of event. Everything is always in the portal's notification
/// list; this decides the email.
public enum NotificationDelivery: String, CaseIterable, Sendable {
    case immediate
    case digest
    case inApp = "in_app"

    public static let standard = NotificationDelivery.immediate

    public var label: String {
        switch self {
        case .immediate: "Email me straight away"
        case .digest: "Put it in one email a day"
        case .inApp: "Only show it in the portal"
        }
    }
}
