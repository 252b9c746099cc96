import Foundation
import PortalCore
import Testing

@Suite struct EnquiryAccessTests {
    let member = UUID(), otherMember = UUID(), officer = UUID(), coordinator = UUID(), responder = UUID(), admin = UUID()
    let highways = UUID(), socialCare = UUID()

    func facts(_ status: EnquiryStatus = .inProgress, raisedBy: UUID? = nil, asked: Set<UUID> = [], shared: Set<UUID> = []) -> EnquiryAccess.Facts {
        .init(status: status, memberID: member, raisedByID: raisedBy ?? member, serviceAreaID: highways, askedResponderIDs: asked,
              sharedWithIDs: shared)
    }

    func view(_ id: UUID, _ roles: [Role], areas: Set<UUID> = [], _ facts: EnquiryAccess.Facts) -> EnquiryAccess.View? {
        let viewer = EnquiryAccess.Viewer(id: id, roles: RoleSet(roles), coordinatedAreas: areas)
        return EnquiryAccess.view(for: EnquiryAccess.standing(of: viewer, towards: facts))
    }

    @Test(arguments: EnquiryStatus.allCases)
    func whoSeesWhatInEveryState(_ status: EnquiryStatus) {
        let f = facts(status, raisedBy: officer, asked: [responder])
        let lodged = status != .draft
        #expect(view(member, [.member], f) == (lodged ? .member : nil), "an officer's draft is the officer's until submitted")
        #expect(view(member, [.member], facts(status)) == .member, "the Member's own enquiry, draft or not")
        #expect(view(member, [.responder], facts(status)) == nil, "no longer a Member: no longer theirs")
        #expect(view(otherMember, [.member], f) == nil)
        #expect(view(officer, [.responder], f) == .member, "the officer who raised it follows it as the Member does")
        #expect(view(coordinator, [.coordinator], areas: [highways], f) == (lodged ? .officer : nil))
        #expect(view(coordinator, [.coordinator], areas: [socialCare], f) == nil, "another area's co-ordinator")
        #expect(view(responder, [.responder], f) == (lodged ? .responder : nil))
        #expect(view(UUID(), [.responder], f) == nil, "a responder who was not asked")
        #expect(view(admin, [.administrator], f) == (lodged ? .officer : nil))

        // Shared with another Member: read as the Member reads it, once lodged, while in office.
        let shared = facts(status, shared: [otherMember, responder])
        #expect(view(otherMember, [.member], shared) == (lodged ? .member : nil))
        #expect(view(otherMember, [], shared) == nil, "out of office, or never a Member: the share gives nothing")
        #expect(view(responder, [.responder], shared) == nil, "a share names Members only")
        #expect(view(UUID(), [.member], shared) == nil, "a Member it was not shared with")

        // An API client acting for a Member holds the Member's enquiries as they do, while they
        // hold office; its own drafts, not the Member's; nothing of another Member's.
        func client(for memberID: UUID, inOffice: Bool = true, _ facts: EnquiryAccess.Facts) -> EnquiryAccess.View? {
            let viewer = EnquiryAccess.Viewer(id: UUID(), roles: RoleSet(inOffice ? [.member] : []), actsForMember: memberID)
            return EnquiryAccess.view(for: EnquiryAccess.standing(of: viewer, towards: facts))
        }
        #expect(client(for: member, f) == (lodged ? .member : nil), "an officer's draft stays the officer's")
        #expect(client(for: member, facts(status)) == (lodged ? .member : nil), "the Member's own draft stays the Member's")
        #expect(client(for: member, inOffice: false, facts(status)) == nil, "the Member out of office: nothing")
        #expect(client(for: otherMember, facts(status)) == nil)
        #expect(client(for: otherMember, shared) == (lodged ? .member : nil), "what was shared with its Member")
    }

    @Test func sharingIsReadOnly() {
        let viewer = EnquiryAccess.Viewer(id: otherMember, roles: RoleSet([.member]))
        for status in EnquiryStatus.allCases {
            let standing = EnquiryAccess.standing(of: viewer, towards: facts(status, shared: [otherMember]))
            #expect(EnquiryLifecycle.available(from: status, by: standing).isEmpty, "\(status): \(standing)")
        }
        #expect(EnquiryLifecycle.rules.values.allSatisfy { !$0.by.contains(.sharedWith) })
    }

    @Test func theMemberRoleLastsAsLongAsTheTerm() {
        let term = TermOfOffice(starts: CivilDate(iso: "2025-05-05"), ends: CivilDate(iso: "2029-05-06"))
        let roles = RoleSet([.member, .responder])
        #expect(roles.inOffice(term, on: CivilDate(iso: "2025-05-04")!) == RoleSet([.responder]), "before the term")
        #expect(roles.inOffice(term, on: CivilDate(iso: "2025-05-05")!) == roles, "its first day")
        #expect(roles.inOffice(term, on: CivilDate(iso: "2029-05-06")!) == roles, "its last day")
        #expect(roles.inOffice(term, on: CivilDate(iso: "2029-05-07")!) == RoleSet([.responder]), "after it")
        #expect(roles.inOffice(TermOfOffice(), on: CivilDate(iso: "2040-01-01")!) == roles, "no bounds recorded")
        #expect(TermOfOffice(starts: "not a date", ends: nil) == TermOfOffice(), "an unreadable bound is no bound")
    }

    @Test func aMemberRoleIsNeededToOwn() {
        // An officer whose id happens to be stored as the member (bad data) gains nothing by it.
        #expect(view(member, [.responder], facts()) == nil)
    }

    @Test func theHighestStandingDecidesTheView() {
        let f = facts(asked: [coordinator])
        #expect(view(coordinator, [.coordinator, .responder], areas: [highways], f) == .officer)
        #expect(view(coordinator, [.coordinator, .responder], areas: [socialCare], f) == .responder)
    }
}
