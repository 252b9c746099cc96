import Foundation

/// How long the council promises to take, in working days.
public struct ServiceLevel: Hashable, Sendable {
    public var firstResponseDays: Int
    public var completionDays: Int

    public init(firstResponseDays: Int, completionDays: Int) {
        self.firstResponseDays = firstResponseDays
        self.completionDays = completionDays
    }

    /// The councils' usual promise: a first response within 10 working days, completion within 28.
    public static let standard = ServiceLevel(firstResponseDays: 10, completionDays: 28)

    /// The longest promise the portal accepts: about a year and a half of working days.
    public static let maximumDays = 400

    /// Checks the two numbers an administrator typed.
    public static func validate(firstResponse: String, completion: String) -> Result<ServiceLevel, FormErrors> {
        var errors = FormErrors()
        func number(_ text: String, field: String, label: String) -> Int? {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { errors.add(field, "Enter the \(label) in working days"); return nil }
            guard let value = RequestNumber.parse(trimmed, in: 1...maximumDays) else {
                errors.add(field, "The \(label) must be a whole number of working days from 1 to \(maximumDays)")
                return nil
            }
            return value
        }
        let first = number(firstResponse, field: "firstResponseDays", label: "time to first response")
        let complete = number(completion, field: "completionDays", label: "time to complete")
        if let first, let complete, complete < first {
            errors.add("completionDays", "The time to complete cannot be shorter than the time to first response (\(first) working days)")
        }
        guard errors.isEmpty, let first, let complete else { return .failure(errors) }
        return .success(ServiceLevel(firstResponseDays: first, completionDays: complete))
    }
}

/// The council's service levels: a default, and overrides for a service area, an enquiry type,
/// or one type within one area. The most specific wins: area and type together, then the type,
/// then the area, then the default. A type is checked before an area because types carry the
/// promise's nature (a safety issue is urgent in any area), while areas differ in workload.
public struct ServiceLevelPolicies: Sendable {
    public struct Scope: Hashable, Sendable {
        public let serviceAreaID: UUID?
        public let typeID: UUID?

        public init(serviceAreaID: UUID?, typeID: UUID?) {
            self.serviceAreaID = serviceAreaID
            self.typeID = typeID
        }
    }

    public var byScope: [Scope: ServiceLevel]

    public init(_ byScope: [Scope: ServiceLevel] = [:]) { self.byScope = byScope }

    public var standard: ServiceLevel { byScope[Scope(serviceAreaID: nil, typeID: nil)] ?? .standard }

    public func level(serviceArea: UUID, type: UUID) -> ServiceLevel {
        byScope[Scope(serviceAreaID: serviceArea, typeID: type)]
            ?? byScope[Scope(serviceAreaID: nil, typeID: type)]
            ?? byScope[Scope(serviceAreaID: serviceArea, typeID: nil)]
            ?? standard
    }
}

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

/// A time zone's offsets from UTC as a table of its transitions, built once per zone: asking
/// Foundation for the offset of each instant costs tens of microseconds on Linux, and a page of
/// fifty deadlines asks a hundred times.
final class UTCOffsets: Sendable {
    /// Seconds since 1970 at which an offset starts, ascending, and the offset from then on.
    private let starts: [Int]
    private let values: [Int]
    private let timeZone: TimeZone
    private static let covered = (CivilDate(year: 1990, month: 1, day: 1)!.dayNumber * 86_400)...(CivilDate(year: 2151, month: 1, day: 1)!.dayNumber * 86_400)

    private init(_ timeZone: TimeZone) {
        self.timeZone = timeZone
        var instant = Date(timeIntervalSince1970: TimeInterval(Self.covered.lowerBound))
        var starts = [Self.covered.lowerBound], values = [timeZone.secondsFromGMT(for: instant)]
        while let next = timeZone.nextDaylightSavingTimeTransition(after: instant), next.timeIntervalSince1970 < TimeInterval(Self.covered.upperBound) {
            starts.append(Int(next.timeIntervalSince1970))
            values.append(timeZone.secondsFromGMT(for: next))
            instant = next
        }
        self.starts = starts
        self.values = values
    }

    func seconds(at utc: Int) -> Int {
        guard Self.covered.contains(utc) else { return timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(utc))) }
        var low = 0, high = starts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if starts[middle] <= utc { low = middle } else { high = middle - 1 }
        }
        return values[low]
    }

    /// The councils' zone, built once on first use; any other zone is built for its clock.
    private static let london = UTCOffsets(WorkingDayClock.london)

    static func of(_ timeZone: TimeZone) -> UTCOffsets {
        timeZone.identifier == london.timeZone.identifier ? london : UTCOffsets(timeZone)
    }
}

/// A deadline seen from a given day, in working days.
public enum DeadlineStanding: Hashable, Sendable {
    /// Due after today, in this many working days (at least 1).
    case dueIn(Int)
    case dueToday
    /// Past; by this many working days since the deadline (0 on a weekend straight after it).
    case overdue(Int)

    /// Working days of warning before a deadline: due today, or within this many, is "at risk".
    public static let atRiskWithin = 2

    public init(due: CivilDate, today: CivilDate, calendar: WorkingCalendar) {
        if today == due {
            self = .dueToday
        } else if today < due {
            self = .dueIn(max(1, calendar.workingDays(from: today, to: due)))
        } else {
            self = .overdue(max(0, calendar.workingDays(from: due, to: today)))
        }
    }

    public var isOverdue: Bool { if case .overdue = self { true } else { false } }

    /// Due today or within `atRiskWithin` working days, and not yet overdue.
    public var isAtRisk: Bool {
        switch self {
        case .dueToday: true
        case .dueIn(let days): days <= DeadlineStanding.atRiskWithin
        case .overdue: false
        }
    }

    /// "due in 3 working days", "due today", "overdue by 2 working days".
    public var words: String {
        switch self {
        case .dueIn(let days): "due in \(days) working \(days == 1 ? "day" : "days")"
        case .dueToday: "due today"
        case .overdue(0): "overdue"
        case .overdue(let days): "overdue by \(days) working \(days == 1 ? "day" : "days")"
        }
    }
}
