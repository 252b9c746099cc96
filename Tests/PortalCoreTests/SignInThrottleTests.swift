import Foundation
import PortalCore
import Testing

@Suite struct SignInThrottleTests {
    let throttle = SignInThrottle(limitPerAccount: 5, limitPerAddress: 30, window: 900)
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func failures(_ count: Int, secondsAgo start: TimeInterval = 60, every step: TimeInterval = 10) -> [Date] {
        (0..<count).map { now.addingTimeInterval(-start - Double($0) * step) }
    }

    @Test func allowsFewerFailuresThanTheLimit() {
        #expect(throttle.decide(accountFailures: failures(4), addressFailures: [], now: now) == .allowed)
    }

    @Test func refusesAtTheLimitUntilTheDecidingFailureLeavesTheWindow() {
        // Failures 60, 70, 80, 90 and 100 seconds ago: the fifth most recent (100 s) leaves the
        // 900-second window in 800 seconds.
        #expect(throttle.decide(accountFailures: failures(5), addressFailures: [], now: now) == .refused(retryAfter: 800))
        #expect(throttle.decide(accountFailures: failures(8), addressFailures: [], now: now) == .refused(retryAfter: 800))
    }

    @Test func forgetsFailuresOutsideTheWindow() {
        #expect(throttle.decide(accountFailures: failures(10, secondsAgo: 901), addressFailures: [], now: now) == .allowed)
    }

    @Test func appliesTheWiderLimitToOneAddress() {
        #expect(throttle.decide(accountFailures: [], addressFailures: failures(29, every: 1), now: now) == .allowed)
        guard case .refused = throttle.decide(accountFailures: [], addressFailures: failures(30, every: 1), now: now) else {
            Issue.record("thirty failures from one address should be refused")
            return
        }
    }

    @Test func describesTheWaitInWholeMinutes() {
        #expect(SignInThrottle.describe(800) == "14 minutes")
        #expect(SignInThrottle.describe(30) == "1 minute")
    }
}
