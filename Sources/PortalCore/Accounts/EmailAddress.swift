/// An email address as the portal stores it: trimmed and lower-cased, so that sign-in and
/// uniqueness never depend on how someone typed the capitals.
public struct EmailAddress: Sendable, Hashable, CustomStringConvertible {
    public static let maximumLength = 254

    public let value: String
    public var description: String { value }

    public enum Problem: Error, Equatable, Sendable {
        case empty, tooLong, malformed

        public var message: String {
            switch self {
            case .empty: "Enter an email address"
            case .tooLong: "Email address must be \(EmailAddress.maximumLength) characters or fewer"
            case .malformed: "Enter an email address in the correct format, like name@example.gov.uk"
            }
        }
    }

    /// A deliberately plain check: one `@`, something before it, a dotted domain after it,
    /// no spaces or control characters. Whether the address works is proven by mail, not by a regex.
    public static func parse(_ raw: String) -> Result<EmailAddress, Problem> {
        let trimmed = raw.trimmingWhitespace().lowercased()
        if trimmed.isEmpty { return .failure(.empty) }
        if trimmed.count > maximumLength { return .failure(.tooLong) }
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].count <= 64 else { return .failure(.malformed) }
        let domain = parts[1]
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty }) else { return .failure(.malformed) }
        let forbidden: (Character) -> Bool = { $0.isWhitespace || $0.asciiValue.map { $0 < 32 || $0 == 127 } == true }
        guard !trimmed.contains(where: forbidden), TextRules.isSingleLine(trimmed), !trimmed.contains(where: { "<>()[],;:\\\"".contains($0) }) else {
            return .failure(.malformed)
        }
        return .success(EmailAddress(value: trimmed))
    }

    private init(value: String) { self.value = value }
}

extension StringProtocol {
    /// Trims spaces, tabs and line breaks from both ends.
    public func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
