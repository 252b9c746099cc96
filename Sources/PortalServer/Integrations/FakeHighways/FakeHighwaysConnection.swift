import Foundation
import PortalCore
import NIOCore
import NIOHTTP1

/// One connection to the fake highways system: reads each HTTP request within fixed bounds,
/// asks the fake what to do and does it, down to hanging up without an answer.
final class FakeHighwaysConnection: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// The largest request body read (a form of Open311 fields is far smaller).
    static let maximumBody = 64 * 1024
    /// A connection with nothing in hand and nothing heard for this long is closed.
    static let idleTimeout = TimeAmount.seconds(30)
    static let limits: NIOHTTPDecoderLimitConfiguration = {
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderFieldSize = 16 * 1024
        limits.maxHeaderListSize = 32 * 1024
        limits.maxHeaderFieldCount = 100
        return limits
    }()

    static func configure(_ channel: any Channel, for fake: FakeHighways) throws {
        let pipeline = channel.pipeline.syncOperations
        try pipeline.addHandler(IdleStateHandler(readTimeout: idleTimeout))
        try pipeline.configureHTTPServerPipeline(withPipeliningAssistance: true, withServerUpgrade: nil, withErrorHandling: true,
                                                 withOutboundHeaderValidation: true, withEncoderConfiguration: .init(),
                                                 withDecoderLimitConfiguration: limits)
        try pipeline.addHandler(FakeHighwaysConnection(fake: fake))
    }

    private let fake: FakeHighways
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    /// A request is being read or answered.
    private var busy = false
    /// The body is too large: the rest of it is ignored, then refused and the connection closed.
    private var refused = false

    init(fake: FakeHighways) { self.fake = fake }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = context.channel.allocator.buffer(capacity: 0)
            busy = true
            refused = head.headers.first(name: "content-length").flatMap(Int.init).map { $0 > Self.maximumBody } ?? false
        case .body(var part):
            guard !refused else { return }
            guard (body?.readableBytes ?? 0) + part.readableBytes <= Self.maximumBody else {
                refused = true
                body = nil
                return
            }
            body?.writeBuffer(&part)
        case .end:
            guard let head else { return }
            self.head = nil
            if refused {
                // Read to the end and thrown away, so the client can read the answer; then the connection is closed.
                let answer = FakeHighwaysAnswer.error(.badRequest, "The request body is larger than \(Self.maximumBody) bytes",
                                                      format: FakeHighwaysOpen311.format(of: String(head.uri.prefix { $0 != "?" })))
                return write(answer, keepAlive: false, context: context)
            }
            perform(reply(head), keepAlive: head.isKeepAlive, context: context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent, !busy {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// Reads the request's path, query and form, and asks the fake for its reply.
    private func reply(_ head: HTTPRequestHead) -> FakeHighwaysReply {
        let (path, query) = head.uri.firstIndex(of: "?").map { (String(head.uri[..<$0]), head.uri[head.uri.index(after: $0)...]) }
            ?? (head.uri, Substring())
        let format = FakeHighwaysOpen311.format(of: path)
        guard let queryPairs = Open311Form.decode(query) else {
            return .answer(.error(.badRequest, "The query string is not correctly encoded", format: format))
        }
        var formPairs: [(name: String, value: String)] = []
        if let body, body.readableBytes > 0 {
            let contentType = head.headers.first(name: "content-type")?.lowercased() ?? ""
            guard contentType.isEmpty || contentType.hasPrefix("application/x-www-form-urlencoded") else {
                return .answer(.error(.badRequest, "The body must be application/x-www-form-urlencoded", format: format))
            }
            guard let text = String(validating: body.readableBytesView, as: UTF8.self), let pairs = Open311Form.decode(Substring(text)) else {
                return .answer(.error(.badRequest, "The form body is not correctly encoded", format: format))
            }
            formPairs = pairs
        }
        let fields = { (pairs: [(name: String, value: String)]) in pairs.map { ReceivedRequest.Field(name: $0.name, value: $0.value) } }
        return fake.reply(to: FakeHighwaysCall(method: head.method, path: path, parameters: fields(queryPairs), form: fields(formPairs)))
    }

    private func perform(_ reply: FakeHighwaysReply, keepAlive: Bool, context: ChannelHandlerContext) {
        switch reply {
        case .answer(let answer):
            write(answer, keepAlive: keepAlive, context: context)
        case .late(let answer, let seconds):
            let delay = TimeAmount.nanoseconds(Int64(min(max(seconds, 0), 3600) * 1_000_000_000))
            context.eventLoop.assumeIsolated().scheduleTask(in: delay) { [self] in
                write(answer, keepAlive: keepAlive, context: context)
            }
        case .drop:
            context.close(promise: nil)
        case .huge(let format):
            writeHuge(format, context: context)
        }
    }

    private func write(_ answer: FakeHighwaysAnswer, keepAlive: Bool, context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: answer.body.utf8.count)
        buffer.writeString(answer.body)
        var headers = HTTPHeaders([("content-type", answer.contentType), ("content-length", String(buffer.readableBytes))])
        if !keepAlive { headers.add(name: "connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: answer.status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        finish(done, keepAlive: keepAlive, context: context)
    }

    /// A well-formed start and end with blank space between, written a mebibyte at a time, each
    /// piece only once the one before has gone, so the fake never holds the whole body.
    private func writeHuge(_ format: Open311Format, context: ChannelHandlerContext) {
        let opening = format == .xml ? "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<service_requests>" : "["
        let closing = format == .xml ? "</service_requests>\n" : "]\n"
        let headers = HTTPHeaders([("content-type", format.contentType), ("content-length", String(FakeHighways.hugeBodySize))])
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: opening)))), promise: nil)
        let piece = context.channel.allocator.buffer(repeating: UInt8(ascii: " "), count: 1024 * 1024)
        var remaining = FakeHighways.hugeBodySize - opening.utf8.count - closing.utf8.count
        func next() {
            guard context.channel.isActive else { return }
            guard remaining > 0 else {
                context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: closing)))), promise: nil)
                finish(context.writeAndFlush(wrapOutboundOut(.end(nil))), keepAlive: true, context: context)
                return
            }
            let size = min(remaining, piece.readableBytes)
            remaining -= size
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(piece.getSlice(at: 0, length: size)!))))
                .assumeIsolated().whenSuccess { next() }
        }
        next()
    }

    private func finish(_ written: EventLoopFuture<Void>, keepAlive: Bool, context: ChannelHandlerContext) {
        written.assumeIsolated().whenComplete { [self] _ in
            busy = false
            if !keepAlive { context.close(promise: nil) }
        }
    }
}
