import Foundation
import Testing

/// A real SMTP server for the tests: aiosmtpd (from PyPI) run by `scripts/smtp-test-server.py`
/// on a free port, writing every message it accepts to a Maildir the test reads. `stop()` closes
/// its standard input, which ends it, so a test can see the portal cope with a mail server that
/// is away for a while; if the tests die, the closed pipe ends it too.
final class SMTPServer: @unchecked Sendable {
    let port: Int
    let maildir: String
    /// Extra options for the script: `--starttls CERT KEY`, `--tls CERT KEY`, `--auth USER:PASSWORD`.
    let options: [String]
    private var process: Process?
    private var input: Pipe?
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts/smtp-test-server.py").path

    init(options: [String] = []) throws {
        self.options = options
        port = Self.freePort()
        maildir = TestRunFolder.named("smtp-\(UUID().uuidString)")
    }

    /// pip puts an `aiosmtpd` command on the PATH beside the module the script imports.
    static var isInstalled: Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
            .contains { FileManager.default.isExecutableFile(atPath: "\($0)/aiosmtpd") }
    }

    /// Runs `body` with a server listening; without aiosmtpd, skips it with a note (CI must have it).
    static func whileRunning(options: [String] = [], _ body: (SMTPServer) async throws -> Void) async throws {
        guard isInstalled else {
            #expect(ProcessInfo.processInfo.environment["CI"] == nil, "CI must install aiosmtpd")
            print("skipped: pip install aiosmtpd to run the tests that send email")
            return
        }
        let smtp = try SMTPServer(options: options)
        try await smtp.start()
        defer { smtp.stop() }
        try await body(smtp)
    }

    func start() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.script, String(port), maildir] + options
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
    func messages() -> [String] { files().map(\.text) }

    /// Each message's file name (unique) and text.
    func files() -> [(name: String, text: String)] {
        let folder = maildir + "/new"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.sorted().compactMap { name in (try? String(contentsOfFile: folder + "/" + name, encoding: .utf8)).map { (name, $0) } }
    }

    /// One received email: its recipient, its subject and the text of both its parts, decoded.
    struct Mail: Sendable {
        /// The Maildir file it arrived as.
        let name: String
        let to: String
        let subject: String
        /// The plain-text part, then the HTML part.
        let text: String
        let html: String
    }

    func mails() -> [Mail] {
        files().map { name, raw in
            let message = raw.replacingOccurrences(of: "\r\n", with: "\n")
            // Folded header lines (starting with a space) continue the one before.
            let head = message.components(separatedBy: "\n\n")[0].replacingOccurrences(of: "\n ", with: " ")
            func header(_ name: String) -> String {
                head.components(separatedBy: "\n").first { $0.hasPrefix(name + ": ") }.map { String($0.dropFirst(name.count + 2)) } ?? ""
            }
            var subject = header("Subject")
            if subject.hasPrefix("=?UTF-8?B?") {
                // RFC 2047 encoded words, each whole characters, joined without the spaces between them.
                let bytes = subject.split(separator: " ").flatMap { word in
                    Data(base64Encoded: String(word.dropFirst(10).dropLast(2))).map(Array.init) ?? []
                }
                subject = String(decoding: bytes, as: UTF8.self)
            }
            let parts = message.components(separatedBy: "\n\n").dropFirst().compactMap { block -> String? in
                let lines = block.components(separatedBy: "\n").prefix { !$0.hasPrefix("--") }.joined()
                return lines.isEmpty ? nil : Data(base64Encoded: lines).flatMap { String(data: $0, encoding: .utf8) }
            }
            return Mail(name: name, to: header("To").trimmingCharacters(in: CharacterSet(charactersIn: "<>")), subject: subject,
                        text: parts.first ?? "", html: parts.dropFirst().first ?? "")
        }
    }

    /// A self-signed certificate for localhost and 127.0.0.1 made with openssl, for the TLS tests:
    /// the certificate's path (also the authority to trust) and its key's.
    static func makeCertificate() throws -> (certificate: String, key: String) {
        let folder = TestRunFolder.named("tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                             "-keyout", folder + "/key.pem", "-out", folder + "/certificate.pem"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        for _ in 0..<600 where process.isRunning { usleep(50_000) }
        guard process.terminationStatus == 0 else { throw NotStarted() }
        return (folder + "/certificate.pem", folder + "/key.pem")
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
