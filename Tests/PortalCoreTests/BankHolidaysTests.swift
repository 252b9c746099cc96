import PortalCore
import Testing

/// The published days off (weekday dates, substitutes included), year by year. Written out as
/// dates, not computed, so a wrong rule cannot agree with itself.
private let englandAndWales: [Int: [String]] = [
    2000: ["01-03", "04-21", "04-24", "05-01", "05-29", "08-28", "12-25", "12-26"],
    2001: ["01-01", "04-13", "04-16", "05-07", "05-28", "08-27", "12-25", "12-26"],
    2002: ["01-01", "03-29", "04-01", "05-06", "06-03", "06-04", "08-26", "12-25", "12-26"],
    2003: ["01-01", "04-18", "04-21", "05-05", "05-26", "08-25", "12-25", "12-26"],
    2004: ["01-01", "04-09", "04-12", "05-03", "05-31", "08-30", "12-27", "12-28"],
    2005: ["01-03", "03-25", "03-28", "05-02", "05-30", "08-29", "12-26", "12-27"],
    2006: ["01-02", "04-14", "04-17", "05-01", "05-29", "08-28", "12-25", "12-26"],
    2007: ["01-01", "04-06", "04-09", "05-07", "05-28", "08-27", "12-25", "12-26"],
    2008: ["01-01", "03-21", "03-24", "05-05", "05-26", "08-25", "12-25", "12-26"],
    2009: ["01-01", "04-10", "04-13", "05-04", "05-25", "08-31", "12-25", "12-28"],
    2010: ["01-01", "04-02", "04-05", "05-03", "05-31", "08-30", "12-27", "12-28"],
    2011: ["01-03", "04-22", "04-25", "04-29", "05-02", "05-30", "08-29", "12-26", "12-27"],
    2012: ["01-02", "04-06", "04-09", "05-07", "06-04", "06-05", "08-27", "12-25", "12-26"],
    2013: ["01-01", "03-29", "04-01", "05-06", "05-27", "08-26", "12-25", "12-26"],
    2014: ["01-01", "04-18", "04-21", "05-05", "05-26", "08-25", "12-25", "12-26"],
    2015: ["01-01", "04-03", "04-06", "05-04", "05-25", "08-31", "12-25", "12-28"],
    2016: ["01-01", "03-25", "03-28", "05-02", "05-30", "08-29", "12-26", "12-27"],
    2017: ["01-02", "04-14", "04-17", "05-01", "05-29", "08-28", "12-25", "12-26"],
    2018: ["01-01", "03-30", "04-02", "05-07", "05-28", "08-27", "12-25", "12-26"],
    2019: ["01-01", "04-19", "04-22", "05-06", "05-27", "08-26", "12-25", "12-26"],
    2020: ["01-01", "04-10", "04-13", "05-08", "05-25", "08-31", "12-25", "12-28"],
    2021: ["01-01", "04-02", "04-05", "05-03", "05-31", "08-30", "12-27", "12-28"],
    2022: ["01-03", "04-15", "04-18", "05-02", "06-02", "06-03", "08-29", "09-19", "12-26", "12-27"],
    2023: ["01-02", "04-07", "04-10", "05-01", "05-08", "05-29", "08-28", "12-25", "12-26"],
    2024: ["01-01", "03-29", "04-01", "05-06", "05-27", "08-26", "12-25", "12-26"],
    2025: ["01-01", "04-18", "04-21", "05-05", "05-26", "08-25", "12-25", "12-26"],
    2026: ["01-01", "04-03", "04-06", "05-04", "05-25", "08-31", "12-25", "12-28"],
    2027: ["01-01", "03-26", "03-29", "05-03", "05-31", "08-30", "12-27", "12-28"],
    2028: ["01-03", "04-14", "04-17", "05-01", "05-29", "08-28", "12-25", "12-26"],
    2029: ["01-01", "03-30", "04-02", "05-07", "05-28", "08-27", "12-25", "12-26"],
    2030: ["01-01", "04-19", "04-22", "05-06", "05-27", "08-26", "12-25", "12-26"],
]

private let scotland: [Int: [String]] = [
    2000: ["01-03", "01-04", "04-21", "05-01", "05-29", "08-07", "12-25", "12-26"],
    2019: ["01-01", "01-02", "04-19", "05-06", "05-27", "08-05", "12-02", "12-25", "12-26"],
    2020: ["01-01", "01-02", "04-10", "05-08", "05-25", "08-03", "11-30", "12-25", "12-28"],
    2021: ["01-01", "01-04", "04-02", "05-03", "05-31", "08-02", "11-30", "12-27", "12-28"],
    2022: ["01-03", "01-04", "04-15", "05-02", "06-02", "06-03", "08-01", "09-19", "11-30", "12-26", "12-27"],
    2023: ["01-02", "01-03", "04-07", "05-01", "05-08", "05-29", "08-07", "11-30", "12-25", "12-26"],
    2024: ["01-01", "01-02", "03-29", "05-06", "05-27", "08-05", "12-02", "12-25", "12-26"],
]

