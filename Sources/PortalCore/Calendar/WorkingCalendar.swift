/// The council's working days: Monday to Friday, less the bank holidays of its nation and the
/// closure days its administrator has added.
///
/// Every operation is constant time over the years the calendar indexes (1990 to 2150 by
/// default): `workingDaysBefore` holds, for each day, how many working days came before it, and
/// `workingDayOffsets` lists the working days in order. Counting the working days between two
/// dates is then one subtraction, and adding N working days one lookup, so a report over a
/// million enquiries never walks the calendar day by day. Outside the indexed years the same
/// answers come from weekday arithmetic and each year's holiday rules, more slowly.
///
/// The counting convention throughout: "working days from A to B" counts the working days after
/// A up to and including B, so the next working day is 1, and the same day is 0.
public struct WorkingCalendar: Sendable {
    public let nation: Nation
    public let indexedYears: ClosedRange<Int>
    /// Closure days, by day number, with their names.
    public let closures: [Int: String]
    private let holidayNames: [Int: String]
    private let firstDay: Int
    private let lastDay: Int
    /// `workingDaysBefore[i]`: working days in `firstDay ..< firstDay + i`.
    private let workingDaysBefore: [Int32]
    /// `workingDayOffsets[k]`: the (k+1)-th working day of the index, as an offset from `firstDay`.
    private let workingDayOffsets: [Int32]

    /// The years every calendar the portal builds indexes.
    public static let standardYears = 1990...2150

    /// The calendar over the standard years. The bank holidays' index for each nation is built once
    /// (a few milliseconds) and is a constant; the closure days are taken out of a copy of it in
    /// one pass (0.2 ms in a release build), so a change to an enquiry can read the calendar
    /// afresh in its transaction without a cache.
    public init(nation: Nation = .englandAndWales, closures: [Holiday] = []) {
        let base = switch nation {
        case .englandAndWales: Self.englandAndWales
        case .scotland: Self.scotland
        case .northernIreland: Self.northernIreland
        }
        self.init(base, closing: closures)
    }

    private static let englandAndWales = WorkingCalendar(nation: .englandAndWales, closures: [], indexedYears: standardYears)
    private static let scotland = WorkingCalendar(nation: .scotland, closures: [], indexedYears: standardYears)
    private static let northernIreland = WorkingCalendar(nation: .northernIreland, closures: [], indexedYears: standardYears)

    /// `base` (a calendar without closures) with `closures` taken out of its working days.
    private init(_ base: WorkingCalendar, closing closures: [Holiday]) {
        nation = base.nation
        indexedYears = base.indexedYears
        holidayNames = base.holidayNames
        firstDay = base.firstDay
        lastDay = base.lastDay
        var closureNames: [Int: String] = [:]
        for closure in closures { closureNames[closure.date.dayNumber] = closure.name }
        self.closures = closureNames
        // The closures that fall on the base's working days, as offsets from the first day, in order.
        let closed = closureNames.keys
            .filter { $0 >= base.firstDay && $0 <= base.lastDay && base.isWorkingDay(CivilDate(dayNumber: $0)) }
            .map { Int32($0 - base.firstDay) }
            .sorted()
        guard !closed.isEmpty else {
            workingDaysBefore = base.workingDaysBefore
            workingDayOffsets = base.workingDayOffsets
            return
        }
        // `before[i]` counts the working days before offset `i`: each closure lowers the counts
        // after it by one. The offsets drop the closed days, both lists being in order.
        var before = base.workingDaysBefore
        before.withUnsafeMutableBufferPointer { before in
            for (rank, day) in closed.enumerated() {
                let end = rank + 1 < closed.count ? Int(closed[rank + 1]) + 1 : before.count
                let lowered = Int32(rank + 1)
                for index in (Int(day) + 1)..<end { before[index] -= lowered }
            }
        }
        var offsets: [Int32] = []
        offsets.reserveCapacity(base.workingDayOffsets.count)
        var next = 0
        for offset in base.workingDayOffsets {
            if next < closed.count && closed[next] == offset { next += 1; continue }
            offsets.append(offset)
        }
        workingDaysBefore = before
        workingDayOffsets = offsets
    }

