import Foundation
import PortalCore
import Testing

@Suite struct EnquiryAccessTests {
    let member = UUID(), otherMember = UUID(), officer = UUID(), coordinator = UUID(), responder = UUID(), admin = UUID()
    let highways = UUID(), socialCare = UUID()

    func facts(_ status: EnquiryStatus = .inProgress, raisedBy: UUID? = nil, asked: Set<UUID> = []) -> EnquiryAccess.Facts {
        .init(status: status, memberID: member, raisedByID: raisedBy ?? member, serviceAreaID: highways, askedResponderIDs: asked)
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
