import Foundation
import PortalCore
import Testing

@Suite struct NotificationRulesTests {
    let member = UUID(), handler = UUID(), other = UUID(), responder = UUID(), asker = UUID()

    var untaken: NotificationParties { NotificationParties(memberID: member, handlerID: nil, areaCoordinatorIDs: [handler, other]) }
    var taken: NotificationParties {
        NotificationParties(memberID: member, handlerID: handler, areaCoordinatorIDs: [handler, other], responderIDs: [responder], askerIDs: [asker])
    }

    @Test func whoHearsOfWhat() {
        #expect(NotificationRules.recipients(of: .newEnquiry, parties: untaken, actorID: member) == [handler, other])
        #expect(NotificationRules.recipients(of: .update, parties: taken, actorID: handler) == [member])
        #expect(NotificationRules.recipients(of: .finalResponse, parties: taken, actorID: handler) == [member])
        #expect(NotificationRules.recipients(of: .memberQuestion, parties: taken, actorID: member) == [handler])
        #expect(NotificationRules.recipients(of: .memberQuestion, parties: untaken, actorID: member) == [handler, other])
        #expect(NotificationRules.recipients(of: .reopened, parties: taken, actorID: member) == [handler])
        #expect(NotificationRules.recipients(of: .questionAsked, parties: taken, actorID: handler) == [responder])
        #expect(NotificationRules.recipients(of: .questionAnswered, parties: taken, actorID: responder) == [asker])
        #expect(NotificationRules.recipients(of: .deadlineBreached, parties: taken, actorID: nil) == [handler, other])
        let system = UUID()
        #expect(NotificationRules.recipients(of: .outsideWord, parties: taken, actorID: system) == [handler], "word from outside reaches whoever handles it")
        #expect(NotificationRules.recipients(of: .outsideWord, parties: untaken, actorID: system) == [handler, other], "or the area's co-ordinators")
        #expect(NotificationRules.recipients(of: .handedOver, parties: taken, actorID: system) == [handler, other], "handed over: every co-ordinator of the area owns it")
    }

    @Test func theOfficerWhoRaisedItHearsOfUpdatesOnlyIfTheyAskedTo() {
        var parties = taken
        #expect(NotificationRules.recipients(of: .update, parties: parties, actorID: handler) == [member])
        parties.followerIDs = [asker]
        #expect(NotificationRules.recipients(of: .update, parties: parties, actorID: handler) == [member, asker])
        #expect(NotificationRules.recipients(of: .finalResponse, parties: parties, actorID: handler) == [member, asker])
        #expect(NotificationRules.recipients(of: .closedAfterFollowUp, parties: parties, actorID: UUID()) == [member, asker])
        #expect(NotificationRules.recipients(of: .memberQuestion, parties: parties, actorID: member) == [handler])
    }

    @Test func eachRoleChoosesHowItHearsOfItsOwnEvents() {
        #expect(NotificationEvent.heard(by: RoleSet([.member])) == [.update, .finalResponse, .closedAfterFollowUp])
        #expect(NotificationEvent.heard(by: RoleSet([.responder])) == [.questionAsked, .questionWithdrawn])
        let coordinator = NotificationEvent.heard(by: RoleSet([.coordinator]))
        #expect(coordinator.contains(.newEnquiry) && coordinator.contains(.deadlineBreached) && coordinator.contains(.outsideWord) && coordinator.contains(.handedOver) && !coordinator.contains(.questionAsked))
        #expect(Set(NotificationEvent.heard(by: RoleSet(Role.allCases))) == Set(NotificationEvent.allCases))
    }

    @Test func nobodyHearsOfTheirOwnAction() {
        // A co-ordinator raising an enquiry in their own area.
        #expect(NotificationRules.recipients(of: .newEnquiry, parties: untaken, actorID: handler) == [other])
        #expect(NotificationRules.recipients(of: .update, parties: taken, actorID: member).isEmpty)
    }

    @Test func actionsCauseTheirEvents() {
        #expect(NotificationEvent.caused(by: .submit) == .newEnquiry)
        #expect(NotificationEvent.caused(by: .replyToMember) == .update)
        #expect(NotificationEvent.caused(by: .requestUpdate) == .memberQuestion)
        #expect(NotificationEvent.caused(by: .addNote) == nil, "notes tell nobody")
        #expect(NotificationEvent.caused(by: .take) == nil)
    }
}
