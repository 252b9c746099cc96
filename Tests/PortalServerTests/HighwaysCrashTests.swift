import Fluent
import Foundation
import PortalCore
@testable import PortalServer
import SQLKit
import Testing
import Vapor
#if canImport(Glibc)
import Glibc
#endif

/// The sender against the worst a server's life brings: killed with SIGKILL in the middle of a
/// send, and two instances sending from one database at once. Neither loses nor doubles a report.
@Suite struct HighwaysCrashTests {
    /// The portal killed while the system holds its POST unanswered, then started again: the
    /// report is found in the system's list, not posted a second time.
    @Test func killedMidSendAndStartedAgainItLosesAndDoublesNothing() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: PortalCommandTests.executable), "build the portal first (scripts/test does)")
        let folder = TestRunFolder.named("highways-crash-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await HighwaysDeliveryTests.withFake { fake in
            // The database `portal serve` will use, with one safety report queued.
            let app = try await Application.make(.testing)
            app.logger.logLevel = .error
            var reference = ""
            do {
                try await configure(app, PortalConfiguration.forTests(.sqlite(path: (folder as NSString).appendingPathComponent("portal.sqlite")),
                                                                      clock: TestClock(at: Date())))
                try await app.autoMigrate()
                try await DemoCouncil.load(on: app.db, passwordHash: try await app.password.async.hash("demo"), withEnquiries: false, at: app.now)
                try await HighwaysDeliveryTests.connect(app, to: fake, timeout: 2)
                reference = try await HighwaysDeliveryTests.report(app).reference
            } catch {
                try? await app.asyncShutdown()
                throw error
            }
            try await app.asyncShutdown()

            await fake.setMode(.slow(seconds: 30))
            let environment = ProcessInfo.processInfo.environment.merging(["PORTAL_DATA_DIR": folder, "LOG_LEVEL": "error"]) { $1 }
                .filter { $0.key != "DATABASE_URL" }
            let first = try ChildProcess.start(PortalCommandTests.executable, ["serve", "--port", "0"], environment: environment, capturing: .standardError)
            var arrived = false
            for _ in 0..<600 where !arrived {
                arrived = await fake.postAttempts() == 1
                if !arrived { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(arrived, "the report was posted")
            kill(first.pid, SIGKILL)
            #expect(first.waitForExit() == 128 + SIGKILL)
            close(first.output)
            await fake.setMode(.normal)

            // Started again: the report is claimed once its first claim runs out, and looked for.
            let second = try ChildProcess.start(PortalCommandTests.executable, ["serve", "--port", "0"], environment: environment, capturing: .standardError)
            defer {
                kill(second.pid, SIGKILL)
                _ = second.waitForExit()
                close(second.output)
            }
            let reader = try await Application.make(.testing)
            reader.logger.logLevel = .error
            var state = ""
            do {
                try await configure(reader, PortalConfiguration.forTests(.sqlite(path: (folder as NSString).appendingPathComponent("portal.sqlite"))))
                for _ in 0..<120 where state != "sent" {
                    try await Task.sleep(for: .seconds(1))
                    state = try await reader.db.sql.select().column("state").from("highways_sends").first()?.decode(column: "state", as: String.self) ?? ""
                }
            } catch {
                try? await reader.asyncShutdown()
                throw error
            }
            try await reader.asyncShutdown()
            #expect(state == "sent")
            let received = await fake.received()
            #expect(received.count == 1 && received.first?.attributes["portal_reference"] == reference, "stored once")
            #expect(await fake.postAttempts() == 1, "never posted a second time")
        }
    }

    /// Two instances on one database (PostgreSQL in the suite's PostgreSQL run) sending at once.
    @Test func twoInstancesSendEachReportOnce() async throws {
        try await HighwaysDeliveryTests.withFake { fake in
            try await withApp { app in
                try await HighwaysDeliveryTests.connect(app, to: fake)
                var references: [String] = []
                for index in 0..<12 { references.append(try await HighwaysDeliveryTests.report(app, "Lamp \(index) out").reference) }
                let other = try await Application.make(.testing)
                other.logger.logLevel = .error
                do {
                    try await configure(other, app.portal)
                    for _ in 0..<3 {
                        async let one = HighwaysDeliveryTests.deliver(app)
                        async let two = HighwaysDeliveryTests.deliver(other)
                        _ = try await (one, two)
                    }
                } catch {
                    try? await other.asyncShutdown()
                    throw error
                }
                try await other.asyncShutdown()
                #expect(try await HighwaysDeliveryTests.states(app) == ["sent": 12])
                let arrived = await fake.received().compactMap { $0.attributes["portal_reference"] }
                #expect(arrived.sorted() == references.sorted(), "each report once, though two senders ran together")
                #expect(await fake.postAttempts() == 12)
            }
        }
    }
}
