import Foundation
import PortalCore
import Testing

@Suite struct WebhookRulesTests {
    /// Every action is one event or none, and the lifecycle's terminal actions are the ones named.
    @Test func everyActionIsAtMostOneEvent() {
        let events = Dictionary(uniqueKeysWithValues: EnquiryAction.allCases.map { ($0, WebhookEvent($0)) })
        #expect(events[.editDraft]! == nil, "a draft is nobody else's business")
        #expect(events[.submit] == .enquiryCreated)
        #expect(events[.complete] == .enquiryCompleted)
        #expect(events[.reopen] == .enquiryReopened)
        for close in [EnquiryAction.close, .closeAfterFollowUp, .closeAtHandover] { #expect(events[close] == .enquiryClosed) }
        #expect(events[.answerQuestion] == .questionAnswered)
        let updates = EnquiryAction.allCases.filter { events[$0] == .enquiryUpdated }
        #expect(Set(updates) == [.take, .assign, .editDetails, .assignWorksArea, .convertType, .postUpdate, .addNote, .awaitWorks, .resumeWork,
                                 .askCoordinator, .requestUpdate, .replyToMember, .askResponder, .withdrawQuestion, .handOver])
        #expect(Set(events.values.compactMap { $0 }) == Set(WebhookEvent.allCases), "every event can happen")
    }

    @Test func onlyPublicAddressesPass() {
        let refused: [([UInt8], String)] = [
            ([127, 0, 0, 1], "loopback"), ([127, 255, 255, 254], "loopback"), ([10, 0, 0, 1], "private"), ([172, 16, 0, 1], "private"),
            ([172, 31, 255, 255], "private"), ([192, 168, 1, 1], "private"), ([169, 254, 169, 254], "link-local"), ([0, 0, 0, 0], "unspecified"),
            ([100, 64, 0, 1], "shared"), ([100, 127, 255, 255], "shared"), ([224, 0, 0, 1], "multicast"), ([255, 255, 255, 255], "reserved"),
            (Array(repeating: 0, count: 15) + [1], "loopback"), (Array(repeating: 0, count: 16), "reserved"),
            ([0xFE, 0x80] + Array(repeating: 0, count: 13) + [1], "link-local"), ([0xFD, 0x12] + Array(repeating: 0, count: 14), "unique local"),
            ([0xFF, 0x02] + Array(repeating: 0, count: 13) + [1], "multicast"),
            // IPv4 written as IPv6 is the IPv4 address.
            (Array(repeating: 0, count: 10) + [0xFF, 0xFF, 127, 0, 0, 1], "loopback"),
            (Array(repeating: 0, count: 10) + [0xFF, 0xFF, 169, 254, 169, 254], "link-local"),
            ([1, 2, 3], "not an internet address"),
        ]
        for (bytes, kind) in refused {
            #expect(NetworkAddress.refusal(bytes)?.contains(kind) == true, "\(bytes) is \(kind)")
        }
        let allowed: [[UInt8]] = [
            [8, 8, 8, 8], [172, 32, 0, 1], [172, 15, 255, 255], [100, 128, 0, 1], [169, 253, 0, 1], [192, 169, 0, 1], [81, 2, 69, 160],
            [0x2A, 0x00, 0x14, 0x50] + Array(repeating: 0, count: 11) + [1],
            Array(repeating: 0, count: 10) + [0xFF, 0xFF, 81, 2, 69, 160],
        ]
        for bytes in allowed { #expect(NetworkAddress.refusal(bytes) == nil, "\(bytes) is public") }
    }

    @Test func aSubscriptionNeedsAnAddressADescriptionAndKnownEvents() {
        func errors(_ url: String?, _ description: String? = "CRM", _ events: [String] = ["enquiry.created"]) -> FormErrors {
            guard case .failure(let errors) = WebhookSubscriptionDetails.validate(.init(url: url, description: description, events: events)) else { return FormErrors() }
            return errors
        }
        let valid = WebhookSubscriptionDetails.validate(.init(url: " https://crm.example.org/hook?x=1 ", description: " CRM ",
                                                              events: ["question.answered", "enquiry.created"]))
        #expect(valid == .success(.init(url: "https://crm.example.org/hook?x=1", description: "CRM", events: [.enquiryCreated, .questionAnswered])))
        #expect(errors(nil)["url"] == "Enter the address to post to")
        #expect(errors("ftp://crm.example.org/")["url"]?.contains("must start with https:// or http://") == true)
        #expect(errors("javascript:alert(1)")["url"]?.contains("must start with https:// or http://") == true)
        #expect(errors("https://a:b@crm.example.org/")["url"]?.contains("user name and password") == true)
        #expect(errors("https://crm.example.org@169.254.169.254/")["url"]?.contains("user name and password") == true)
        #expect(errors("https://crm.example.org/a@b")["url"] == nil, "an @ in the path names no user")
        #expect(errors("https://crm.example.org\\.evil.example/")["url"] != nil)
        #expect(errors("https://crm.example.org/#part")["url"] != nil)
        #expect(errors("https://crm.example.org/" + String(repeating: "x", count: 2_000))["url"]?.contains("2000 characters or fewer") == true)
        #expect(errors("https://crm.example.org/a\u{85}b")["url"]?.contains("one line") == true)
        #expect(errors("https://crm.example.org/", nil)["description"] == "Enter a description")
        #expect(errors("https://crm.example.org/", String(repeating: "d", count: 201))["description"] != nil)
        #expect(errors("https://crm.example.org/", "CRM", [])["events"] == "Choose at least one event to send")
        #expect(errors("https://crm.example.org/", "CRM", ["enquiry.created", "enquiry.created "])["events"] == "Choose events from the list")
    }
}
