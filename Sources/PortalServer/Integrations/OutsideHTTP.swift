import AsyncHTTPClient
import NIOCore
import Vapor

/// The client for calls to outside systems, apart from the one Vapor keeps for itself: a refused
/// connection is reported at once rather than tried again until the call's time is up (so a
/// system that is down is told apart from one that took the report and went quiet), connecting
/// has five seconds, an answer that stops arriving for thirty seconds is given up (a call's own
/// time limit ends when the answer's head arrives), and redirects are never followed (an answer
/// comes from the address the administrator set, or not at all).
extension Application {
    private struct OutsideHTTPKey: StorageKey { typealias Value = HTTPClient }

    /// Made by `configure`, shut down with the application (Vapor's own client, should anything
    /// call before `configure` has run).
    var outsideHTTP: HTTPClient { storage[OutsideHTTPKey.self] ?? http.client.shared }

    func makeOutsideHTTP() async {
        let client = HTTPClient(eventLoopGroupProvider: .shared(eventLoopGroup), configuration: Self.outsideHTTPConfiguration())
        await storage.setWithAsyncShutdown(OutsideHTTPKey.self, to: client) { try await $0.shutdown() }
    }

    /// The outside client's settings. `pinned` sends a host name's connections to the address
    /// given for it (the name is still the one TLS checks the certificate against), for a caller
    /// that has checked where the name points and must connect nowhere else.
    static func outsideHTTPConfiguration(pinned: [String: String] = [:]) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: .seconds(30)))
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.decompression = .disabled
        configuration.dnsOverride = pinned
        return configuration
    }
}
