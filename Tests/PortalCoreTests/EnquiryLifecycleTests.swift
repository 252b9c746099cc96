import Foundation
import PortalCore
import Testing

/// The lifecycle as the council describes it, written out line by line independently of
/// `EnquiryLifecycle.rules`: "action: from-states -> outcome by standings". `=` keeps the status,
/// `submitted>in_progress` moves only that state. Every (state, action, standing) is checked against it.
private let specification = """
edit_draft: draft -> = by owner raiser
submit: draft -> submitted by owner raiser
take: submitted -> in_progress by coordinator administrator
assign: submitted in_progress awaiting_works -> submitted>in_progress by coordinator administrator
edit_details: submitted in_progress awaiting_works completed -> = by coordinator administrator
assign_works_area: submitted in_progress awaiting_works -> = by coordinator administrator
convert_type: submitted in_progress awaiting_works -> = by coordinator administrator
post_update: submitted in_progress awaiting_works -> submitted>in_progress by coordinator administrator
add_note: submitted in_progress awaiting_works completed closed -> = by coordinator administrator
await_works: submitted in_progress -> awaiting_works by coordinator administrator
resume_work: awaiting_works -> in_progress by coordinator administrator
complete: submitted in_progress awaiting_works -> completed by coordinator administrator
close: submitted in_progress awaiting_works completed -> closed by owner raiser
reopen: completed closed -> in_progress by owner raiser coordinator administrator
ask_coordinator: submitted in_progress awaiting_works completed -> = by owner raiser
request_update: submitted in_progress awaiting_works -> = by owner raiser
reply_to_member: submitted in_progress awaiting_works completed closed -> = by coordinator administrator
ask_responder: submitted in_progress awaiting_works -> submitted>in_progress by coordinator administrator
answer_question: submitted in_progress awaiting_works completed closed -> = by responder
withdraw_question: submitted in_progress awaiting_works completed closed -> = by coordinator administrator
"""

private struct Expected: Sendable {
    let from: Set<EnquiryStatus>
    let by: Set<Standing>
    let outcome: @Sendable (EnquiryStatus) -> EnquiryStatus
}

private let expected: [EnquiryAction: Expected] = {
    var table: [EnquiryAction: Expected] = [:]
    for line in specification.split(separator: "\n") {
        let head = line.split(separator: ":", maxSplits: 1)
        let action = EnquiryAction(rawValue: String(head[0]))!
        let rest = head[1].components(separatedBy: " by ")
        let arrow = rest[0].components(separatedBy: "->")
        let from = Set(arrow[0].split(separator: " ").map { EnquiryStatus(rawValue: String($0))! })
        let outcomeText = arrow[1].trimmingCharacters(in: .whitespaces)
        let by = Set(rest[1].split(separator: " ").map { Standing(rawValue: String($0))! })
        let outcome: @Sendable (EnquiryStatus) -> EnquiryStatus
        if outcomeText == "=" {
            outcome = { $0 }
        } else if outcomeText.contains(">") {
            let parts = outcomeText.split(separator: ">").map { EnquiryStatus(rawValue: String($0))! }
            outcome = { $0 == parts[0] ? parts[1] : $0 }
        } else {
            let target = EnquiryStatus(rawValue: outcomeText)!
            outcome = { _ in target }
        }
        table[action] = Expected(from: from, by: by, outcome: outcome)
    }
    return table
}()

@Suite struct EnquiryLifecycleTests {
    @Test func theSpecificationCoversEveryAction() {
        #expect(Set(expected.keys) == Set(EnquiryAction.allCases))
        #expect(Set(EnquiryLifecycle.rules.keys) == Set(EnquiryAction.allCases))
    }

    @Test(arguments: EnquiryAction.allCases)
    func everyStateAndStandingIsAllowedOrRefusedAsSpecified(_ action: EnquiryAction) {
        let spec = expected[action]!
        for status in EnquiryStatus.allCases {
            for standing in Standing.allCases {
                let result = EnquiryLifecycle.apply(action, to: status, by: [standing])
                switch (spec.by.contains(standing), spec.from.contains(status)) {
                case (false, _):
                    #expect(result == .failure(.notPermitted), "\(action) \(status) \(standing)")
                case (true, false):
                    #expect(result == .failure(.wrongState(status)), "\(action) \(status) \(standing)")
                case (true, true):
                    #expect(result == .success(spec.outcome(status)), "\(action) \(status) \(standing)")
                }
            }
            #expect(EnquiryLifecycle.apply(action, to: status, by: []) == .failure(.notPermitted), "nobody may \(action)")
        }
    }

    @Test func severalStandingsCombine() {
        // A co-ordinator who was also asked a question can both answer it and complete the enquiry.
        let both: Set<Standing> = [.coordinator, .responder]
        #expect(EnquiryLifecycle.permits(.answerQuestion, from: .inProgress, by: both))
        #expect(EnquiryLifecycle.permits(.complete, from: .inProgress, by: both))
        #expect(EnquiryLifecycle.available(from: .completed, by: [.owner]) == [.close, .reopen, .askCoordinator])
    }

    @Test func theMembersJourney() {
        var status = EnquiryStatus.draft
        for (action, standing) in [(EnquiryAction.submit, Standing.owner), (.take, .coordinator), (.awaitWorks, .coordinator),
                                   (.complete, .coordinator), (.reopen, .owner), (.complete, .coordinator), (.close, .owner)] {
            status = try! EnquiryLifecycle.apply(action, to: status, by: [standing]).get()
        }
        #expect(status == .closed)
    }
}

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
