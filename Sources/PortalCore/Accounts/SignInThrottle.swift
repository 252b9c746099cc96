import Foundation

/// Slows down password guessing. After `limit` failed sign-ins for one email address within
/// `window`, further attempts are refused until the oldest of those failures leaves the window.
/// A wider limit applies to one network address, which catches one machine trying many accounts.
///
/// The failures themselves are kept in the database, so every app instance sees the same count.
public struct SignInThrottle: Sendable {
    public var limitPerAccount: Int
    public var limitPerAddress: Int
    public var window: TimeInterval

    public init(limitPerAccount: Int = 5, limitPerAddress: Int = 30, window: TimeInterval = 15 * 60) {
        self.limitPerAccount = limitPerAccount
        self.limitPerAddress = limitPerAddress
        self.window = window
    }

    public enum Decision: Equatable, Sendable {
        case allowed
        case refused(retryAfter: TimeInterval)
    }

    /// - Parameters:
    ///   - accountFailures: times of recent failed sign-ins for the email address, any order.
    ///   - addressFailures: times of recent failed sign-ins from the network address, any order.
    public func decide(accountFailures: [Date], addressFailures: [Date], now: Date) -> Decision {
        let waits = [
            wait(failures: accountFailures, limit: limitPerAccount, now: now),
            wait(failures: addressFailures, limit: limitPerAddress, now: now),
        ].compactMap { $0 }
        guard let longest = waits.max() else { return .allowed }
        return .refused(retryAfter: longest)
    }

    /// The start of the window that matters: older failures can be forgotten.
    public func windowStart(now: Date) -> Date { now.addingTimeInterval(-window) }

    private func wait(failures: [Date], limit: Int, now: Date) -> TimeInterval? {
        let recent = failures.filter { $0 > windowStart(now: now) && $0 <= now }.sorted(by: >)
        guard recent.count >= limit else { return nil }
        // The attempt is allowed again once the limit-th most recent failure leaves the window.
        let deciding = recent[limit - 1]
        return max(1, deciding.addingTimeInterval(window).timeIntervalSince(now))
    }

    /// Minutes to wait, rounded up, in words for the sign-in page.
    public static func describe(_ retryAfter: TimeInterval) -> String {
        let minutes = Int((retryAfter / 60).rounded(.up))
        return minutes <= 1 ? "1 minute" : "\(minutes) minutes"
    }
}
