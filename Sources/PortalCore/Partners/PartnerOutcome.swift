/// What a partner organisation did with a referral, as the partner (through its link) or a
/// co-ordinator records it.
public enum PartnerOutcome: String, CaseIterable, Sendable {
    case dealtWith = "dealt_with"
    case visitArranged = "visit_arranged"
    case notForUs = "not_for_us"

    public var label: String {
        switch self {
        case .dealtWith: "Dealt with"
        case .visitArranged: "Visit arranged"
        case .notForUs: "Not for us"
        }
    }

    public var hint: String {
        switch self {
        case .dealtWith: "The problem has been dealt with."
        case .visitArranged: "An officer will visit, or treatment is booked."
        case .notForUs: "The partner does not deal with this; the council takes it back. Say why."
        }
    }

    /// An outcome as recorded: which, what was said with it, and who said it (a partner's officer
    /// gives their name on the link's form).
    public struct Recorded: Hashable, Sendable {
        public var outcome: PartnerOutcome
        public var text: String
        public var name: String?

        public init(outcome: PartnerOutcome, text: String, name: String?) {
            self.outcome = outcome
            self.text = text
            self.name = name
        }
    }

    public static let textLimit = 2000
    public static let nameLimit = 100

    /// Checks an outcome form; `askName` when the form asks who is recording it (the link's form).
    public static func validate(outcome: String?, text: String?, name: String?, askName: Bool) -> Result<Recorded, FormErrors> {
        var errors = FormErrors()
        let chosen = outcome.flatMap(PartnerOutcome.init(rawValue:))
        if chosen == nil { errors.add("outcome", "Choose what happened") }
        let said = errors.optionalText(text, field: "outcome-text", name: "what happened", maxLength: textLimit, multiLine: true) ?? ""
        if chosen == .notForUs, said.isEmpty, errors["outcome-text"] == nil {
            errors.add("outcome-text", "Say why it is not for you, so the council can take it on")
        }
        let person = askName ? errors.optionalText(name, field: "outcome-name", name: "your name", maxLength: nameLimit) : nil
        guard errors.isEmpty, let chosen else { return .failure(errors) }
        return .success(Recorded(outcome: chosen, text: said, name: person))
    }
}
