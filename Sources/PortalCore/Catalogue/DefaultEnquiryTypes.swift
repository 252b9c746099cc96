/// The enquiry types a new council starts with, from the councils' own forms. Administrators
/// change them later.
public struct EnquiryTypeDefinition: Sendable, Hashable {
    public let name: String
    public let subtypes: [String]
    /// Sent on to the highways reporting system, which needs a location.
    public let needsLocation: Bool
}

public enum DefaultEnquiryTypes {
    public static let informationRequest = "Information Request"
    public static let safetyIssue = "Report a Safety Issue"

    public static let all: [EnquiryTypeDefinition] = [
        .init(name: informationRequest, subtypes: [], needsLocation: false),
        .init(name: safetyIssue, subtypes: [], needsLocation: true),
        .init(name: "Speed Issue Request",
              subtypes: ["Speed Survey", "Speed Reduction Request", "New Vehicle Activated Sign", "Relocation of Vehicle Activated Sign"],
              needsLocation: true),
        .init(name: "Improvement Request",
              subtypes: ["Carriageway Dressing", "Footway Reconstruction", "Traffic Regulation Order"], needsLocation: true),
    ]
}

/// The reference people quote: `ENQ-26-000123`, the year it was raised and a number counting up
/// within that year.
public enum EnquiryReference {
    public static func make(year: Int, number: Int) -> String {
        let yy = String(format2(year % 100))
        let digits = String(number)
        return "ENQ-\(yy)-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    /// Accepts what people type: any case, spaces, or the number alone within a year prefix.
    public static func normalise(_ text: String) -> String? {
        let compact = text.uppercased().filter { !$0.isWhitespace }
        let parts = compact.split(separator: "-")
        guard parts.count == 3, parts[0] == "ENQ", let year = Int(parts[1]), let number = Int(parts[2]), parts[1].count == 2 else { return nil }
        return make(year: year, number: number)
    }

    private static func format2(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
}
