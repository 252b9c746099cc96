import Foundation

/// A time zone's offsets from UTC as a table of its transitions, built once per zone: asking
/// Foundation for the offset of each instant costs tens of microseconds on Linux, and a page of
/// fifty deadlines asks a hundred times.
final class UTCOffsets: Sendable {
    /// Seconds since 1970 at which an offset starts, ascending, and the offset from then on.
    private let starts: [Int]
    private let values: [Int]
    private let timeZone: TimeZone
    private static let covered = (CivilDate(year: 1990, month: 1, day: 1)!.dayNumber * 86_400)...(CivilDate(year: 2151, month: 1, day: 1)!.dayNumber * 86_400)

    private init(_ timeZone: TimeZone) {
        self.timeZone = timeZone
        var instant = Date(timeIntervalSince1970: TimeInterval(Self.covered.lowerBound))
        var starts = [Self.covered.lowerBound], values = [timeZone.secondsFromGMT(for: instant)]
        while let next = timeZone.nextDaylightSavingTimeTransition(after: instant), next.timeIntervalSince1970 < TimeInterval(Self.covered.upperBound) {
            starts.append(Int(next.timeIntervalSince1970))
            values.append(timeZone.secondsFromGMT(for: next))
            instant = next
        }
        self.starts = starts
        self.values = values
    }

    func seconds(at utc: Int) -> Int {
        guard Self.covered.contains(utc) else { return timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(utc))) }
        var low = 0, high = starts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if starts[middle] <= utc { low = middle } else { high = middle - 1 }
        }
        return values[low]
    }

    /// The councils' zone, built once on first use; any other zone is built for its clock.
    private static let london = UTCOffsets(WorkingDayClock.london)

    static func of(_ timeZone: TimeZone) -> UTCOffsets {
        timeZone.identifier == london.timeZone.identifier ? london : UTCOffsets(timeZone)
    }
}