private let northernIreland: [Int: [String]] = [
    2019: ["01-01", "03-18", "04-19", "04-22", "05-06", "05-27", "07-12", "08-26", "12-25", "12-26"],
    2020: ["01-01", "03-17", "04-10", "04-13", "05-08", "05-25", "07-13", "08-31", "12-25", "12-28"],
    2021: ["01-01", "03-17", "04-02", "04-05", "05-03", "05-31", "07-12", "08-30", "12-27", "12-28"],
    2022: ["01-03", "03-17", "04-15", "04-18", "05-02", "06-02", "06-03", "07-12", "08-29", "09-19", "12-26", "12-27"],
    2023: ["01-02", "03-17", "04-07", "04-10", "05-01", "05-08", "05-29", "07-12", "08-28", "12-25", "12-26"],
    2024: ["01-01", "03-18", "03-29", "04-01", "05-06", "05-27", "07-12", "08-26", "12-25", "12-26"],
]

private func computed(_ nation: Nation, _ year: Int) -> [String] {
    BankHolidays.of(nation, in: year).map { String($0.date.iso.dropFirst(5)) }
}

@Suite struct BankHolidaysTests {
    @Test(arguments: 2000...2030)
    func englandAndWalesMatchesThePublishedDates(year: Int) throws {
        #expect(computed(.englandAndWales, year) == (try #require(englandAndWales[year])))
    }

    @Test(arguments: [2000, 2019, 2020, 2021, 2022, 2023, 2024])
    func scotlandMatchesThePublishedDates(year: Int) throws {
        #expect(computed(.scotland, year) == (try #require(scotland[year])))
    }

    @Test(arguments: 2019...2024)
    func northernIrelandMatchesThePublishedDates(year: Int) throws {
        #expect(computed(.northernIreland, year) == (try #require(northernIreland[year])))
    }

    @Test func christmasAndBoxingDayBothAtTheWeekendMoveToMondayAndTuesday() {
        // 2021 and 2027: Christmas on a Saturday.
        for year in [2021, 2027] {
            let christmas = BankHolidays.of(.englandAndWales, in: year).filter { $0.date.month == 12 }
            #expect(christmas.map(\.date.iso) == ["\(year)-12-27", "\(year)-12-28"])
            #expect(christmas.map(\.name) == ["Christmas Day (substitute day)", "Boxing Day (substitute day)"])
        }
        // 2022: Christmas on a Sunday: Boxing Day keeps Monday, Christmas takes Tuesday.
        let sunday = BankHolidays.of(.englandAndWales, in: 2022).filter { $0.date.month == 12 }
        #expect(sunday.map(\.name) == ["Boxing Day", "Christmas Day (substitute day)"])
    }

    @Test func namesTheOneOffHolidays() {
        let names = Set((1999...2023).flatMap { BankHolidays.of(.englandAndWales, in: $0) }.map(\.name))
        for name in ["Millennium celebrations", "Royal wedding", "Golden Jubilee of Queen Elizabeth II",
                     "State Funeral of Queen Elizabeth II", "Coronation of King Charles III"] {
            #expect(names.contains(name))
        }
    }

    @Test func easterSundays() {
        let known = ["2000-04-23", "2008-03-23", "2011-04-24", "2019-04-21", "2038-04-25", "2285-03-22"]
        for iso in known {
            let date = CivilDate(iso: iso)!
            #expect(BankHolidays.easterSunday(date.year) == date)
        }
    }

    @Test func civilDatesRoundTrip() {
        #expect(CivilDate(iso: "1970-01-01")?.dayNumber == 0)
        #expect(CivilDate(iso: "1970-01-01")?.weekday == .thursday)
        #expect(CivilDate(iso: "2026-11-23")?.weekday == .monday)
        #expect(CivilDate(iso: "2024-02-29") != nil)
        #expect(CivilDate(iso: "2023-02-29") == nil)
        #expect(CivilDate(iso: "2023-13-01") == nil)
        #expect(CivilDate(iso: "2023-1-01") == nil)
        #expect(CivilDate(iso: "../../etc") == nil)
        for bad in ["", "2023-01-011", "2023-01-0a", "2023/01/01", "2023-01-01 ", "+023-01-01", "２０２３-01-01"] {
            #expect(CivilDate(iso: bad) == nil, "\(bad)")
        }
        #expect(CivilDate(iso: "2026-11-24"[...])?.iso == "2026-11-24")
        #expect(CivilDate(iso: "2026-12-31")?.firstOfNextMonth.iso == "2027-01-01")
        #expect(CivilDate(iso: "2024-02-29")?.firstOfMonth.iso == "2024-02-01")
        #expect(CivilDate(iso: "2024-01-31")?.firstOfNextMonth.iso == "2024-02-01")
        for day in stride(from: -800_000, through: 800_000, by: 997) {
            let date = CivilDate(dayNumber: day)
            #expect(CivilDate(year: date.year, month: date.month, day: date.day) == date)
        }
    }
}
