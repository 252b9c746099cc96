import AsyncHTTPClient
import Fluent
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import PortalCore
import SQLKit
import Vapor

/// The deliveries of webhooks (`webhook_deliveries`) and their attempts (`webhook_attempts`).
enum WebhookDeliveries {
    static let table = "webhook_deliveries"
    static let attemptsTable = "webhook_attempts"
    /// A receiver that is down is tried for about a day: 30 seconds after the first failure,
    /// doubling up to four hours, the fifteenth and last attempt about 24 hours after the first.
    static let queue = OutgoingQueue(table: table, longestWait: 4 * 3600)
    static let maxAttempts = 15
    /// Delivered webhooks, and their attempts, are kept this long for the administrator to read.
    static let keptFor: TimeInterval = 30 * 86_400
}

/// Posts due webhooks. Each is claimed through `OutgoingQueue` first, so several portal
/// instances (or two rounds) deliver each event once to each subscription; it is then posted
/// outside any transaction, a few at a time, and the attempt recorded with its outcome. Only a 2xx
/// answer is success: any other answer, a timeout, a refused connection or an address that may not
/// be posted to is retried with back-off, and after `WebhookDeliveries.maxAttempts` it waits,
/// failed, for the administrator to send it again.
struct WebhookSender: Sendable {
    let db: any Database
    let threads: NIOThreadPool
    let eventLoopGroup: any EventLoopGroup
    let allowPrivate: Bool
    /// Posts in flight at once, so one receiver that is slow to answer holds up few others.
    var width = 8
    var timeout: TimeAmount = .seconds(15)
    /// The most of an answer that is read, to quote in an error.
    static let answerLimit = 16 * 1024

    init(_ application: Application) {
        db = application.db
        threads = application.threadPool
        eventLoopGroup = application.eventLoopGroup
        allowPrivate = application.portal.webhooksAllowPrivate
    }

    private struct Due: Decodable, Sendable {
        let id: UUID
        let subscriptionId: UUID
        let eventId: UUID
        let payload: String
    }

    private struct Target: Decodable, Sendable {
        let id: UUID
        let url: String
        let secret: String
    }

    /// How one attempt ended.
    private enum Settled { case sent, retrying, failed }

