import Foundation
import PortalCore
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// A stand-in for a council's highways back office that speaks Open311 GeoReport v2 (XML and
/// JSON) with mySociety's service request updates extension, for tests and demonstrations. It
/// keeps every service request posted to it, hands out updates added by a test (or by a person
/// through its `/fake/` control calls, or on a timer), and can misbehave as real back offices and
/// the proxies in front of them do: refuse connections, fail, answer slowly, hang up, answer with
/// too much or with something broken. It runs on SwiftNIO directly so that it can misbehave at the
/// connection itself.
final class FakeHighways: Sendable {
    enum Mode: Sendable, Equatable {
        case normal
        /// Not listening at all (connections are refused); listens again on the same port when
        /// set to any other mode.
        case down
        /// HTTP 500 with the standard's error list.
        case serverError
        /// HTTP 502 with a proxy's HTML page.
        case htmlErrorPage
        /// Handled as usual (a POST is stored), answered after the given time.
        case slow(seconds: Double)
        /// Handled as usual (a POST is stored), then the connection is closed with no answer.
        case dropAfterAccept
        /// Handled as usual, answered with a 50 MiB body.
        case hugeBody
        /// A read of updates over a window wider than this answered with a 50 MiB body, as a
        /// busy system's would be; narrower windows and other calls as usual.
        case hugeUpdatesWiderThan(seconds: Double)
        /// Handled as usual, answered 200 with the body cut short and broken.
        case malformed
    }

    /// How GET servicerequestupdates hands out the updates in its window.
    enum UpdateDelivery: Sendable, Equatable {
        /// Each once, oldest first.
        case inOrder
        /// Each twice, in a scrambled order that is the same every time.
        case shuffledAndRepeated
    }

    static let hugeBodySize = 50 * 1024 * 1024

    let host: String
    let apiKey: String
    let jurisdiction: String?
    private let group: any EventLoopGroup
    private let store = NIOLockedValueBox(FakeHighwaysStore())
    private let listener = NIOLockedValueBox(Listener())
    /// The last change of mode, which the next one waits for.
    private let transitions = NIOLockedValueBox<Task<Void, Never>?>(nil)

    private struct Listener {
        var port = 0
        var server: (any Channel)?
        var connections: [ObjectIdentifier: any Channel] = [:]
        /// While down, a socket bound to the port but not listening: connections to it are
        /// refused, and no other program is handed the port meanwhile.
        var placeholder: Int32?
        var address: SocketAddress?
        var shutDown = false
    }

    /// The system's own clock: it dates what it stores and when its automatic updates fall due.
    let clock: PortalClock

    private init(host: String, apiKey: String, jurisdiction: String?, group: any EventLoopGroup, clock: PortalClock) {
        self.host = host
        self.apiKey = apiKey
        self.jurisdiction = jurisdiction
        self.group = group
        self.clock = clock
    }

    /// Starts listening; port 0 picks a free one.
    static func start(host: String = "127.0.0.1", port: Int = 0, apiKey: String, jurisdiction: String? = nil,
                      group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, clock: PortalClock = .system) async throws -> FakeHighways {
        let fake = FakeHighways(host: host, apiKey: apiKey, jurisdiction: jurisdiction, group: group, clock: clock)
        try await fake.listen(port: port)
        return fake
    }

    var port: Int { listener.withLockedValue { $0.port } }

    /// The Open311 endpoint; calls are `baseURL + "/services.xml"` and so on.
    var baseURL: String { "http://\(host.contains(":") ? "[\(host)]" : host):\(port)/open311/v2" }

    func shutdown() async throws {
        listener.withLockedValue { $0.shutDown = true }
        await stopListening(holdingThePort: false)
    }

    func setMode(_ mode: Mode) async {
        let change = transitions.withLockedValue { last -> Task<Void, Never> in
            let previous = last
            let next = Task { await previous?.value; await self.apply(mode) }
            last = next
            return next
        }
        await change.value
    }

    /// Every service request stored, in the order they came.
    func received() async -> [ReceivedRequest] { store.withLockedValue { $0.requests } }

    /// Every update posted to POST servicerequestupdates, in the order they came.
    func receivedUpdates() async -> [ReceivedUpdate] { store.withLockedValue { $0.receivedUpdates } }

    /// How many POST requests calls arrived, whether stored or not.
    func postAttempts() async -> Int { store.withLockedValue { $0.postAttempts } }

    /// Adds an update that GET servicerequestupdates will show; the request need not exist.
    func addUpdate(toRequest id: String, status: String, description: String, at: Date, updateID: String? = nil,
                   externalStatusCode: String? = nil, mediaURL: String? = nil) async {
        store.withLockedValue {
            _ = $0.addUpdate(to: id, status: status, description: description, at: at, updateID: updateID,
                             mediaURL: mediaURL, externalStatusCode: externalStatusCode)
        }
    }

    var updateDelivery: UpdateDelivery {
        get { store.withLockedValue { $0.delivery } }
        set { store.withLockedValue { $0.delivery = newValue } }
    }

    /// Off: servicerequestupdates answers 404, as a back office without the extension does, and
    /// only GET requests tells a request's status.
    func setHasUpdateExtension(_ on: Bool) async { store.withLockedValue { $0.hasUpdateExtension = on } }

