import Foundation
import PortalCore
import Vapor

/// `portal fake-highways`: runs the stand-in highways back office in the foreground, for trying
/// the portal's Open311 sending by hand, until Ctrl-C.
public struct FakeHighwaysCommand: AsyncCommand {
    public struct Signature: CommandSignature {
        @Option(name: "port", help: "the port to listen on (default 8311)") var port: Int?
        @Option(name: "api-key", help: "the api_key clients must send (default demo-key)") var apiKey: String?
        @Option(name: "jurisdiction", help: "a jurisdiction_id clients must send (default none)") var jurisdiction: String?
        @Option(name: "in-progress-after", help: "seconds after which each new report is marked in progress") var inProgressAfter: Double?
        @Option(name: "fixed-after", help: "seconds after which each new report is marked fixed") var fixedAfter: Double?
        public init() {}
    }

    public var help: String {
        "Runs a stand-in highways system speaking Open311: portal fake-highways [--port 8311] [--api-key demo-key] [--jurisdiction ID] [--in-progress-after S] [--fixed-after S]"
    }

    public init() {}

    public func run(using context: CommandContext, signature: Signature) async throws {
        let port = signature.port ?? 8311
        let apiKey = signature.apiKey ?? "demo-key"
        guard (1...65_535).contains(port) else { throw ConfigurationError("--port must be from 1 to 65535") }
        guard !apiKey.isEmpty, apiKey.count <= 200, !apiKey.contains(where: { $0.isWhitespace || $0.asciiValue.map { $0 < 0x20 } == true }) else {
            throw ConfigurationError("--api-key must be 1 to 200 characters with no spaces")
        }
        for seconds in [signature.inProgressAfter, signature.fixedAfter].compactMap({ $0 }) where !(0...31_536_000).contains(seconds) {
            throw ConfigurationError("--in-progress-after and --fixed-after must be from 0 to 31536000 seconds")
        }
        let fake = try await FakeHighways.start(port: port, apiKey: apiKey, jurisdiction: signature.jurisdiction)
        await fake.setAutoProgress(inProgressAfter: signature.inProgressAfter, fixedAfter: signature.fixedAfter)
        context.console.print("Fake highways system listening at \(fake.baseURL) with api_key \(apiKey); stop it with Ctrl-C.")
        await Self.waitForInterrupt()
        try await fake.shutdown()
    }

    /// Returns on Ctrl-C or a termination signal.
    static func waitForInterrupt() async {
        let (signals, continuation) = AsyncStream<Void>.makeStream()
        let sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield() }
            source.resume()
            return source
        }
        for await _ in signals { break }
        sources.forEach { $0.cancel() }
    }
}
