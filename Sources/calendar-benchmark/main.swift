// Prints how fast the working-day calendar answers, in calls per second, on a release build:
//   scripts/benchmark-calendar
import Foundation
import PortalCore

func measure(_ name: String, calls: Int, _ body: (Int) -> Int) -> Double {
    var sink = 0
    let start = DispatchTime.now().uptimeNanoseconds
    for index in 0..<calls { sink &+= body(index) }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let rate = Double(calls) / seconds
    let padded = name.padding(toLength: 58, withPad: " ", startingAt: 0)
    print("\(padded) \(String(format: "%14.0f", rate)) calls/s   (checksum \(sink % 1000))")
    return rate
}

// The same random dates for every run: 1990 to 2150, the calendar's index.
struct Dice {
    var state: UInt64 = 0x5EED
    mutating func roll(_ bound: Int) -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int((state >> 33) % UInt64(bound))
    }
}
var dice = Dice()
let first = CivilDate(year: 1990, month: 1, day: 1)!.dayNumber
let span = CivilDate(year: 2150, month: 12, day: 31)!.dayNumber - first
let pairs = (0..<1_000_000).map { _ -> (CivilDate, CivilDate) in
    let a = first + dice.roll(span)
    return (CivilDate(dayNumber: a), CivilDate(dayNumber: min(first + span, a + dice.roll(3_000))))
}
// Instants from 2000 to 2040, when enquiries are submitted and answered.
let instants = (0..<1_000_000).map { _ in Date(timeIntervalSince1970: TimeInterval(946_684_800 + dice.roll(1_262_304_000))) }

let buildStart = DispatchTime.now().uptimeNanoseconds
let calendar = WorkingCalendar(nation: .englandAndWales,
                               closures: (2020...2040).map { Holiday(date: CivilDate(year: $0, month: 12, day: 29)!, name: "Closure") })
let buildMilliseconds = Double(DispatchTime.now().uptimeNanoseconds - buildStart) / 1e6
let clock = WorkingDayClock(calendar: calendar)
print("Working-day calendar, England and Wales, 1990–2150 indexed, 21 closure days")
print(String(format: "building the index: %.1f ms", buildMilliseconds))
print("")
let count = measure("working days between two dates (up to 8 years apart)", calls: pairs.count) { i in
    calendar.workingDays(from: pairs[i].0, to: pairs[i].1)
}
_ = measure("add N working days (N up to 60)", calls: pairs.count) { i in
    calendar.adding(i % 61, workingDaysTo: pairs[i].0).dayNumber
}
_ = measure("is a working day", calls: pairs.count) { i in calendar.isWorkingDay(pairs[i].0) ? 1 : 0 }
_ = measure("deadline: day 0 in Europe/London, then add 28", calls: instants.count) { i in
    clock.deadline(workingDays: 28, receivedAt: instants[i]).dayNumber
}
_ = measure("working days taken between two instants", calls: instants.count - 1) { i in
    clock.workingDaysTaken(from: instants[i], to: instants[i + 1])
}
// For comparison: counting one day at a time, as a calendar without an index must.
let naive = measure("the same count, walking day by day (for comparison)", calls: 20_000) { i in
    var date = pairs[i].0, total = 0
    while date < pairs[i].1 {
        date = date.adding(days: 1)
        if calendar.isWorkingDay(date) { total += 1 }
    }
    return total
}
print("")
print(String(format: "the index counts %.0f times faster than walking the days", count / naive))
