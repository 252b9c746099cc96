import Foundation

/// A real SMTP server for the tests: aiosmtpd (from PyPI) run by `scripts/smtp-test-server.py`
/// on a free port, writing every message it accepts to a Maildir the test reads. `stop()` closes
/// its standard input, which ends it, so a test can see the portal cope with a mail server that
/// is away for a while; if the tests die, the closed pipe ends it too.
final class SMTPServer: @unchecked Sendable {
    let port: Int
    let maildir: String
    private var process: Process?
    private var input: Pipe?
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts/smtp-test-server.py").path

    init() throws {
        port = Self.freePort()
        maildir = FileManager.default.temporaryDirectory.appendingPathComponent("portal-smtp-\(UUID().uuidString)").path
    }

    /// pip puts an `aiosmtpd` command on the PATH beside the module the script imports.
    static var isInstalled: Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
            .contains { FileManager.default.isExecutableFile(atPath: "\($0)/aiosmtpd") }
    }

    func start() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.script, String(port), maildir]
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        self.input = input
        for _ in 0..<100 {
            if Self.accepts(port) { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw NotStarted()
    }

    /// Stops the server; waits by polling, because waiting for a child's exit from inside a
    /// test's async task can miss a quick exit.
    func stop() {
        guard let process else { return }
        try? input?.fileHandleForWriting.close()
        for _ in 0..<100 where process.isRunning || Self.accepts(port) { usleep(20_000) }
        self.process = nil
        input = nil
    }

    deinit { stop() }

    /// The messages received so far, as text.
    func messages() -> [String] {
        let folder = maildir + "/new"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.sorted().compactMap { try? String(contentsOfFile: folder + "/" + $0, encoding: .utf8) }
    }

    struct NotStarted: Error {}

    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } } == 0
    }
}
