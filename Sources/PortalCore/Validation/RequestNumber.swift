/// Numbers read from a request: a page in a list, a form's version. Each is read as text and
/// checked against the bounds the portal can act on, so no value a person sends can reach
/// arithmetic that overflows (which would stop the process) or a database limit.
public enum RequestNumber {
    /// The furthest page any list goes: 10,000 pages of 50 is more than any council's history,
    /// and an offset past it costs the database without showing anything.
    public static let maximumPage = 10_000

    /// A form's version: a record is saved far fewer than two thousand million times, and the
    /// bound leaves room for `+ 1` in any integer type the databases use.
    public static let versions: ClosedRange<Int> = 0...Int(Int32.max)

    /// A whole number in `range`, written as plain decimal digits (an optional minus sign, spaces
    /// around it allowed); nil for anything else: empty, a fraction, an exponent, hex, too large.
    public static func parse(_ text: String?, in range: ClosedRange<Int>) -> Int? {
        guard let trimmed = text?.trimmingWhitespace(), !trimmed.isEmpty, trimmed.count <= 20 else { return nil }
        let digits = trimmed.hasPrefix("-") ? trimmed.dropFirst() : Substring(trimmed)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(trimmed) else { return nil }
        return range.contains(value) ? value : nil
    }

    public enum PageProblem: Error, Equatable, Sendable {
        case notANumber(String)

        public var message: String {
            switch self {
            case .notANumber(let text):
                "There is no page “\(text.prefix(30))”. Pages are numbered from 1 to \(RequestNumber.maximumPage); go back to the first page of the list."
            }
        }
    }

    /// The page of a list: 1 when not given; a number from 1 to `maximum`; otherwise a problem to
    /// tell the person about.
    public static func page(_ text: String?, maximum: Int = maximumPage) -> Result<Int, PageProblem> {
        guard let text, !text.trimmingWhitespace().isEmpty else { return .success(1) }
        guard let page = parse(text, in: 1...maximum) else { return .failure(.notANumber(text)) }
        return .success(page)
    }

    /// A form's version; nil when absent or not a version the portal could have written, which
    /// the forms treat as "someone else changed it": the form comes back with the current values.
    public static func version(_ text: String?) -> Int? { parse(text, in: versions) }
}
