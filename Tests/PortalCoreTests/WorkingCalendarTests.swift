import Foundation
import PortalCore
import Testing

/// Counting one day at a time: slow, obviously right, and the reference the index must match.
private func naiveCount(_ calendar: WorkingCalendar, from start: CivilDate, to end: CivilDate) -> Int {
    if end < start { return -naiveCount(calendar, from: end, to: start) }
    var count = 0
    var date = start
    while date < end {
        date = date.adding(days: 1)
        if calendar.isWorkingDay(date) { count += 1 }
    }
    return count
}

@Suite struct WorkingCalendarTests {
    let calendar = WorkingCalendar(nation: .englandAndWales)

    @Test func weekendsHolidaysAndClosuresAreNotWorkingDays() {
        #expect(calendar.isWorkingDay(day("2026-11-23")))
        #expect(calendar.reasonClosed(day("2026-11-21")) == "Saturday")
        #expect(calendar.reasonClosed(day("2026-12-28")) == "Boxing Day (substitute day)")
        let closed = WorkingCalendar(closures: [Holiday(date: day("2026-12-29"), name: "Council closure")])
        #expect(closed.reasonClosed(day("2026-12-29")) == "Council closure")
        #expect(calendar.isWorkingDay(day("2026-12-29")))
        #expect(closed.daysOff(in: 2026).map(\.date.iso).suffix(3) == ["2026-12-25", "2026-12-28", "2026-12-29"])
    }

    @Test func addsWorkingDaysOverChristmas() {
        #expect(calendar.adding(10, workingDaysTo: day("2026-12-24")) == day("2027-01-12"))
        #expect(calendar.adding(0, workingDaysTo: day("2026-12-26")) == day("2026-12-26"))
        #expect(calendar.adding(1, workingDaysTo: day("2026-12-24")) == day("2026-12-29"))
        #expect(calendar.adding(-1, workingDaysTo: day("2026-12-29")) == day("2026-12-24"))
        #expect(calendar.adding(-1, workingDaysTo: day("2026-12-27")) == day("2026-12-24"))
        let closures = ["2026-12-29", "2026-12-30", "2026-12-31"].map { Holiday(date: day($0), name: "Council closure") }
        let closed = WorkingCalendar(closures: closures)
        #expect(closed.adding(10, workingDaysTo: day("2026-12-24")) == day("2027-01-15"))
        #expect(closed.workingDays(from: day("2026-12-24"), to: day("2027-01-04")) == 1)
    }

    @Test func countsBetweenDates() {
        #expect(calendar.workingDays(from: day("2026-11-23"), to: day("2026-11-23")) == 0)
        #expect(calendar.workingDays(from: day("2026-11-20"), to: day("2026-11-23")) == 1)
        #expect(calendar.workingDays(from: day("2026-11-23"), to: day("2026-11-20")) == -1)
        // 2026 has 261 weekdays, 8 of them bank holidays.
        #expect(calendar.workingDays(from: day("2025-12-31"), to: day("2026-12-31")) == 253)
    }

    @Test func addingThenCountingGivesBackTheNumber() {
        var random = SeededRandom(seed: 20_261_123)
        let calendars = [calendar, WorkingCalendar(nation: .scotland), WorkingCalendar(nation: .northernIreland),
                         WorkingCalendar(closures: [Holiday(date: day("2030-12-31"), name: "Closure")])]
        for _ in 0..<4000 {
            let calendar = calendars.randomElement(using: &random)!
            // Mostly inside the index, sometimes beyond it on either side.
            let start = CivilDate(dayNumber: Int.random(in: 2_000...75_000, using: &random))
            let count = Int.random(in: -80...80, using: &random)
            let end = calendar.adding(count, workingDaysTo: start)
            // Going back from a day off, the first working day back is counted from that day off.
            let expected = count < 0 && !calendar.isWorkingDay(start) ? count + 1 : count
            #expect(calendar.workingDays(from: start, to: end) == expected, "start \(start) count \(count) end \(end)")
            if count != 0 { #expect(calendar.isWorkingDay(end)) }
        }
    }

    @Test func countsAreAdditiveAndMatchCountingDayByDay() {
        var random = SeededRandom(seed: 7)
        let calendar = WorkingCalendar(nation: .englandAndWales, closures: [Holiday(date: day("2027-12-29"), name: "Closure"),
                                                  Holiday(date: day("1985-05-10"), name: "Old closure")],
                                       indexedYears: 1990...2150)
        for _ in 0..<600 {
            let days = (0..<3).map { _ in Int.random(in: 4_000...68_000, using: &random) }.sorted()
            let (a, b, c) = (CivilDate(dayNumber: days[0]), CivilDate(dayNumber: days[1]), CivilDate(dayNumber: days[2]))
            #expect(calendar.workingDays(from: a, to: b) + calendar.workingDays(from: b, to: c) == calendar.workingDays(from: a, to: c))
            if c - a < 400 { #expect(calendar.workingDays(from: a, to: c) == naiveCount(calendar, from: a, to: c)) }
        }
        // Across the edges of the index, where the slow path takes over.
        for (from, to) in [("1985-01-01", "1991-03-01"), ("2149-11-20", "2151-02-03"), ("1985-05-01", "1985-06-01")] {
            #expect(calendar.workingDays(from: day(from), to: day(to)) == naiveCount(calendar, from: day(from), to: day(to)))
        }
    }

    /// The calendars the portal uses are its nation's bank holidays with the closure days taken
    /// out; they must answer exactly as a calendar built day by day with the same closures.
    @Test(arguments: Nation.allCases) func closingDaysInTheStandardIndexMatchesBuildingItDayByDay(nation: Nation) {
        var random = SeededRandom(seed: 11)
        for _ in 0..<4 {
            // Closures on weekdays, weekends, bank holidays, twice on one day, and outside the index.
            var closures = (0..<12).map { index in
                Holiday(date: CivilDate(dayNumber: Int.random(in: 3_000...70_000, using: &random)), name: "Closure \(index)")
            }
            closures.append(Holiday(date: day("2026-12-25"), name: "Christmas closure"))
            closures.append(closures[0])
            let derived = WorkingCalendar(nation: nation, closures: closures)
            let built = WorkingCalendar(nation: nation, closures: closures, indexedYears: WorkingCalendar.standardYears)
            for _ in 0..<500 {
                let a = CivilDate(dayNumber: Int.random(in: 3_000...70_000, using: &random))
                let b = CivilDate(dayNumber: Int.random(in: 3_000...70_000, using: &random))
                let count = Int.random(in: -400...400, using: &random)
                #expect(derived.workingDays(from: a, to: b) == built.workingDays(from: a, to: b))
                #expect(derived.adding(count, workingDaysTo: a) == built.adding(count, workingDaysTo: a))
                #expect(derived.reasonClosed(a) == built.reasonClosed(a))
            }
            for closure in closures { #expect(derived.reasonClosed(closure.date) == built.reasonClosed(closure.date)) }
        }
    }
}
