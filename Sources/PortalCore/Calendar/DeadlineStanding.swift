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
