import Foundation
import PortalCore
import Testing

@Suite struct EmailAddressTests {
    @Test(arguments: ["Member@Demo.Test", "  a.b-c+d@council.gov.uk ", "x@y.co"])
    func acceptsAndNormalises(_ raw: String) throws {
        let email = try EmailAddress.parse(raw).get()
        #expect(email.value == raw.trimmingWhitespace().lowercased())
    }

    @Test(arguments: [
        ("", EmailAddress.Problem.empty), ("   ", .empty), ("no-at-sign", .malformed), ("a@b", .malformed),
        ("a@@b.com", .malformed), ("a b@c.com", .malformed), ("@c.com", .malformed), ("a@c..com", .malformed),
        ("a<b>@c.com", .malformed), (String(repeating: "a", count: 250) + "@c.com", .tooLong),
    ])
    func refusesWithAReason(_ raw: String, _ problem: EmailAddress.Problem) {
        #expect(throws: problem) { try EmailAddress.parse(raw).get() }
    }
}
