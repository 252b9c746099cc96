import Foundation

nonisolated(unsafe) private var clamdProcessID: Int32 = 0

/// A real ClamAV daemon for the tests, started once per run on a Unix socket in a scratch folder.
/// Nothing can be downloaded here, so its signature database is made on the spot: one hash
/// signature that recognises the EICAR test file, which every anti-virus treats as a virus.
actor ClamdServer {
    static let shared = ClamdServer()
    static let executable = "/usr/sbin/clamd"

    private var started: Task<String, any Error>?

    static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: executable) }

    /// The EICAR test file, put together at run time so the test source itself is not flagged.
    static var eicar: [UInt8] {
        let parts = ["X5O!P%@AP[4\\PZX54(P^)7CC)7}$", "EICAR-STANDARD-", "ANTIVIRUS-TEST-FILE!$H+H*"]
        return Array(parts.joined().utf8)
    }

    /// The daemon's socket path, once it answers.
    func socket() async throws -> String {
        if let started { return try await started.value }
        let task = Task { try await Self.start() }
        started = task
        return try await task.value
    }

    private static func start() async throws -> String {
        let folder = TestRunFolder.named("clamd")
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder + "/db", withIntermediateDirectories: true)
        try "44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test-Signature\n".write(toFile: folder + "/db/portal-test.hdb", atomically: true, encoding: .utf8)
        let socket = folder + "/clamd.sock"
        try """
            LocalSocket \(socket)
            DatabaseDirectory \(folder)/db
            TemporaryDirectory \(folder)
            Foreground yes
            LogFile \(folder)/clamd.log
            """.write(toFile: folder + "/clamd.conf", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--config-file=\(folder)/clamd.conf"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        clamdProcessID = process.processIdentifier
        atexit { if clamdProcessID > 0 { kill(clamdProcessID, SIGTERM) } }
        for _ in 0..<300 {
            if FileManager.default.fileExists(atPath: socket) { return socket }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let log = (try? String(contentsOfFile: folder + "/clamd.log", encoding: .utf8)) ?? ""
        throw ClamdNotStarted(description: "clamd did not start: \(log.suffix(500))")
    }

    struct ClamdNotStarted: Error, CustomStringConvertible { let description: String }
}
