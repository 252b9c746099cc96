/// Who a subject access or erasure request is about, as the data-protection officer describes
/// them: any of a name, an email address, a phone number, an address and a postcode, each checked
/// and turned into the form the search compares (`SubjectAccessSearch` renders it as SQL).
///
/// How each is matched, chosen so that the way a resident's details were typed does not hide
/// them: an email address whole, without case; a phone number by its digits alone, a UK number
/// in its 0… and +44… forms alike; a postcode without case or spaces, anywhere in the address;
/// a name or an address when every word typed is in it, without case and in any order
/// ("Jones Pat" finds "Mrs Pat Jones").
public struct SubjectAccessQuery: Sendable, Equatable {
    public enum Field: String, CaseIterable, Sendable {
        case name, email, phone, address, postcode

        /// The form's input, and the error summary's link to it.
        public var key: String { "person-\(rawValue)" }

        public var label: String {
            switch self {
            case .name: "Name"
            case .email: "Email address"
            case .phone: "Phone number"
            case .address: "Address"
            case .postcode: "Postcode"
            }
        }

        /// As a sentence names it ("found by name and postcode").
        public var noun: String { self == .name || self == .address || self == .postcode ? rawValue : label.lowercased() }

        public var limit: Int {
            switch self {
            case .name: EnquiryForm.Limit.residentName
            case .email: EmailAddress.maximumLength
            case .phone: EnquiryForm.Limit.residentPhone
            case .address: EnquiryForm.Limit.residentAddress
            case .postcode: 10
            }
        }
    }

    /// What was typed, trimmed, for each field given: to show again and to carry to the next step.
    public private(set) var typed: [Field: String] = [:]
    /// Every word of the name, lower-cased; each must be in the resident's name.
    public private(set) var nameWords: [String] = []
    /// Lower-cased.
    public private(set) var email: String?
    /// The number's digits in each form it may be stored in.
    public private(set) var phoneDigits: [String] = []
    /// Upper-cased, without spaces.
    public private(set) var postcode: String?
    /// Every word of the address, lower-cased; each must be in the resident's address.
    public private(set) var addressWords: [String] = []

    /// The fields given, in the form's order.
    public var fields: [Field] { Field.allCases.filter { typed[$0] != nil } }

    /// "name and postcode"
    public var fieldsText: String {
        let nouns = fields.map(\.noun)
        return nouns.count < 2 ? nouns.joined() : nouns.dropLast().joined(separator: ", ") + " and " + (nouns.last ?? "")
    }

    /// Checks what was typed (nil or empty for a field left blank).
    public static func parse(_ values: [Field: String?]) -> Result<SubjectAccessQuery, FormErrors> {
        var errors = FormErrors()
        var query = SubjectAccessQuery()
        for field in Field.allCases {
            guard let text = errors.optionalText(values[field] ?? nil, field: field.key, name: "the \(field.noun)", maxLength: field.limit) else { continue }
            query.typed[field] = text
            switch field {
            case .name, .address:
                let words = Self.words(text)
                guard words.contains(where: { $0.count >= 2 }) else {
                    errors.add(field.key, "Enter at least 2 letters or numbers of the \(field.noun)")
                    continue
                }
                if field == .name { query.nameWords = words } else { query.addressWords = words }
            case .email:
                switch EmailAddress.parse(text) {
                case .success(let address): query.email = address.value
                case .failure(let problem): errors.add(field.key, problem.message)
                }
            case .phone:
                guard text.allSatisfy({ $0.isASCII && ($0.isNumber || " +()-.".contains($0)) }) else {
                    errors.add(field.key, "Enter a phone number using digits, spaces and + ( ) - only")
                    continue
                }
                let digits = text.filter(\.isNumber)
                guard (6...15).contains(digits.count) else {
                    errors.add(field.key, "Enter a phone number of 6 to 15 digits")
                    continue
                }
                query.phoneDigits = phoneForms(digits)
            case .postcode:
                guard let postcode = postcode(text) else {
                    errors.add(field.key, "Enter a full postcode, like WR1 2AB")
                    continue
                }
                query.postcode = postcode
            }
        }
        if errors.isEmpty, query.typed.isEmpty {
            errors.add(Field.name.key, "Enter at least one of the person's name, email address, phone number, address or postcode")
        }
        return errors.isEmpty ? .success(query) : .failure(errors)
    }

    /// Lower-cased words, split at spaces and commas.
    static func words(_ text: String) -> [String] {
        text.lowercased().split(whereSeparator: { $0.isWhitespace || $0 == "," }).map(String.init)
    }

    /// A UK number is stored as 01234… or +44 1234…; a number from abroad as it was typed.
    static func phoneForms(_ digits: String) -> [String] {
        var digits = digits
        if digits.hasPrefix("0044") { digits.removeFirst(2) }
        if digits.hasPrefix("44"), digits.count >= 11 { return [digits, "0" + digits.dropFirst(2)] }
        if digits.hasPrefix("0"), !digits.hasPrefix("00") { return [digits, "44" + digits.dropFirst()] }
        return [digits]
    }

    /// A whole UK postcode, upper-cased without spaces: an outward code of two to four letters and
    /// digits starting with a letter, and an inward code of a digit and two letters.
    static func postcode(_ text: String) -> String? {
        let compact = Array(text.uppercased().filter { $0 != " " })
        guard (5...7).contains(compact.count), compact.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }),
              compact[0].isLetter, compact[compact.count - 3].isNumber, compact[compact.count - 2].isLetter, compact[compact.count - 1].isLetter
        else { return nil }
        return String(compact)
    }
}
