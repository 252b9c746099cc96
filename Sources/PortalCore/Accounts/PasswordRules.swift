/// What a new password must be. Length matters more than character classes (the NCSC's advice),
/// so there is a minimum length and nothing else; the maximum stops bcrypt's 72-byte truncation
/// from silently ignoring the end of a long passphrase.
public enum PasswordRules {
    public static let minimumLength = 10
    public static let maximumBytes = 72

    public static func problem(with password: String) -> String? {
        if password.isEmpty { return "Enter a password" }
        if password.count < minimumLength { return "Password must be at least \(minimumLength) characters" }
        if password.utf8.count > maximumBytes { return "Password must be \(maximumBytes) bytes or fewer" }
        return nil
    }
}
