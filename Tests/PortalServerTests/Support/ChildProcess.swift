import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a program to its end and returns its exit status and one of its output streams, with
/// `posix_spawn` and `waitpid`. Foundation's `Process.waitUntilExit` waits on a run loop for word
/// of the child's end, and that word can be lost when several tests wait at once (it was, under
/// libfaketime), leaving the suite waiting for a child that has long gone.
enum ChildProcess {
    enum Stream { case standardOutput, standardError }

    static func run(_ path: String, _ arguments: [String], environment: [String: String],
                    capturing stream: Stream) throws -> (status: Int32, output: String) {
        let child = try start(path, arguments, environment: environment, capturing: stream)
        let output = child.readOutput()
        return (child.waitForExit(), output)
    }

    /// A program started and left running.
    struct Running {
        let pid: pid_t
        /// The reading end of the captured stream.
        let output: Int32

        /// Reads the captured stream to its end (the program's end), and closes it.
        func readOutput() -> String {
            var output = [UInt8]()
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = read(self.output, &buffer, buffer.count)
                if count > 0 { output += buffer[0..<count] } else if count == 0 || errno != EINTR { break }
            }
            close(self.output)
            return String(decoding: output, as: UTF8.self)
        }

        func waitForExit() -> Int32 {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            return Self.exitStatus(status)
        }

        /// The exit status once it has ended within the time; nil (and the program killed) if it has not.
        func waitForExit(seconds: Double) -> Int32? {
            var status: Int32 = 0
            for _ in 0..<max(1, Int(seconds * 50)) {
                if waitpid(pid, &status, WNOHANG) == pid { return Self.exitStatus(status) }
                usleep(20_000)
            }
            kill(pid, SIGKILL)
            _ = waitForExit()
            return nil
        }

        /// The exit code when it exited; 128 and the signal's number when a signal ended it.
        static func exitStatus(_ status: Int32) -> Int32 {
            (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        }
    }

    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32
    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's Glibc module does not show.
    private static let closeFrom: CloseFrom? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map { unsafeBitCast($0, to: CloseFrom.self) }

    /// Starts a program with standard input from /dev/null, one stream captured and the other thrown away.
    static func start(_ path: String, _ arguments: [String], environment: [String: String],
                      capturing stream: Stream) throws -> Running {
        var pipe: [Int32] = [0, 0]
        guard Glibc.pipe(&pipe) == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let captured: Int32 = stream == .standardOutput ? 1 : 2
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, captured == 1 ? 2 : 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, pipe[1], captured)
        posix_spawn_file_actions_addclose(&actions, pipe[0])
        posix_spawn_file_actions_addclose(&actions, pipe[1])
        // Nothing else of the test run's: SwiftNIO's sockets are inheritable, and a child holding a
        // server's listening socket would keep its port open after the server closed it.
        _ = closeFrom?(&actions, 3)

        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, envp)
        close(pipe[1])
        guard spawned == 0 else {
            close(pipe[0])
            throw POSIXError(.init(rawValue: spawned) ?? .EIO)
        }
        return Running(pid: pid, output: pipe[0])
    }
}
