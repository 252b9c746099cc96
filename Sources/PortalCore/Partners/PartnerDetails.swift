import Foundation

/// A partner organisation as the administrator describes it: its name, the address referrals are
/// emailed to, and optionally a webhook (an address the portal posts each referral to, signed
/// with a secret the two sides share), and whether the resident's contact details go with a
/// referral (only under a data-sharing agreement).
public struct PartnerDetails: Hashable, Sendable {
    public static let nameLimit = 100
    public static let urlLimit = 500
    public static let secretLength = 16...200

    public var name: String
    public var email: EmailAddress
    public var webhookURL: String?
    /// A new secret; nil keeps the one saved (or there is no webhook).
    public var newSecret: String?
    public var sharesResidentDetails: Bool

    /// What the form posted, as text.
    public struct Form: Sendable {
        public var name: String?
        public var email: String?
        public var webhookURL: String?
        public var webhookSecret: String?
        public var sharesResidentDetails: Bool

        public init(name: String?, email: String?, webhookURL: String?, webhookSecret: String?, sharesResidentDetails: Bool) {
            self.name = name
            self.email = email
            self.webhookURL = webhookURL
            self.webhookSecret = webhookSecret
            self.sharesResidentDetails = sharesResidentDetails
        }
    }

    /// Checks the form; `hasSecret` says whether a secret is saved already, so a webhook may keep it.
    public static func validate(_ form: Form, hasSecret: Bool) -> Result<PartnerDetails, FormErrors> {
        var errors = FormErrors()
        let name = errors.requireText(form.name, field: "name", name: "the partner's name", maxLength: nameLimit)
        var email: EmailAddress?
        switch EmailAddress.parse(form.email ?? "") {
        case .success(let address): email = address
        case .failure(let problem):
            errors.add("email", problem == .empty ? "Enter the email address referrals are sent to" : problem.message)
        }
        let url = errors.optionalText(form.webhookURL, field: "webhook-url", name: "the webhook address", maxLength: urlLimit)
        if let url, let problem = WebhookAddress.problem(url) { errors.add("webhook-url", problem) }
        let secret = form.webhookSecret ?? ""
        var newSecret: String?
        if !secret.isEmpty {
            if !TextRules.isSingleLine(secret) || secret.contains(where: \.isWhitespace) {
                errors.add("webhook-secret", "The secret must be one line of text without spaces or control characters")
            } else if !secretLength.contains(secret.count) {
                errors.add("webhook-secret", "The secret must be \(secretLength.lowerBound) to \(secretLength.upperBound) characters long")
            } else if url == nil {
                errors.add("webhook-secret", "A secret is only used with a webhook address; add the address, or leave the secret empty")
            } else {
                newSecret = secret
            }
        } else if url != nil, !hasSecret {
            errors.add("webhook-secret", "Enter the secret the partner checks each webhook's signature with")
        }
        guard errors.isEmpty, let email else { return .failure(errors) }
        return .success(PartnerDetails(name: name, email: email, webhookURL: url, newSecret: newSecret,
                                       sharesResidentDetails: form.sharesResidentDetails))
    }

    /// The last four characters of a secret, the only part shown after it is saved.
    public static func secretEnding(_ secret: String) -> String { "…" + String(secret.suffix(4)) }
}
