import Foundation

/// Who may see an enquiry, and how much of it.
///
/// A Member sees their own enquiries; the officer who raised one on a Member's behalf sees it as
/// the Member does; co-ordinators see the enquiries of their service areas; a responder sees only
/// what they need to answer a question they were asked; an administrator sees everything. Drafts
/// belong to their author alone. Anyone else is told the enquiry does not exist.
public enum EnquiryAccess {
    public enum View: Int, Comparable, Sendable {
        /// The question asked and the enquiry's subject, details and location; no resident contact
        /// details, no timeline beyond their own questions.
        case responder = 1
        /// Everything but internal notes.
        case member = 2
        /// Everything, internal notes included.
        case officer = 3

        public static func < (a: View, b: View) -> Bool { a.rawValue < b.rawValue }

        /// Whether this view shows the resident's name, address and contact details: on the page,
        /// and in email when the council allows them there at all.
        public var showsResidentDetails: Bool { self >= .member }
    }

    /// What the policy needs to know about an enquiry.
    public struct Facts: Sendable {
        public var status: EnquiryStatus
        public var memberID: UUID
        public var raisedByID: UUID
        public var serviceAreaID: UUID
        /// Officers with a question about it, answered, open or withdrawn.
        public var askedResponderIDs: Set<UUID>
        /// Members its Member shared it with.
        public var sharedWithIDs: Set<UUID>

        public init(status: EnquiryStatus, memberID: UUID, raisedByID: UUID, serviceAreaID: UUID, askedResponderIDs: Set<UUID> = [],
                    sharedWithIDs: Set<UUID> = []) {
            self.sharedWithIDs = sharedWithIDs
            self.status = status
            self.memberID = memberID
            self.raisedByID = raisedByID
            self.serviceAreaID = serviceAreaID
            self.askedResponderIDs = askedResponderIDs
        }
    }

    /// What the policy needs to know about a person.
    public struct Viewer: Sendable {
        public var id: UUID
        public var roles: RoleSet
        public var coordinatedAreas: Set<UUID>
        /// For an API client acting for one Member: that Member, whose enquiries it holds as
        /// they do (with the Member role while they hold office). What it writes is its own.
        public var actsForMember: UUID?

        public init(id: UUID, roles: RoleSet, coordinatedAreas: Set<UUID> = [], actsForMember: UUID? = nil) {
            self.id = id
            self.roles = roles
            self.coordinatedAreas = coordinatedAreas
            self.actsForMember = actsForMember
        }

        /// The Member whose enquiries are this viewer's own: themselves, or the one it acts for.
        public var memberID: UUID { actsForMember ?? id }
    }

    /// The rule, one condition per standing: the enquiries on which this person holds it.
    /// Everything else is derived from these five, in Swift (`standing`) and in SQL (lists,
    /// queues, search, exports, counts), so the two cannot drift apart.
    public static func condition(for standing: Standing, of viewer: Viewer) -> EnquiryCondition {
        switch standing {
        case .owner:
            // Theirs as a Member, while they hold the role; a draft only to its author.
            guard viewer.roles.contains(.member) else { return .never }
            return .memberIs(viewer.memberID) && (.notDraft || .raisedBy(viewer.id))
        case .raiser:
            // Raised by them on another Member's behalf.
            return .raisedBy(viewer.id) && .memberIsNot(viewer.memberID)
        case .coordinator:
            guard viewer.roles.contains(.coordinator) else { return .never }
            return .notDraft && .serviceAreaIn(viewer.coordinatedAreas)
        case .responder:
            return .notDraft && .askedResponder(viewer.id)
        case .administrator:
            return viewer.roles.contains(.administrator) ? .notDraft : .never
        case .sharedWith:
            // Shared by its Member, read only, while the viewer holds office as a Member.
            guard viewer.roles.contains(.member) else { return .never }
            return .notDraft && .sharedWith(viewer.memberID)
        }
    }

    public static func standing(of viewer: Viewer, towards facts: Facts) -> Set<Standing> {
        Set(Standing.allCases.filter { condition(for: $0, of: viewer).holds(for: facts) })
    }

    /// The enquiries in which a person holds any of these standings.
    public static func condition(for standings: [Standing], of viewer: Viewer) -> EnquiryCondition {
        EnquiryCondition.any(standings.map { condition(for: $0, of: viewer) }).simplified
    }

    /// Every enquiry this person may see at all (`view(for:)` is not nil).
    public static func visible(to viewer: Viewer) -> EnquiryCondition {
        condition(for: Standing.allCases, of: viewer)
    }

    /// A person's own enquiries, as "Your enquiries" and search's "mine" list them: theirs as a
    /// Member and those they raised for one.
    public static func own(of viewer: Viewer) -> EnquiryCondition {
        condition(for: [.owner, .raiser], of: viewer)
    }

    /// What a person sees as an officer: their service areas as a co-ordinator, everything but
    /// drafts as an administrator.
    public static func asOfficer(_ viewer: Viewer) -> EnquiryCondition {
        condition(for: [.coordinator, .administrator], of: viewer)
    }

    /// The most this person may see, or nil: then the enquiry is "not found" to them.
    public static func view(for standing: Set<Standing>) -> View? {
        if !standing.isDisjoint(with: [.coordinator, .administrator]) { return .officer }
        if !standing.isDisjoint(with: [.owner, .raiser, .sharedWith]) { return .member }
        if standing.contains(.responder) { return .responder }
        return nil
    }
}
