/// A problem with one field of a form, worded for the person filling it in.
/// `field` is the id of the input, so an error summary can link straight to it.
public struct FieldError: Sendable, Hashable {
    public let field: String
    public let message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
}

/// The errors of one form submission, in the order the fields appear.
public struct FormErrors: Error, Sendable, Hashable {
    public private(set) var all: [FieldError] = []

    public init() {}

    public var isEmpty: Bool { all.isEmpty }

    public mutating func add(_ field: String, _ message: String) {
        guard self[field] == nil else { return }
        all.append(FieldError(field: field, message: message))
    }

    public subscript(field: String) -> String? { all.first(where: { $0.field == field })?.message }

    /// Checks a required text field, its length and its characters (`TextRules`: one line unless
    /// `multiLine`); returns the trimmed text.
    @discardableResult
    public mutating func requireText(
        _ value: String?, field: String, name: String, maxLength: Int, minLength: Int = 1, multiLine: Bool = false
    ) -> String {
        let text = (value ?? "").trimmingWhitespace()
        if let problem = Self.characterProblem(text, name: name, multiLine: multiLine) {
            add(field, problem)
        } else if text.isEmpty {
            add(field, "Enter \(name)")
        } else if text.count < minLength {
            add(field, "\(name.prefix(1).uppercased() + name.dropFirst()) must be at least \(minLength) characters")
        } else if text.count > maxLength {
            add(field, "\(name.prefix(1).uppercased() + name.dropFirst()) must be \(maxLength) characters or fewer")
        }
        return text
    }

    /// Checks an optional text field's length and characters (`TextRules`: one line unless
    /// `multiLine`); returns the trimmed text, or nil when empty.
    public mutating func optionalText(_ value: String?, field: String, name: String, maxLength: Int, multiLine: Bool = false) -> String? {
        let text = (value ?? "").trimmingWhitespace()
        if let problem = Self.characterProblem(text, name: name, multiLine: multiLine) {
            add(field, problem)
        } else if text.count > maxLength {
            add(field, "\(name.prefix(1).uppercased() + name.dropFirst()) must be \(maxLength) characters or fewer")
        }
        return text.isEmpty ? nil : text
    }

    /// The message for text holding characters its field does not allow, or nil.
    public static func characterProblem(_ text: String, name: String, multiLine: Bool) -> String? {
        if multiLine { return TextRules.isMultiLine(text) ? nil : TextRules.multiLineMessage(name) }
        return TextRules.isSingleLine(text) ? nil : TextRules.singleLineMessage(name)
    }
}