    /// A calendar indexing `indexedYears`, built day by day.
    public init(nation: Nation, closures: [Holiday], indexedYears: ClosedRange<Int>) {
        self.nation = nation
        self.indexedYears = indexedYears
        var closureNames: [Int: String] = [:]
        for closure in closures { closureNames[closure.date.dayNumber] = closure.name }
        self.closures = closureNames
        var names: [Int: String] = [:]
        for year in indexedYears {
            for holiday in BankHolidays.of(nation, in: year) { names[holiday.date.dayNumber] = holiday.name }
        }
        holidayNames = names
        firstDay = CivilDate(year: indexedYears.lowerBound, month: 1, day: 1)!.dayNumber
        lastDay = CivilDate(year: indexedYears.upperBound, month: 12, day: 31)!.dayNumber
        var before = [Int32](repeating: 0, count: lastDay - firstDay + 2)
        var offsets: [Int32] = []
        offsets.reserveCapacity((lastDay - firstDay) * 5 / 7 + 1)
        var count: Int32 = 0
        for day in firstDay...lastDay {
            let date = CivilDate(dayNumber: day)
            if !date.isWeekend && names[day] == nil && closureNames[day] == nil {
                offsets.append(Int32(day - firstDay))
                count += 1
            }
            before[day - firstDay + 1] = count
        }
        workingDaysBefore = before
        workingDayOffsets = offsets
    }

    public func isWorkingDay(_ date: CivilDate) -> Bool { reasonClosed(date) == nil }

    /// Why a day is not a working day ("Saturday", "Christmas Day", a closure's name), or nil.
    public func reasonClosed(_ date: CivilDate) -> String? {
        if let closure = closures[date.dayNumber] { return closure }
        if date.isWeekend { return date.weekday.name }
        if let name = holidayNames[date.dayNumber] { return name }
        if indexedYears.contains(date.year) { return nil }
        return BankHolidays.of(nation, in: date.year).first { $0.date == date }?.name
    }

    /// The bank holidays and closure days of a year that fall on weekdays, in date order.
    public func daysOff(in year: Int) -> [Holiday] {
        var days = BankHolidays.of(nation, in: year)
        let taken = Set(days.map(\.date))
        for (day, name) in closures {
            let date = CivilDate(dayNumber: day)
            if date.year == year, !date.isWeekend, !taken.contains(date) { days.append(Holiday(date: date, name: name)) }
        }
        return days.sorted { $0.date < $1.date }
    }

    /// Working days after `start` up to and including `end`; negative when `end` is earlier.
    public func workingDays(from start: CivilDate, to end: CivilDate) -> Int {
        workingDaysThrough(end) - workingDaysThrough(start)
    }

    /// The date `count` working days after `date` (before it when negative). Adding 0 gives the
    /// date itself, even when it is not a working day.
    public func adding(_ count: Int, workingDaysTo date: CivilDate) -> CivilDate {
        guard count != 0 else { return date }
        let ordinal = count > 0
            ? workingDaysThrough(date) + count
            : workingDaysThrough(date.adding(days: -1)) + count + 1
        if date.dayNumber >= firstDay, date.dayNumber <= lastDay, ordinal >= 1, ordinal <= workingDayOffsets.count {
            return CivilDate(dayNumber: firstDay + Int(workingDayOffsets[ordinal - 1]))
        }
        var day = date
        var remaining = abs(count)
        while remaining > 0 {
            day = day.adding(days: count > 0 ? 1 : -1)
            if isWorkingDay(day) { remaining -= 1 }
        }
        return day
    }

    /// The first working day after `date`.
    public func nextWorkingDay(after date: CivilDate) -> CivilDate { adding(1, workingDaysTo: date) }

    /// Working days up to and including `date`, counted from the start of the index (negative
    /// before it). Only differences of this count mean anything.
    private func workingDaysThrough(_ date: CivilDate) -> Int {
        let day = date.dayNumber
        if day >= firstDay && day <= lastDay { return Int(workingDaysBefore[day - firstDay + 1]) }
        if day > lastDay {
            return Int(workingDaysBefore[lastDay - firstDay + 1]) + slowCount(after: lastDay, through: day)
        }
        return -slowCount(after: day, through: firstDay - 1)
    }

    /// Working days in `(after, through]` by weekday arithmetic less the weekday holidays and closures.
    private func slowCount(after: Int, through: Int) -> Int {
        guard through > after else { return 0 }
        let start = CivilDate(dayNumber: after + 1), end = CivilDate(dayNumber: through)
        var count = end.adding(days: 1).weekdaysBefore - start.weekdaysBefore
        var daysOff = Set<Int>()
        for year in start.year...end.year {
            for holiday in BankHolidays.of(nation, in: year) where !holiday.date.isWeekend { daysOff.insert(holiday.date.dayNumber) }
        }
        for (day, _) in closures where !CivilDate(dayNumber: day).isWeekend { daysOff.insert(day) }
        count -= daysOff.filter { $0 > after && $0 <= through }.count
        return count
    }
}
