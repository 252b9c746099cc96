import Foundation
import PortalCore

/// A change to an enquiry, checked and ready: what a route makes of a posted form once every
/// field is valid, and hands to `EnquiryWorkflow.perform`, the one place a change is applied.
/// Adding an action means a case here, its line in `action`, and its lines in
/// `EnquiryWorkflow.apply`; the route only turns a form into the value.
enum EnquiryChange: Sendable, Equatable {
    case take
    case assign(coordinator: UUID)
    case postUpdate(String)
    case complete(finalResponse: String)
    case addNote(String)
    /// With an optional note to the Member ("" for none).
    case awaitWorks(note: String)
    case resumeWork
    /// With an optional note ("" for none).
    case close(note: String)
    case reopen(reason: String)
    case askCoordinator(String)
    /// "" asks in the standard words.
    case requestUpdate(String)
    case replyToMember(String)
    case askResponders([UUID], question: String)
    case answerQuestion(UUID, answer: String)
    case withdrawQuestion(UUID, reason: String)
    /// nil clears it.
    case assignWorksArea(UUID?)
    case convertType(UUID, subtype: UUID?)
    /// The Member's own draft, saved as it stands.
    case editDraft(EnquiryForm.Valid)
    /// A co-ordinator's correction of the details.
    case editDetails(EnquiryForm.Valid)
    case submit
    /// The portal's own close once the follow-up window, whose last day is given, has ended.
    case closeAfterFollowUp(windowEnded: CivilDate)
    /// The handover after an election, with the words saying why (`Handover`): passed to the
    /// officers of its service area, or closed.
    case handOver(reason: String)
    case closeAtHandover(reason: String)

    var action: EnquiryAction {
        switch self {
        case .take: .take
        case .assign: .assign
        case .postUpdate: .postUpdate
        case .complete: .complete
        case .addNote: .addNote
        case .awaitWorks: .awaitWorks
        case .resumeWork: .resumeWork
        case .close: .close
        case .reopen: .reopen
        case .askCoordinator: .askCoordinator
        case .requestUpdate: .requestUpdate
        case .replyToMember: .replyToMember
        case .askResponders: .askResponder
        case .answerQuestion: .answerQuestion
        case .withdrawQuestion: .withdrawQuestion
        case .assignWorksArea: .assignWorksArea
        case .convertType: .convertType
        case .editDraft: .editDraft
        case .editDetails: .editDetails
        case .submit: .submit
        case .closeAfterFollowUp: .closeAfterFollowUp
        case .handOver: .handOver
        case .closeAtHandover: .closeAtHandover
        }
    }

    /// What a change wrote that documents sent with it can hang on.
    /// The notice the change sends, if any: a note to the Member with awaiting works is an update
    /// like any other.
    var notificationEvent: NotificationEvent? {
        if case .awaitWorks(let note) = self, !note.isEmpty { return .update }
        return NotificationEvent.caused(by: action)
    }

    enum Written: Sendable, Equatable {
        case nothing
        case entry(UUID, EnquiryEntry.Kind)
        case questions([UUID])
    }
}
