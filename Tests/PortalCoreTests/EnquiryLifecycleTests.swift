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
close_after_follow_up: completed -> closed by administrator
hand_over: submitted in_progress awaiting_works completed -> = by administrator
close_at_handover: submitted in_progress awaiting_works completed -> closed by administrator
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
