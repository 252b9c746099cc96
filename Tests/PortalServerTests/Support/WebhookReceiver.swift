import Foundation
import NIOConcurrencyHelpers
import Vapor

/// A webhook receiver on the loopback address, for the tests (a partner's, a council system's):
/// it keeps what it is sent and answers the first `failing` requests with `failure` (500 unless
/// chosen; a redirect's goes back to the receiver itself), 200 after, each after `delay`.
final class WebhookReceiver: Sendable {
    struct Received: Sendable {
        let headers: HTTPHeaders
        let body: [UInt8]
    }

    let port: Int
    private let app: Application
    private let received = NIOLockedValueBox<[Received]>([])

    private init(app: Application, port: Int) {
        self.app = app
        self.port = port
    }

    /// Runs `body` with a receiver listening, and stops it after.
    static func with(failing: Int, failure: HTTPStatus = .internalServerError, delay: Duration = .zero,
                     _ body: (WebhookReceiver) async throws -> Void) async throws {
        let receiver = try await start(failing: failing, failure: failure, delay: delay)
        do { try await body(receiver) } catch {
            await receiver.stop()
            throw error
        }
        await receiver.stop()
    }

    private static func start(failing: Int, failure: HTTPStatus, delay: Duration) async throws -> WebhookReceiver {
        let app = try await Application.make(.testing)
        app.logger.logLevel = .error
        let receiver = WebhookReceiver(app: app, port: SMTPServer.freePort())
        app.on(.POST, "hook", body: .collect(maxSize: "1mb")) { [receiver] request -> Response in
            let body = request.body.data.map { Array($0.readableBytesView) } ?? []
            let count = receiver.received.withLockedValue { list in
                list.append(Received(headers: request.headers, body: body))
                return list.count
            }
            if delay > .zero { try await Task.sleep(for: delay) }
            let response = Response(status: count <= failing ? failure : .ok)
            if count <= failing { response.headers.replaceOrAdd(name: .location, value: "http://127.0.0.1:\(receiver.port)/hook") }
            return response
        }
        try await app.server.start(address: .hostname("127.0.0.1", port: receiver.port))
        return receiver
    }

    var requests: [Received] { received.withLockedValue { $0 } }

    func stop() async {
        await app.server.shutdown()
        try? await app.asyncShutdown()
    }
}
