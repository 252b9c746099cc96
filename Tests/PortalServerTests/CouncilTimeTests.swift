import Foundation
@testable import PortalServer
import Testing
import VaporTesting

@Suite struct CouncilTimeTests {
    @Test func datesReadAsFoundationFormatsThemInLondon() {
        #expect(Date(timeIntervalSince1970: 1_782_870_300).councilText == "1 July 2026 at 02:45")
        #expect(Date(timeIntervalSince1970: 1_789_000_000).councilDate == "10 Sep 2026")
        var long = Date.FormatStyle(date: .long, time: .shortened)
        long.timeZone = TimeZone(identifier: "Europe/London")!
        long.locale = Locale(identifier: "en_GB")
        var short = Date.FormatStyle(date: .abbreviated, time: .omitted)
        short.timeZone = long.timeZone
        short.locale = long.locale
        // Every 97 minutes for three years, across six clock changes.
        var instant = Date(timeIntervalSince1970: 1_735_689_600)
        while instant.timeIntervalSince1970 < 1_830_000_000 {
            // The same words, with the hour in two digits as UK clocks show it ("09:05", not "9:05").
            let foundation = instant.formatted(long).replacing(#/ at (\d):/#) { " at 0\($0.output.1):" }
            #expect(instant.councilText == foundation, "\(instant.timeIntervalSince1970)")
            #expect(instant.councilDate == instant.formatted(short), "\(instant.timeIntervalSince1970)")
            instant.addTimeInterval(97 * 60 + 13.5)
        }
    }
}
