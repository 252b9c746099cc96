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

        public init(status: EnquiryStatus, memberID: UUID, raisedByID: UUID, serviceAreaID: UUID, askedResponderIDs: Set<UUID> = []) {
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

        public init(id: UUID, roles: RoleSet, coordinatedAreas: Set<UUID> = []) {
            self.id = id
            self.roles = roles
            self.coordinatedAreas = coordinatedAreas
        }
    }

    /// A person's own enquiries, as pages, search, exports and dashboards all read them: those
    /// they raised for a Member (as the raiser), and, while they hold the Member role, those that
    /// belong to them as a Member; a draft only to its author. `standing` applies it to one
    /// enquiry; the search's SQL states the same three conditions.
    public struct Own: Sendable, Equatable {
        /// The person's enquiries as a Member count: they hold the Member role now.
        public let asMember: Bool

        public init(roles: RoleSet) { asMember = roles.contains(.member) }

        public func isOwner(_ viewer: UUID, of facts: Facts) -> Bool {
            asMember && facts.memberID == viewer && (facts.status != .draft || facts.raisedByID == viewer)
        }

        public func isRaiser(_ viewer: UUID, of facts: Facts) -> Bool {
            facts.raisedByID == viewer && facts.raisedByID != facts.memberID
        }
    }

    public static func standing(of viewer: Viewer, towards facts: Facts) -> Set<Standing> {
        var standing = Set<Standing>()
        let own = Own(roles: viewer.roles)
        if own.isOwner(viewer.id, of: facts) { standing.insert(.owner) }
        if own.isRaiser(viewer.id, of: facts) { standing.insert(.raiser) }
        if facts.status != .draft {
            if viewer.roles.contains(.coordinator), viewer.coordinatedAreas.contains(facts.serviceAreaID) { standing.insert(.coordinator) }
            if facts.askedResponderIDs.contains(viewer.id) { standing.insert(.responder) }
            if viewer.roles.contains(.administrator) { standing.insert(.administrator) }
        }
        return standing
    }

    /// The most this person may see, or nil: then the enquiry is "not found" to them.
    public static func view(for standing: Set<Standing>) -> View? {
        if !standing.isDisjoint(with: [.coordinator, .administrator]) { return .officer }
        if !standing.isDisjoint(with: [.owner, .raiser]) { return .member }
        if standing.contains(.responder) { return .responder }
        return nil
    }
}
