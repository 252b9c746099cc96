import Foundation
import PortalCore
import Testing

private func day(_ iso: String) -> CivilDate { CivilDate(iso: iso)! }

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
        let calendar = WorkingCalendar(closures: [Holiday(date: day("2027-12-29"), name: "Closure"),
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
}

@Suite struct WorkingDayClockTests {
    let clock = WorkingDayClock(calendar: WorkingCalendar(nation: .englandAndWales))

    /// An instant given in UTC, as the database stores it.
    func utc(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    @Test func fridayEveningCountsFromMonday() {
        let friday = utc("2026-03-06T18:00:00Z")
        #expect(clock.receivedDay(friday) == day("2026-03-09"))
        #expect(clock.deadline(workingDays: 10, receivedAt: friday) == day("2026-03-23"))
        // 28 working days cross Good Friday and Easter Monday 2026.
        #expect(clock.deadline(workingDays: 28, receivedAt: friday) == day("2026-04-20"))
        // One minute before the close counts Friday itself.
        #expect(clock.deadline(workingDays: 10, receivedAt: utc("2026-03-06T16:59:00Z")) == day("2026-03-20"))
    }

    @Test func bankHolidayCountsFromTheNextWorkingDay() {
        let easterMonday = utc("2026-04-06T09:00:00Z")
        #expect(clock.receivedDay(easterMonday) == day("2026-04-07"))
        #expect(clock.deadline(workingDays: 10, receivedAt: easterMonday) == day("2026-04-21"))
    }

    @Test func christmasEve() {
        #expect(clock.deadline(workingDays: 10, receivedAt: utc("2026-12-24T10:00:00Z")) == day("2027-01-12"))
        #expect(clock.deadline(workingDays: 10, receivedAt: utc("2026-12-24T17:30:00Z")) == day("2027-01-13"))
        let closed = WorkingDayClock(calendar: WorkingCalendar(closures: ["2026-12-29", "2026-12-30", "2026-12-31"].map {
            Holiday(date: day($0), name: "Council closure")
        }))
        #expect(closed.deadline(workingDays: 10, receivedAt: utc("2026-12-24T10:00:00Z")) == day("2027-01-15"))
    }

    @Test func clockChangesInMarchAndOctober() {
        // Friday before the spring change: 16:30 GMT is before the close.
        #expect(clock.receivedDay(utc("2026-03-27T16:30:00Z")) == day("2026-03-27"))
        // Monday after it: 15:30 UTC is 16:30 BST, before the close; 16:30 UTC is 17:30 BST, after it.
        #expect(clock.receivedDay(utc("2026-03-30T15:30:00Z")) == day("2026-03-30"))
        #expect(clock.receivedDay(utc("2026-03-30T16:30:00Z")) == day("2026-03-31"))
        #expect(clock.deadline(workingDays: 10, receivedAt: utc("2026-03-30T16:30:00Z")) == day("2026-04-16"))
        // Autumn: 16:30 UTC on the Friday before is 17:30 BST, after the close; on the Monday after, 16:30 GMT, before it.
        #expect(clock.deadline(workingDays: 10, receivedAt: utc("2026-10-23T16:30:00Z")) == day("2026-11-09"))
        #expect(clock.deadline(workingDays: 10, receivedAt: utc("2026-10-26T16:30:00Z")) == day("2026-11-09"))
        // Half past midnight in summer is already the next day in London.
        #expect(clock.localDate(of: utc("2026-06-30T23:30:00Z")) == day("2026-07-01"))
        #expect(clock.startOfDay(day("2026-07-01")) == utc("2026-06-30T23:00:00Z"))
        #expect(clock.startOfDay(day("2026-10-25")) == utc("2026-10-24T23:00:00Z"))
        #expect(clock.startOfDay(day("2026-10-26")) == utc("2026-10-26T00:00:00Z"))
    }

    @Test func workingDaysTaken() {
        let received = utc("2026-03-06T18:00:00Z")  // counts from Monday 9 March
        #expect(clock.workingDaysTaken(from: received, to: utc("2026-03-07T10:00:00Z")) == 0)
        #expect(clock.workingDaysTaken(from: received, to: utc("2026-03-09T16:00:00Z")) == 0)
        #expect(clock.workingDaysTaken(from: received, to: utc("2026-03-10T08:00:00Z")) == 1)
        #expect(clock.workingDaysTaken(from: received, to: utc("2026-03-23T22:00:00Z")) == 10)
    }

    @Test func workingHours() {
        #expect(clock.isWorkingHours(utc("2026-11-23T09:00:00Z")))
        #expect(!clock.isWorkingHours(utc("2026-11-23T08:59:00Z")))
        #expect(!clock.isWorkingHours(utc("2026-11-23T17:00:00Z")))
        #expect(!clock.isWorkingHours(utc("2026-11-21T12:00:00Z")))  // Saturday
        #expect(!clock.isWorkingHours(utc("2026-12-28T12:00:00Z")))  // substitute Boxing Day
        #expect(clock.isWorkingHours(utc("2026-07-01T08:30:00Z")))   // 09:30 BST
        #expect(!clock.isWorkingHours(utc("2026-07-01T16:30:00Z")))  // 17:30 BST
    }

    @Test func standings() {
        let due = day("2026-11-25")  // a Wednesday
        #expect(clock.standing(of: due, at: utc("2026-11-23T12:00:00Z")) == .dueIn(2))
        #expect(clock.standing(of: due, at: utc("2026-11-23T12:00:00Z")).isAtRisk)
        #expect(clock.standing(of: due, at: utc("2026-11-20T12:00:00Z")) == .dueIn(3))
        #expect(!clock.standing(of: due, at: utc("2026-11-20T12:00:00Z")).isAtRisk)
        #expect(clock.standing(of: due, at: utc("2026-11-25T23:30:00Z")) == .dueToday)
        #expect(clock.standing(of: due, at: utc("2026-11-26T00:30:00Z")) == .overdue(1))
        #expect(clock.standing(of: day("2026-11-27"), at: utc("2026-11-28T10:00:00Z")) == .overdue(0))
        #expect(DeadlineStanding.overdue(3).words == "overdue by 3 working days")
        #expect(DeadlineStanding.dueIn(1).words == "due in 1 working day")
        #expect(DeadlineStanding.dueToday.words == "due today")
    }

    @Test func policiesPreferTheMostSpecific() {
        let area = UUID(), type = UUID(), otherArea = UUID(), otherType = UUID()
        let policies = ServiceLevelPolicies([
            .init(serviceAreaID: nil, typeID: nil): .init(firstResponseDays: 8, completionDays: 20),
            .init(serviceAreaID: area, typeID: nil): .init(firstResponseDays: 5, completionDays: 15),
            .init(serviceAreaID: nil, typeID: type): .init(firstResponseDays: 2, completionDays: 10),
            .init(serviceAreaID: area, typeID: type): .init(firstResponseDays: 1, completionDays: 3),
        ])
        #expect(policies.level(serviceArea: area, type: type).firstResponseDays == 1)
        #expect(policies.level(serviceArea: otherArea, type: type).firstResponseDays == 2)
        #expect(policies.level(serviceArea: area, type: otherType).firstResponseDays == 5)
        #expect(policies.level(serviceArea: otherArea, type: otherType).firstResponseDays == 8)
        #expect(ServiceLevelPolicies().level(serviceArea: area, type: type) == .standard)
    }

    @Test func validatesAdministratorInput() throws {
        #expect(try ServiceLevel.validate(firstResponse: " 5 ", completion: "20").get() == .init(firstResponseDays: 5, completionDays: 20))
        if case .failure(let errors) = ServiceLevel.validate(firstResponse: "", completion: "abc") {
            #expect(errors["firstResponseDays"] != nil)
            #expect(errors["completionDays"] != nil)
        } else { Issue.record("empty and non-numeric accepted") }
        if case .failure(let errors) = ServiceLevel.validate(firstResponse: "12", completion: "10") {
            #expect(errors["completionDays"]?.contains("shorter") == true)
        } else { Issue.record("completion shorter than first response accepted") }
        #expect((try? ServiceLevel.validate(firstResponse: "0", completion: "401").get()) == nil)
    }
}
