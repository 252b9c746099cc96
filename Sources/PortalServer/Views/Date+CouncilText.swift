import Foundation
import PortalCore

extension Date {
    private static let monthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                                     "November", "December"]
    private static let shortMonthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// "3 March 2026 at 14:05" in the council's time zone.
    var councilText: String {
        let (date, minutes) = CouncilTime.local(self)
        let hour = minutes / 60, minute = minutes % 60
        return "\(date.day) \(Self.monthNames[date.month - 1]) \(date.year) at \(hour < 10 ? "0" : "")\(hour):\(minute < 10 ? "0" : "")\(minute)"
    }

    /// "3 Mar 2026" in the council's time zone.
    var councilDate: String {
        let date = CouncilTime.local(self).date
        return "\(date.day) \(Self.shortMonthNames[date.month - 1]) \(date.year)"
    }
}