    /// Posts what is due at `now` (each attempt is timed from `now` as the round goes on), up to
    /// `limit` webhooks, those of paused subscriptions held back.
    func deliver(at now: Date, limit: Int = 100) async throws -> OutgoingQueue.Outcome {
        let started = ContinuousClock.now
        let clock = { @Sendable in now.addingTimeInterval((ContinuousClock.now - started).timeInterval) }
        let active = SQLSubquery.select { $0.column("id").from(WebhookSubscriptions.table).where("is_active", .equal, true) }
        let due = try await WebhookDeliveries.queue.due(["id", "subscription_id", "event_id", "payload"], at: now, limit: limit, on: db)
            .where("subscription_id", .in, active)
            .all(decoding: Due.self, keyDecodingStrategy: .convertFromSnakeCase)
        guard !due.isEmpty else { return .init() }
        let targets = Dictionary(uniqueKeysWithValues: try await db.sql.select().columns("id", "url", "secret").from(WebhookSubscriptions.table)
            .where("id", .in, SQLBind.group(Array(Set(due.map(\.subscriptionId)))))
            .all(decoding: Target.self).map { ($0.id, $0) })
        // Each host looked up and checked once a round; the client connects only where it was checked.
        var pinned: [String: String] = [:], refusals: [String: String] = [:]
        for host in Set(targets.values.compactMap { WebhookDestinations.host(of: $0.url) }) {
            do { pinned[host] = try await WebhookDestinations.pin(host, allowPrivate: allowPrivate, on: threads) } catch {
                refusals[host] = describe(error)
            }
        }
        let refused = refusals
        let client = HTTPClient(eventLoopGroupProvider: .shared(eventLoopGroup), configuration: Application.outsideHTTPConfiguration(pinned: pinned))
        do {
            let outcome = try await withThrowingTaskGroup(of: Settled?.self) { group in
                var waiting = due.makeIterator()
                func next() {
                    guard let delivery = waiting.next() else { return }
                    group.addTask {
                        guard let target = targets[delivery.subscriptionId] else { return nil }
                        return try await attempt(delivery, to: target, refused: refused, client: client, at: clock)
                    }
                }
                for _ in 0..<width { next() }
                var outcome = OutgoingQueue.Outcome()
                while let settled = try await group.next() {
                    switch settled {
                    case .sent?: outcome.sent += 1
                    case .retrying?: outcome.retrying += 1
                    case .failed?: outcome.failed += 1
                    case nil: break
                    }
                    next()
                }
                return outcome
            }
            try await client.shutdown()
            return outcome
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// One attempt: claimed, posted, and recorded with its outcome; nil when another sender has it.
    private func attempt(_ delivery: Due, to target: Target, refused: [String: String], client: HTTPClient,
                         at clock: @Sendable () -> Date) async throws -> Settled? {
        let at = clock()
        guard let attempt = try await WebhookDeliveries.queue.claim(delivery.id, at: at, on: db) else { return nil }
        let started = ContinuousClock.now
        var status: Int?
        var problem: String?
        do {
            guard let host = WebhookDestinations.host(of: target.url) else { throw WebhookDestinations.Refused(description: "The address cannot be read") }
            if let refusal = refused[host] { throw WebhookDestinations.Refused(description: refusal) }
            let (answer, said) = try await post(delivery, to: target, at: at, client: client)
            status = Int(answer.code)
            if !(200..<300).contains(answer.code) { problem = "Answered \(answer.code) \(answer.reasonPhrase)\(said.isEmpty ? "" : ": \(said)")" }
        } catch {
            problem = describe(error)
        }
        let milliseconds = Int(((ContinuousClock.now - started).timeInterval * 1000).rounded())
        let (answered, error) = (status, problem)
        return try await db.transaction { db -> Settled? in
            // Locked while the attempt is recorded, so a subscription deleted meanwhile takes it
            // with its attempts, or has already taken it and nothing is written.
            guard try await db.sql.select().column("id").from(WebhookDeliveries.table).where("id", .equal, delivery.id)
                .for(.update).first() != nil else { return nil }
            try await db.sql.insert(into: WebhookDeliveries.attemptsTable)
                .columns("id", "delivery_id", "attempt", "at", "duration_ms", "status_code", "error")
                .values(SQLBind(UUID()), SQLBind(delivery.id), SQLBind(attempt), SQLBind(at), SQLBind(milliseconds),
                        SQLBind(answered), SQLBind(error.map { String($0.prefix(500)) }))
                .run()
            guard let error else {
                try await WebhookDeliveries.queue.succeeded(delivery.id, at: at, on: db)
                return .sent
            }
            let gaveUp = try await WebhookDeliveries.queue.failed(delivery.id, attempt: attempt, maxAttempts: WebhookDeliveries.maxAttempts,
                                                                  error: error, at: at, on: db)
            return gaveUp ? .failed : .retrying
        }
    }

    /// Posts the stored body, signed for this attempt; the answer's status and the start of what it said.
    private func post(_ delivery: Due, to target: Target, at time: Date, client: HTTPClient) async throws -> (HTTPResponseStatus, String) {
        let body = Array(delivery.payload.utf8)
        let id = delivery.eventId.uuidString
        let timestamp = Int(time.timeIntervalSince1970)
        guard let signature = WebhookSignature.sign(id: id, timestamp: timestamp, body: body, secret: target.secret) else {
            throw WebhookDestinations.Refused(description: "The subscription's secret cannot sign")
        }
        var request = HTTPClientRequest(url: target.url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "user-agent", value: "MemberPortal-Webhooks/1")
        request.headers.add(name: WebhookSignature.idHeader, value: id)
        request.headers.add(name: WebhookSignature.timestampHeader, value: String(timestamp))
        request.headers.add(name: WebhookSignature.signatureHeader, value: signature)
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: timeout)
        let answer = try? await response.body.collect(upTo: Self.answerLimit)
        let said = answer.map { String(TextRules.oneLine(String(buffer: $0)).trimmingWhitespace().prefix(200)) } ?? ""
        return (response.status, said)
    }

    /// Why an attempt failed, in words for the administrator.
    func describe(_ error: any Error) -> String {
        switch error {
        case let refused as WebhookDestinations.Refused: refused.description
        case let client as HTTPClientError where client == .connectTimeout: "Could not connect in time"
        case let client as HTTPClientError where client == .deadlineExceeded || client == .readTimeout:
            "No answer within " + (timeout.nanoseconds % 1_000_000_000 == 0 ? "\(timeout.nanoseconds / 1_000_000_000) seconds" : "\(timeout.nanoseconds / 1_000_000) ms")
        case let client as HTTPClientError where client == .remoteConnectionClosed: "The connection closed before an answer came"
        case is NIOConnectionError: "The connection was refused"
        case let io as IOError where io.errnoCode == ECONNREFUSED: "The connection was refused"
        default: "Could not reach it: " + String(describing: error).prefix(200)
        }
    }

    /// Forgets delivered webhooks older than `WebhookDeliveries.keptFor`, a thousand a call.
    func forgetDelivered(at now: Date) async throws {
        let ids = try await db.sql.select().column("id").from(WebhookDeliveries.table)
            .where("state", .equal, "sent").where("sent_at", .lessThan, now.addingTimeInterval(-WebhookDeliveries.keptFor))
            .limit(1_000).all().map { try $0.decode(column: "id", as: UUID.self) }
        guard !ids.isEmpty else { return }
        try await db.transaction { db in
            try await db.sql.delete(from: WebhookDeliveries.attemptsTable).where("delivery_id", .in, SQLBind.group(ids)).run()
            try await db.sql.delete(from: WebhookDeliveries.table).where("id", .in, SQLBind.group(ids)).run()
        }
    }
}

extension RepeatingJob {
    /// Posts webhooks every five seconds.
    static var webhooks: RepeatingJob {
        RepeatingJob("Webhooks", every: .seconds(5), after: .seconds(3)) { application in
            let sender = WebhookSender(application)
            let outcome = try await sender.deliver(at: application.now)
            if outcome.retrying + outcome.failed > 0 {
                application.logger.warning("Webhooks: \(outcome.sent) delivered, \(outcome.retrying) to retry, \(outcome.failed) failed")
            }
            try await sender.forgetDelivered(at: application.now)
        }
    }
}
