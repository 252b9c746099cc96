import Foundation
@testable import PortalServer
import Testing
import VaporTesting

@Suite struct AuditTimestampTests {
    @Test func theTrailsTimestampsReadAsFoundationReadsThem() throws {
        let strategy = Date.ISO8601FormatStyle.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted)
        var instant = Date(timeIntervalSince1970: 1_700_000_000.125)
        for _ in 0..<500 {
            let recorded = instant.formatted(strategy)
            let parsed = try #require(AuditTimestamp.utc(recorded), "\(recorded)")
            #expect(abs(parsed.timeIntervalSince(try Date(recorded, strategy: strategy))) < 0.0005, "\(recorded)")
            instant.addTimeInterval(86_400 * 3.3 + 0.517)
        }
        #expect(AuditTimestamp.utc("2026-03-03T14:05:09Z") == Date(timeIntervalSince1970: 1_772_546_709))
        for bad in ["", "2026-03-03", "2026-03-03T14:05:09", "2026-03-03T14:05:09+0100", "2026-13-03T14:05:09Z", "2026-03-03T1a:05:09Z", "2026-03-03T14:05:09.Z"] {
            #expect(AuditTimestamp.utc(bad) == nil, "\(bad)")
        }
        #expect(AuditTimestamp.display("not a time") == "not a time")
    }
}
