import Foundation

/// One folder for everything a test run writes (databases, mail, certificates, clamd's files),
/// removed when the run ends so repeated runs leave nothing behind.
enum TestRunFolder {
    static let path: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("portal-test-run-\(getpid())").path
        try? FileManager.default.removeItem(atPath: path)
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: TestRunFolder.path) }
        return path
    }()

    /// A new path inside the run's folder.
    static func named(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
}
