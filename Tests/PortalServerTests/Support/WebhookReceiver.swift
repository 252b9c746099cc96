import Foundation
import NIOConcurrencyHelpers
import Vapor

/// A webhook receiver on the loopback address, for the tests (a partner's, a council system's):
/// it keeps what it is sent and answers 500 to the first `failing` requests, 200 after.
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
    static func with(failing: Int, _ body: (WebhookReceiver) async throws -> Void) async throws {
        let receiver = try await start(failing: failing)
        do { try await body(receiver) } catch {
            await receiver.stop()
            throw error
        }
        await receiver.stop()
    }

    private static func start(failing: Int) async throws -> WebhookReceiver {
        let app = try await Application.make(.testing)
        app.logger.logLevel = .error
        let receiver = WebhookReceiver(app: app, port: SMTPServer.freePort())
        app.on(.POST, "hook", body: .collect(maxSize: "1mb")) { [receiver] request -> HTTPStatus in
            let body = request.body.data.map { Array($0.readableBytesView) } ?? []
            let count = receiver.received.withLockedValue { list in
                list.append(Received(headers: request.headers, body: body))
                return list.count
            }
            return count <= failing ? .internalServerError : .ok
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
