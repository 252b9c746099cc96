/// The part of the United Kingdom whose bank holidays a council keeps. Each council chooses one.
public enum Nation: String, CaseIterable, Sendable {
    case englandAndWales = "england-and-wales"
    case scotland
    case northernIreland = "northern-ireland"

    public var label: String {
        switch self {
        case .englandAndWales: "England and Wales"
        case .scotland: "Scotland"
        case .northernIreland: "Northern Ireland"
        }
    }
}

/// A day off: a bank holiday (or its substitute day) or a council closure day.
public struct Holiday: Hashable, Sendable {
    public let date: CivilDate
    public let name: String

    public init(date: CivilDate, name: String) {
        self.date = date
        self.name = name
    }
}

/// Bank holidays computed by rule for any year, as the Banking and Financial Dealings Act 1971
/// and the proclamations under it set them, from 1978 (when the early May holiday began):
///
/// - A fixed-date holiday that falls on a Saturday or Sunday is observed on the next weekday not
///   already a holiday (its "substitute day"): Christmas Day on a Saturday moves to Monday 27th
///   and Boxing Day to Tuesday 28th; Christmas on a Sunday leaves Boxing Day on Monday 26th and
///   moves Christmas to Tuesday 27th. Scotland's 1 and 2 January pair moves the same way.
/// - Easter follows the Gregorian computus. Easter Monday is not a holiday in Scotland.
/// - Early May is the first Monday of May, spring the last Monday of May; the summer holiday is
///   the last Monday of August, but the first Monday of August in Scotland.
/// - Scotland adds 2 January and St Andrew's Day (30 November, from 2007); Northern Ireland
///   adds St Patrick's Day (17 March) and the Battle of the Boyne (12 July).
/// - Proclaimed exceptions: early May moved to 8 May in 1995 and 2020; spring moved for the
///   jubilees of 2002, 2012 and 2022; one-off holidays for the 1981 and 2011 royal weddings, the
///   millennium, the jubilees, the Queen's state funeral and the coronation.
///
/// Only the days actually off are returned: a holiday on a weekend appears as its substitute day.
public enum BankHolidays {
    public static func of(_ nation: Nation, in year: Int) -> [Holiday] {
        var days: [Holiday] = []
        func on(_ month: Int, _ day: Int) -> CivilDate { CivilDate(year: year, month: month, day: day)! }

        switch nation {
        case .scotland:
            days += pair(on(1, 1), "New Year's Day", "2nd January")
        case .englandAndWales, .northernIreland:
            days += single(on(1, 1), "New Year's Day")
        }
        if nation == .northernIreland { days += single(on(3, 17), "St Patrick's Day") }

        let easter = easterSunday(year)
        days.append(Holiday(date: easter.adding(days: -2), name: "Good Friday"))
        if nation != .scotland { days.append(Holiday(date: easter.adding(days: 1), name: "Easter Monday")) }

        if year >= 1978 {
            let earlyMay: CivilDate = switch year {
            case 1995, 2020: on(5, 8)
            default: firstMonday(year, 5)
            }
            days.append(Holiday(date: earlyMay, name: "Early May bank holiday"))
        }
        let spring: CivilDate = switch year {
        case 2002: on(6, 4)
        case 2012: on(6, 4)
        case 2022: on(6, 2)
        default: lastMonday(year, 5)
        }
        days.append(Holiday(date: spring, name: "Spring bank holiday"))

        if nation == .northernIreland { days += single(on(7, 12), "Battle of the Boyne (Orangemen's Day)") }
        let summer = nation == .scotland ? firstMonday(year, 8) : lastMonday(year, 8)
        days.append(Holiday(date: summer, name: "Summer bank holiday"))
        if nation == .scotland && year >= 2007 { days += single(on(11, 30), "St Andrew's Day") }

        days += pair(on(12, 25), "Christmas Day", "Boxing Day")

        for (date, name) in oneOffs where date.year == year {
            days.append(Holiday(date: date, name: name))
        }
        return days.sorted { $0.date < $1.date }
    }

    /// Holidays proclaimed for one year only, in every nation.
    static let oneOffs: [(CivilDate, String)] = [
        (CivilDate(year: 1977, month: 6, day: 7)!, "Silver Jubilee of Queen Elizabeth II"),
        (CivilDate(year: 1981, month: 7, day: 29)!, "Royal wedding"),
        (CivilDate(year: 1999, month: 12, day: 31)!, "Millennium celebrations"),
        (CivilDate(year: 2002, month: 6, day: 3)!, "Golden Jubilee of Queen Elizabeth II"),
        (CivilDate(year: 2011, month: 4, day: 29)!, "Royal wedding"),
        (CivilDate(year: 2012, month: 6, day: 5)!, "Diamond Jubilee of Queen Elizabeth II"),
        (CivilDate(year: 2022, month: 6, day: 3)!, "Platinum Jubilee of Queen Elizabeth II"),
        (CivilDate(year: 2022, month: 9, day: 19)!, "State Funeral of Queen Elizabeth II"),
        (CivilDate(year: 2023, month: 5, day: 8)!, "Coronation of King Charles III"),
    ]

    /// A fixed-date holiday, or its substitute on the Monday after a weekend.
    static func single(_ date: CivilDate, _ name: String) -> [Holiday] {
        switch date.weekday {
        case .saturday: [Holiday(date: date.adding(days: 2), name: "\(name) (substitute day)")]
        case .sunday: [Holiday(date: date.adding(days: 1), name: "\(name) (substitute day)")]
        default: [Holiday(date: date, name: name)]
        }
    }

    /// Two fixed-date holidays on consecutive days (25 and 26 December; 1 and 2 January in
    /// Scotland). Substitutes go to the first weekdays after the weekend that neither takes.
    static func pair(_ first: CivilDate, _ firstName: String, _ secondName: String) -> [Holiday] {
        let second = first.adding(days: 1)
        switch first.weekday {
        case .friday:
            return [Holiday(date: first, name: firstName),
                    Holiday(date: first.adding(days: 3), name: "\(secondName) (substitute day)")]
        case .saturday:
            return [Holiday(date: first.adding(days: 2), name: "\(firstName) (substitute day)"),
                    Holiday(date: first.adding(days: 3), name: "\(secondName) (substitute day)")]
        case .sunday:
            return [Holiday(date: second, name: secondName),
                    Holiday(date: first.adding(days: 2), name: "\(firstName) (substitute day)")]
        default:
            return [Holiday(date: first, name: firstName), Holiday(date: second, name: secondName)]
        }
    }

    /// Easter Sunday in the Gregorian calendar (the anonymous algorithm of 1876).
    public static func easterSunday(_ year: Int) -> CivilDate {
        let a = year % 19, b = year / 100, c = year % 100
        let d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3
        let h = (19 * a + b - d - g + 15) % 30
        let i = c / 4, k = c % 4
        let l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        let month = (h + l - 7 * m + 114) / 31
        let day = (h + l - 7 * m + 114) % 31 + 1
        return CivilDate(year: year, month: month, day: day)!
    }

    static func firstMonday(_ year: Int, _ month: Int) -> CivilDate {
        let first = CivilDate(year: year, month: month, day: 1)!
        return first.adding(days: (8 - first.weekday.rawValue) % 7)
    }

    static func lastMonday(_ year: Int, _ month: Int) -> CivilDate {
        let last = CivilDate(year: year, month: month, day: CivilDate.daysIn(month: month, year: year))!
        return last.adding(days: -((last.weekday.rawValue - 1) % 7))
    }
}