    /// A batch service's token answers with nothing until it has been asked for this many times.
    func setBatchServices(resolveAfterPolls: Int) async { store.withLockedValue { $0.resolveAfterPolls = max(0, resolveAfterPolls) } }

    /// For demonstrations: every request stored from now on gets an `in_progress` update and a
    /// `fixed` update this many seconds after it arrived (nil for none).
    func setAutoProgress(inProgressAfter: Double?, fixedAfter: Double?) async {
        store.withLockedValue {
            $0.inProgressAfter = inProgressAfter.flatMap { $0.isFinite && $0 >= 0 ? $0 : nil }
            $0.fixedAfter = fixedAfter.flatMap { $0.isFinite && $0 >= 0 ? $0 : nil }
        }
    }

    // MARK: Answering

    /// What to do with one HTTP request, in the current mode.
    func reply(to call: FakeHighwaysCall) -> FakeHighwaysReply {
        let now = clock.now()
        let open311 = FakeHighwaysOpen311(apiKey: apiKey, jurisdiction: jurisdiction, baseURL: baseURL)
        return store.withLockedValue { store in
            store.settle(now: now)
            if call.path.hasPrefix(FakeHighwaysControl.prefix) {
                return .answer(FakeHighwaysControl.answer(call, store: &store, now: now))
            }
            let format = FakeHighwaysOpen311.format(of: call.path)
            if FakeHighwaysOpen311.isRequestPost(call) { store.postAttempts += 1 }
            switch store.mode {
            case .down: return .drop
            case .serverError: return .answer(.error(.internalServerError, "The highways system is not available", format: format))
            case .htmlErrorPage: return .answer(.proxyErrorPage)
            case .hugeUpdatesWiderThan(let seconds):
                if call.method == .GET, call.path.hasPrefix(FakeHighwaysOpen311.prefix + "servicerequestupdates."),
                   let start = call.value("start_date").flatMap(W3CDate.parse), let end = call.value("end_date").flatMap(W3CDate.parse),
                   end.timeIntervalSince(start) > seconds {
                    return .huge(format)
                }
            case .normal, .slow, .dropAfterAccept, .hugeBody, .malformed: break
            }
            let answer = open311.answer(call, store: &store, now: now)
            switch store.mode {
            case .slow(let seconds): return .late(answer, seconds: seconds)
            case .dropAfterAccept: return .drop
            case .hugeBody: return .huge(format)
            case .malformed: return .answer(answer.malformed)
            default: return .answer(answer)
            }
        }
    }

    // MARK: Listening

    private func listen(port: Int) async throws {
        listener.withLockedValue { listener in
            if let placeholder = listener.placeholder { close(placeholder) }
            listener.placeholder = nil
        }
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try FakeHighwaysConnection.configure(channel, for: self)
                    self.track(channel)
                }
            }
            .bind(host: host, port: port).get()
        listener.withLockedValue {
            $0.server = server
            $0.address = server.localAddress
            $0.port = server.localAddress?.port ?? port
        }
    }

    /// Keeps each connection so that going down can close it: a client's pooled connection must
    /// not go on being answered by a system that is meant to be away.
    private func track(_ channel: any Channel) {
        let key = ObjectIdentifier(channel)
        let listening = listener.withLockedValue { listener in
            if listener.server != nil { listener.connections[key] = channel }
            return listener.server != nil
        }
        guard listening else { return channel.close(promise: nil) }
        channel.closeFuture.whenComplete { _ in _ = self.listener.withLockedValue { $0.connections.removeValue(forKey: key) } }
    }

    private func stopListening(holdingThePort: Bool) async {
        let (server, connections) = listener.withLockedValue { listener in
            defer { listener.server = nil; listener.connections = [:] }
            return (listener.server, Array(listener.connections.values))
        }
        try? await server?.close()
        for connection in connections { try? await connection.close() }
        listener.withLockedValue { listener in
            if let placeholder = listener.placeholder { close(placeholder) }
            listener.placeholder = holdingThePort && !listener.shutDown ? listener.address.flatMap(Self.reserve) : nil
        }
    }

    private static func reserve(_ address: SocketAddress) -> Int32? {
        #if canImport(Glibc)
        let stream = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        #else
        let stream = SOCK_STREAM
        #endif
        let descriptor = socket(Int32(address.protocol.rawValue), stream, 0)
        guard descriptor >= 0 else { return nil }
        var on: Int32 = 1
        _ = setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        guard address.withSockAddr({ bind(descriptor, $0, socklen_t($1)) }) == 0 else {
            close(descriptor)
            return nil
        }
        return descriptor
    }

    private func apply(_ mode: Mode) async {
        let before = store.withLockedValue { store in
            defer { store.mode = mode }
            return store.mode
        }
        if mode == .down, before != .down {
            await stopListening(holdingThePort: true)
        } else if mode != .down, before == .down {
            // The port was ours a moment ago; another program may hold it briefly, so try for a while.
            for _ in 0..<50 where !listener.withLockedValue({ $0.shutDown || $0.server != nil }) {
                if (try? await listen(port: port)) != nil { return }
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }
}

/// What the connection does with a request.
enum FakeHighwaysReply: Sendable {
    case answer(FakeHighwaysAnswer)
    case late(FakeHighwaysAnswer, seconds: Double)
    /// Close the connection without a word.
    case drop
    /// A 200 answer of `FakeHighways.hugeBodySize` bytes in this format.
    case huge(Open311Format)
}
