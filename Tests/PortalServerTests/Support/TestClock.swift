import Foundation
import NIOConcurrencyHelpers
import PortalCore

/// The time a test's portal reads, set by the test: nothing a test asserts depends on the day or
/// hour the suite happens to run.
final class TestClock: Sendable {
    /// Where tests start unless they choose otherwise: Wednesday 17 June 2026, 10:30 in London
    /// (09:30 UTC), a working day in working hours, well away from holidays and clock changes.
    static let ordinaryWorkingDay = utc("2026-06-17T09:30:00Z")

    private struct State {
        var instant: Date
        var setAt: ContinuousClock.Instant
        var ticking: Bool
    }
    private let state: NIOLockedValueBox<State>

    /// A clock at `instant`: `ticking` moves it on with real time (so things done one after
    /// another keep their order); otherwise it stays at `instant` until set again.
    init(at instant: Date = TestClock.ordinaryWorkingDay, ticking: Bool = true) {
        state = NIOLockedValueBox(State(instant: instant, setAt: .now, ticking: ticking))
    }

    var now: Date {
        state.withLockedValue { state in
            guard state.ticking else { return state.instant }
            return state.instant.addingTimeInterval((ContinuousClock.now - state.setAt).timeInterval)
        }
    }

    /// Moves the clock to `instant`.
    func set(_ instant: Date) {
        state.withLockedValue { $0.instant = instant; $0.setAt = .now }
    }

    func advance(by seconds: TimeInterval) { set(now.addingTimeInterval(seconds)) }

    var portalClock: PortalClock { PortalClock { [self] in now } }
}

/// An instant written as ISO 8601 in UTC, e.g. "2026-03-29T00:59:30Z".
func utc(_ text: String) -> Date {
    guard let date = ISO8601DateFormatter().date(from: text) else { fatalError("not an ISO 8601 instant: \(text)") }
    return date
}
