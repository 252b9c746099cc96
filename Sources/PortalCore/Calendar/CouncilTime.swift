import Foundation

/// An instant as the council's clocks show it (Europe/London), read from the offset table rather
/// than a Foundation calendar: list pages show a date on every row.
public enum CouncilTime {
    /// The council's clock, for its time zone alone (working days play no part here).
    private static let clock = WorkingDayClock(calendar: WorkingCalendar(nation: .englandAndWales))

    /// The local date and the minutes after local midnight.
    public static func local(_ instant: Date) -> (date: CivilDate, minutes: Int) {
        (clock.localDate(of: instant), clock.localMinutes(of: instant))
    }

    /// The month an instant falls in, locally, as the `YYYY-MM-01` of its first day: how enquiries
    /// are grouped by month raised.
    public static func month(of instant: Date) -> String {
        clock.localDate(of: instant).firstOfMonth.iso
    }

    /// The instant a local day begins.
    public static func startOfDay(_ date: CivilDate) -> Date { clock.startOfDay(date) }
}
