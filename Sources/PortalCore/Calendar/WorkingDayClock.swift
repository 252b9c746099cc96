import Foundation

/// The council's working day in Europe/London: which dates are working days, and when the day
/// closes. The rules every deadline follows:
///
/// - Times are stored in UTC and read in Europe/London, so the clock changes in March and October
///   move nothing: 16:59 is before the close in summer and in winter alike.
/// - An enquiry received on a working day before the close (17:00 by default) counts that day as
///   day 0. One received after the close, or on a weekend, bank holiday or closure day, is treated
///   as received at the start of the next working day, which becomes day 0.
/// - "Within N working days" means by the end of the Nth working day after day 0: received on a
///   Monday morning with no holidays, a 10-day promise is due on the Monday two weeks later, and
///   an answer at any time that day is on time.
/// - Working days taken are the working days after day 0 up to and including the day of the
///   answer: an answer the same day took 0, the next working day 1.
/// - Reminders are sent only in working hours: on a working day between opening (09:00 by
///   default) and the close.
public struct WorkingDayClock: Sendable {
    public let calendar: WorkingCalendar
    public let timeZone: TimeZone
    /// Minutes after midnight when the working day opens and closes.
    public let opensAt: Int
    public let closesAt: Int

    private let offsets: UTCOffsets

    public init(calendar: WorkingCalendar, timeZone: TimeZone = WorkingDayClock.london, opensAt: Int = 9 * 60, closesAt: Int = 17 * 60) {
        self.calendar = calendar
        self.timeZone = timeZone
        self.opensAt = opensAt
        self.closesAt = closesAt
        self.offsets = UTCOffsets.of(timeZone)
    }

    public static let london = TimeZone(identifier: "Europe/London") ?? TimeZone(secondsFromGMT: 0)!

    /// The date in the council's time zone.
    public func localDate(of instant: Date) -> CivilDate {
        CivilDate(dayNumber: CivilDate.floorDiv(localSeconds(instant), 86_400))
    }

    /// Minutes after local midnight.
    public func localMinutes(of instant: Date) -> Int { CivilDate.floorMod(localSeconds(instant), 86_400) / 60 }

    /// The instant a local day begins (midnight in Europe/London).
    public func startOfDay(_ date: CivilDate) -> Date {
        let utcMidnight = Date(timeIntervalSince1970: TimeInterval(date.dayNumber * 86_400))
        // UK clocks change at 01:00 UTC, so the offset at UTC midnight is the offset at local midnight.
        return utcMidnight.addingTimeInterval(-TimeInterval(offsets.seconds(at: date.dayNumber * 86_400)))
    }

    /// Day 0 for something received at `instant`.
    public func receivedDay(_ instant: Date) -> CivilDate {
        let date = localDate(of: instant)
        if calendar.isWorkingDay(date) && localMinutes(of: instant) < closesAt { return date }
        return calendar.nextWorkingDay(after: date)
    }

    /// The last day to meet a promise of `workingDays` for something received at `instant`.
    public func deadline(workingDays: Int, receivedAt instant: Date) -> CivilDate {
        calendar.adding(workingDays, workingDaysTo: receivedDay(instant))
    }

    /// Working days taken from receipt at `start` to an answer at `end` (never negative).
    public func workingDaysTaken(from start: Date, to end: Date) -> Int {
        max(0, calendar.workingDays(from: receivedDay(start), to: localDate(of: end)))
    }

    public func isWorkingHours(_ instant: Date) -> Bool {
        let minutes = localMinutes(of: instant)
        return calendar.isWorkingDay(localDate(of: instant)) && minutes >= opensAt && minutes < closesAt
    }

    /// Where a deadline stands on the local date of `now`.
    public func standing(of due: CivilDate, at now: Date) -> DeadlineStanding {
        DeadlineStanding(due: due, today: localDate(of: now), calendar: calendar)
    }

    private func localSeconds(_ instant: Date) -> Int {
        let seconds = Int(instant.timeIntervalSince1970.rounded(.down))
        return seconds + offsets.seconds(at: seconds)
    }
}
