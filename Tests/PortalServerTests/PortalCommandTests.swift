import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Runs the built `portal` executable as an administrator would, with a bad configuration, and
/// checks that it says what is wrong in one line on stderr and exits non-zero, with no crash trace.
@Suite struct PortalCommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let executable = root.appendingPathComponent(".build/debug/portal").path

    struct Outcome {
        let status: Int32
        let stderr: String
        var lines: [String] { stderr.split(separator: "\n").map(String.init) }
    }

    func run(_ arguments: [String], environment: [String: String]) throws -> Outcome {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable), "build the portal first (scripts/test does)")
        var env = ProcessInfo.processInfo.environment
        env["DATABASE_URL"] = nil
        for (key, value) in environment { env[key] = value }
        let (status, errors) = try ChildProcess.run(Self.executable, arguments, environment: env, capturing: .standardError)
        return Outcome(status: status, stderr: errors)
    }

    func expectOneClearLine(_ outcome: Outcome, containing text: String) {
        #expect(outcome.status != 0)
        #expect(outcome.lines.count == 1, "stderr: \(outcome.stderr)")
        #expect(outcome.lines.first?.hasPrefix("portal: ") == true)
        #expect(outcome.stderr.contains(text), "stderr: \(outcome.stderr)")
        #expect(!outcome.stderr.contains("Fatal error") && !outcome.stderr.contains("Backtrace"))
    }

    var scratch: String {
        TestRunFolder.named("cli-\(UUID().uuidString)")
    }

    @Test(arguments: [
        ("mysql://u@host/db", "must start with postgres://"),
        ("postgres://", "has no host name"),
        ("postgres://u@localhost", "names no database"),
        ("not a url at all", "not a valid address"),
    ])
    func malformedDatabaseURL(_ url: String, _ message: String) throws {
        expectOneClearLine(try run(["serve"], environment: ["DATABASE_URL": url]), containing: message)
    }

    @Test func unreachableDatabase() throws {
        let outcome = try run(["serve", "--port", "0"], environment: ["DATABASE_URL": "postgres://portal@127.0.0.1:1/portal"])
        expectOneClearLine(outcome, containing: "Cannot reach the database")
    }

    @Test func unwritableDataFolder() throws {
        let outcome = try run(["demo"], environment: ["PORTAL_DATA_DIR": "/proc/portal-data"])
        expectOneClearLine(outcome, containing: "The data folder /proc/portal-data cannot be written")
    }

    @Test func badSecureCookieSetting() throws {
        let outcome = try run(["demo"], environment: ["PORTAL_SECURE_COOKIES": "perhaps", "PORTAL_DATA_DIR": scratch])
        expectOneClearLine(outcome, containing: "PORTAL_SECURE_COOKIES must be true or false")
    }

    @Test func portAlreadyInUse() throws {
        let (socket, port) = try listenOnLoopback()
        defer { close(socket) }
        let folder = scratch
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let outcome = try run(["demo", "--port", String(port)], environment: ["PORTAL_DATA_DIR": folder])
        expectOneClearLine(outcome, containing: "already in use")
    }

    @Test func serveRefusesAnUnmigratedDatabase() throws {
        let folder = scratch
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let outcome = try run(["serve", "--port", "0"], environment: ["PORTAL_DATA_DIR": folder])
        expectOneClearLine(outcome, containing: "run `portal migrate` first")
    }

    @Test func auditVerifyChecksTheChain() throws {
        let folder = scratch
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let migrated = try run(["migrate", "--yes"], environment: ["PORTAL_DATA_DIR": folder])
        #expect(migrated.status == 0, "\(migrated.stderr)")
        let intact = try runCapturingOutput(["audit", "verify"], environment: ["PORTAL_DATA_DIR": folder])
        #expect(intact.status == 0)
        #expect(intact.stdout.contains("The audit trail is intact: 0 entries checked."))
        expectOneClearLine(try run(["audit", "rewrite"], environment: ["PORTAL_DATA_DIR": folder]), containing: "use: portal audit verify")
    }

    @Test func calendarAnswersForTheCouncilsCalendar() throws {
        let folder = scratch
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let environment = ["PORTAL_DATA_DIR": folder]
        #expect(try run(["migrate", "--yes"], environment: environment).status == 0)
        let holidays = try runCapturingOutput(["calendar", "holidays", "2026"], environment: environment)
        #expect(holidays.status == 0)
        let lines = holidays.stdout.split(separator: "\n")
        #expect(lines.count == 8)
        #expect(lines.first == "2026-01-01\tNew Year's Day")
        #expect(lines.last == "2026-12-28\tBoxing Day (substitute day)")
        let added = try runCapturingOutput(["calendar", "add", "2026-12-24", "10"], environment: environment)
        #expect(added.status == 0 && added.stdout == "2027-01-12\n")
        let between = try runCapturingOutput(["calendar", "between", "2026-12-24", "2027-01-12"], environment: environment)
        #expect(between.status == 0 && between.stdout == "10\n")
        expectOneClearLine(try run(["calendar", "add", "2026-13-01", "5"], environment: environment), containing: "is not a date")
        expectOneClearLine(try run(["calendar", "add", "2026-12-01", "ten"], environment: environment), containing: "whole number of working days")
        expectOneClearLine(try run(["calendar", "holidays", "next"], environment: environment), containing: "is not a year")
        expectOneClearLine(try run(["calendar", "easter", "2026"], environment: environment), containing: "use holidays, add or between")
    }

    func runCapturingOutput(_ arguments: [String], environment: [String: String]) throws -> (status: Int32, stdout: String) {
        let env = ProcessInfo.processInfo.environment.merging(environment) { $1 }.filter { $0.key != "DATABASE_URL" }
        let (status, output) = try ChildProcess.run(Self.executable, arguments, environment: env, capturing: .standardOutput)
        return (status, output)
    }

    /// Holds a port the way another program would.
    private func listenOnLoopback() throws -> (Int32, UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        try #require(bound == 0 && listen(fd, 1) == 0)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return (fd, UInt16(bigEndian: address.sin_port))
    }
}
