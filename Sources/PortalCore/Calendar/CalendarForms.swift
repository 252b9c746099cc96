/// What an administrator types to add a closure day, checked against the calendar it joins.
public enum ClosureDayForm {
    public static let maxNameLength = 100

    public static func validate(day text: String, name: String, calendar: WorkingCalendar) -> Result<Holiday, FormErrors> {
        var errors = FormErrors()
        let trimmedDay = text.trimmingWhitespace()
        let date = CivilDate(iso: trimmedDay)
        if trimmedDay.isEmpty {
            errors.add("day", "Enter the date the council is closed")
        } else if let date {
            if !calendar.indexedYears.contains(date.year) {
                errors.add("day", "Enter a date between \(calendar.indexedYears.lowerBound) and \(calendar.indexedYears.upperBound)")
            } else if let reason = calendar.reasonClosed(date) {
                errors.add("day", "\(date.longText) is already not a working day (\(reason))")
            }
        } else {
            errors.add("day", "Enter the date as year-month-day, for example 2026-12-29")
        }
        let label = errors.requireText(name, field: "name", name: "a name for the closure, for example \"Christmas closure\"", maxLength: maxNameLength)
        guard errors.isEmpty, let date else { return .failure(errors) }
        return .success(Holiday(date: date, name: label))
    }
}

/// The council's working day as an administrator sets it: its nation and its hours.
public enum WorkingDayForm {
    public struct Valid: Equatable, Sendable {
        public let nation: Nation
        public let opensAt: Int
        public let closesAt: Int
    }

    /// Minutes after midnight from "HH:MM" (24-hour), or nil.
    public static func minutes(_ text: String) -> Int? {
        let parts = text.trimmingWhitespace().split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1].count == 2, (1...2).contains(parts[0].count),
              let hours = RequestNumber.parse(String(parts[0]), in: 0...23), let minutes = RequestNumber.parse(String(parts[1]), in: 0...59)
        else { return nil }
        return hours * 60 + minutes
    }

    /// "09:00" from minutes after midnight.
    public static func text(_ minutes: Int) -> String {
        let hours = minutes / 60, rest = minutes % 60
        return "\(hours < 10 ? "0" : "")\(hours):\(rest < 10 ? "0" : "")\(rest)"
    }

    public static func validate(nation: String, opens: String, closes: String) -> Result<Valid, FormErrors> {
        var errors = FormErrors()
        let chosen = Nation(rawValue: nation)
        if chosen == nil { errors.add("nation", "Choose whose bank holidays the council keeps") }
        let open = minutes(opens), close = minutes(closes)
        if open == nil { errors.add("opensAt", "Enter the opening time as hours and minutes, for example 09:00") }
        if close == nil { errors.add("closesAt", "Enter the closing time as hours and minutes, for example 17:00") }
        if let open, let close, close <= open { errors.add("closesAt", "The working day must close after it opens (\(text(open)))") }
        guard errors.isEmpty, let chosen, let open, let close else { return .failure(errors) }
        return .success(Valid(nation: chosen, opensAt: open, closesAt: close))
    }
}
