import Foundation

/// Where the portal reads the time: the one source of "now" for deadlines, queues, reminders,
/// digests, sessions, password-reset links, reports' default periods, the demo's dates and the
/// search filters. The application is given one when it is configured (the system clock in
/// production); tests give it a fixed instant, so nothing they assert depends on the day they run.
///
/// Durations that are only ever compared with each other (how long a cached value has been
/// kept, how long a request took) are measured with `ContinuousClock` instead: they are not
/// times of day, and the system clock can jump.
public struct PortalClock: Sendable {
    private let read: @Sendable () -> Date

    public init(_ read: @escaping @Sendable () -> Date) { self.read = read }

    /// The current instant by this clock.
    public func now() -> Date { read() }

    /// The machine's clock.
    public static let system = PortalClock { Date() }
}

extension Duration {
    /// The duration in seconds, as Foundation's dates count them.
    public var timeInterval: TimeInterval { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
