import Foundation
import PortalCore
import Testing

/// What a data-protection officer may type to find a person, and the forms it is compared in.
@Suite struct SubjectAccessQueryTests {
    typealias Field = SubjectAccessQuery.Field

    static func parse(_ values: [Field: String]) -> Result<SubjectAccessQuery, FormErrors> {
        SubjectAccessQuery.parse(values.mapValues { Optional($0) })
    }

    @Test func atLeastOneDetailIsNeeded() throws {
        guard case .failure(let errors) = Self.parse([:]) else { Issue.record("an empty search was taken"); return }
        #expect(errors[Field.name.key]?.hasPrefix("Enter at least one") == true)
        guard case .failure = Self.parse([.name: "   ", .email: ""]) else { Issue.record("blank fields were taken"); return }
    }

    @Test func eachDetailIsPutInTheFormItIsComparedIn() throws {
        let query = try Self.parse([.name: " Pat  JONES, ", .email: " Pat.Jones@Example.COM ", .phone: "+44 (1234) 567-890",
                                    .address: "12 Mill Lane,Wrenfield", .postcode: "wr1  2ab"]).get()
        #expect(query.nameWords == ["pat", "jones"])
        #expect(query.email == "pat.jones@example.com")
        #expect(query.phoneDigits == ["441234567890", "01234567890"])
        #expect(query.addressWords == ["12", "mill", "lane", "wrenfield"])
        #expect(query.postcode == "WR12AB")
        #expect(query.fields == Field.allCases)
        #expect(query.fieldsText == "name, email address, phone number, address and postcode")
        #expect(query.typed[.name] == "Pat  JONES,", "what was typed is shown again, trimmed")
        #expect(try Self.parse([.phone: "01234 567890"]).get().phoneDigits == ["01234567890", "441234567890"])
        #expect(try Self.parse([.phone: "0044 1234 567890"]).get().phoneDigits == ["441234567890", "01234567890"])
        #expect(try Self.parse([.phone: "+1 212 555 0100"]).get().phoneDigits == ["12125550100"])
        #expect(try Self.parse([.postcode: "M1 1AA"]).get().postcode == "M11AA")
        #expect(try Self.parse([.name: "Li"]).get().fieldsText == "name")
    }

    @Test func badDetailsAreRefusedWithAMessageForTheirField() {
        let cases: [(Field, String, String)] = [
            (.name, "Pat\nJones", "must be one line"),
            (.name, "Pat\u{202E}Jones", "must be one line"),
            (.name, "P", "at least 2"),
            (.name, String(repeating: "a", count: 121), "120 characters or fewer"),
            (.email, "pat", "correct format"),
            (.email, "pat@example.com\u{0}", "one line"),
            (.phone, "01234 5678ab", "digits, spaces"),
            (.phone, "12345", "6 to 15 digits"),
            (.phone, "١٢٣٤٥٦٧", "digits, spaces"),
            (.postcode, "WR1", "full postcode"),
            (.postcode, "WR1 2A%", "full postcode"),
            (.postcode, "12345", "full postcode"),
            (.address, "x", "at least 2"),
            (.address, String(repeating: "a", count: 301), "300 characters or fewer"),
        ]
        for (field, value, message) in cases {
            guard case .failure(let errors) = Self.parse([field: value]) else { Issue.record("\(field) \(value.debugDescription) was taken"); continue }
            #expect(errors[field.key]?.contains(message) == true, "\(field) \(value.debugDescription): \(errors.all)")
        }
    }
}
