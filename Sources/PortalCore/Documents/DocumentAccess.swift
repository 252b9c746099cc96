import Foundation

/// What a document hangs on: the enquiry itself, one item of its conversation, or one question to
/// an officer (the question and its answer).
public enum DocumentAttachment: Hashable, Sendable {
    case enquiry
    case entry(UUID, isNote: Bool, authorID: UUID)
    case question(UUID, responderID: UUID)
}

/// Who may see, add, rename and remove documents: a document follows the rules of what it is
/// attached to, so a Member never sees a document on an internal note, and a responder sees only
/// the enquiry's own documents and those on their own question.
public enum DocumentAccess {
    public static func canSee(_ attachment: DocumentAttachment, view: EnquiryAccess.View, viewerID: UUID) -> Bool {
        switch attachment {
        case .enquiry: true
        case .entry(_, let isNote, _): view == .officer || (view == .member && !isNote)
        case .question(_, let responderID): view == .officer || (view == .responder && responderID == viewerID)
        }
    }

    /// Adding: the Member's side to the enquiry or their own conversation items; co-ordinators and
    /// administrators anywhere; a responder to their own question. Nothing is added to a closed
    /// enquiry (reopen it first), nor by anyone but its author to a draft.
    public static func canAdd(to attachment: DocumentAttachment, standing: Set<Standing>, viewerID: UUID, status: EnquiryStatus) -> Bool {
        if status == .closed { return false }
        let officer = !standing.isDisjoint(with: [.coordinator, .administrator])
        let ownSide = !standing.isDisjoint(with: [.owner, .raiser])
        if status == .draft { return ownSide && attachment == .enquiry }
        switch attachment {
        case .enquiry: return officer || ownSide
        case .entry(_, let isNote, let authorID): return officer || (ownSide && !isNote && authorID == viewerID)
        case .question(_, let responderID): return officer || (standing.contains(.responder) && responderID == viewerID)
        }
    }

    /// Renaming and removing: whoever added it, or a co-ordinator or administrator.
    public static func canChange(addedBy: UUID, standing: Set<Standing>, viewerID: UUID) -> Bool {
        addedBy == viewerID || !standing.isDisjoint(with: [.coordinator, .administrator])
    }
}
