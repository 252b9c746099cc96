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
