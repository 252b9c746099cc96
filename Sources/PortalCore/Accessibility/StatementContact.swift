import Foundation

/// How people reach the council about the portal's accessibility, and when it was last tested,
/// as the administrator sets them for the accessibility statement.
public struct StatementContact: Hashable, Sendable {
    public var email: String?
    public var phone: String?
    public var lastTested: CivilDate?

    public init(email: String? = nil, phone: String? = nil, lastTested: CivilDate? = nil) {
        self.email = email
        self.phone = phone
        self.lastTested = lastTested
    }

    /// Checks what the administrator typed. The test date may not be after `today`.
    public static func validate(email: String?, phone: String?, lastTested: String?, today: CivilDate) -> Result<StatementContact, FormErrors> {
        var errors = FormErrors()
        var contact = StatementContact()
        if let text = errors.optionalText(email, field: "contact-email", name: "the email address", maxLength: 254) {
            switch EmailAddress.parse(text) {
            case .success(let address): contact.email = address.value
            case .failure: errors.add("contact-email", "Enter the email address in the correct format, like accessibility@council.gov.uk")
            }
        }
        if let text = errors.optionalText(phone, field: "contact-phone", name: "the phone number", maxLength: 40) {
            if text.allSatisfy({ $0.isNumber || " +()-".contains($0) }) { contact.phone = text }
            else { errors.add("contact-phone", "Enter a phone number using digits, spaces and + ( ) - only") }
        }
        if let text = errors.optionalText(lastTested, field: "last-tested", name: "the date", maxLength: 10) {
            if let date = SearchCriteria.parseDate(text), date <= today { contact.lastTested = date }
            else if SearchCriteria.parseDate(text) != nil { errors.add("last-tested", "The date last tested cannot be in the future") }
            else { errors.add("last-tested", "Enter the date as day/month/year, like 30/11/2026") }
        }
        guard errors.isEmpty else { return .failure(errors) }
        return .success(contact)
    }
}
