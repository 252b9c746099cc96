import Foundation
import PortalCore
@testable import PortalServer
import Testing

/// Nothing in the portal reads the machine's clock except through `PortalClock`, which the
/// application is given when it is configured.
@Suite struct ClockSourceTests {
    @Test func onlyThePortalClockReadsTheTime() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources")
        let enumerator = try #require(FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil))
        var offenders: [String] = []
        var files = 0
        let readings = ["Date()", "Date.now", "Date(timeIntervalSinceNow", "timeIntervalSinceNow", "Date.init()"]
        for case let url as URL in enumerator where url.pathExtension == "swift" {
            files += 1
            guard url.lastPathComponent != "PortalClock.swift" else { continue }
            let text = try String(contentsOf: url, encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where readings.contains(where: { line.contains($0) }) {
                offenders.append("\(url.lastPathComponent):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))")
            }
        }
        #expect(files > 50, "the sources were found")
        #expect(offenders.isEmpty, "read the time through the application's PortalClock:\n\(offenders.joined(separator: "\n"))")
    }
}
