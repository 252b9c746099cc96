import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// The highways integration's background work, every ten seconds on every instance: deliver
/// what is due, and, when the polling interval has passed (claimed in the database, so one
/// instance reads each window), read the updates since the last window, overlapping it by two
/// hours as systems date updates late. Once a night a whole day is read again to mop up, and
/// problems older than ninety days are let go.
enum HighwaysJob {
    static let overlap: TimeInterval = 2 * 3_600
    /// However long the system was unreachable, one read goes back at most a week.
    static let longestWindow: TimeInterval = 7 * 86_400

    struct Ran: Sendable {
        var sent = HighwaysSender.Outcome()
        var pulled: HighwaysUpdates.Pulled?
        var swept: HighwaysUpdates.Pulled?
    }

    /// `pollEvery` stands in for the settings' minutes (the demo reads every few seconds).
    static func run(time: PortalClock, http: HTTPClient, clock: WorkingDayClock, pollEvery: TimeInterval? = nil, on db: any Database) async throws -> Ran {
        let settings = try await HighwaysSettings.load(on: db)
        guard settings.enabled else { return Ran() }
        let client = Open311Client(settings: settings, http: http)
        var ran = Ran()
        ran.sent = try await HighwaysSender.deliver(clock: time, client: client, on: db)
        let now = time.now()
        if let since = try await claimPoll(every: pollEvery ?? TimeInterval(settings.pollMinutes * 60), at: now, on: db) {
            let start = max(now.addingTimeInterval(-longestWindow), min(since ?? now, now).addingTimeInterval(-overlap))
            do {
                ran.pulled = try await read(from: start, to: now, client: client, at: now, on: db)
            } catch {
                // Not read: the next turn starts from the same place.
                try await db.sql.update("highways_settings").set("polled_until", to: SQLBind(since)).where("id", .equal, 1)
                    .where("polled_until", .greaterThanOrEqual, now.addingTimeInterval(-1)).run()
                throw error
            }
        }
        if try await claimSweep(clock: clock, at: now, on: db) {
            // Problems are kept for ninety days, long enough for any administrator to have seen them.
            try await db.sql.delete(from: "integration_problems").where("at", .lessThan, now.addingTimeInterval(-90 * 86_400)).run()
            ran.swept = try await read(from: now.addingTimeInterval(-86_400), to: now, client: client, at: now, on: db)
        }
        return ran
    }

    /// Updates by the extension, or, for a system without it, the statuses of the requests still open.
    static func read(from start: Date, to end: Date, client: Open311Client, at now: Date, on db: any Database) async throws -> HighwaysUpdates.Pulled {
        client.settings.updatesExtension
            ? try await HighwaysUpdates.pull(from: start, to: end, client: client, at: now, on: db)
            : try await HighwaysStatusReader.read(client: client, at: now, on: db)
    }

    /// Claims the next read of updates when it is due: the previous read's end (nil for the
    /// first), or nothing when it is not due or another instance has it.
    static func claimPoll(every interval: TimeInterval, at now: Date, on db: any Database) async throws -> Date?? {
        let row = try await db.sql.select().column("polled_until").from("highways_settings").where("id", .equal, 1).first()
        let previous = try row?.decodeNil(column: "polled_until") == false ? try row?.decode(column: "polled_until", as: Date.self) : nil
        if let previous, now.timeIntervalSince(previous) < interval { return nil }
        // Compared by order, never by equality: a time read back from the database need not be
        // the very same number that was written.
        let claimed = try await db.sql.update("highways_settings").set("polled_until", to: now).where("id", .equal, 1)
            .where { $0.where(SQLColumn("polled_until"), .is, SQLLiteral.null).orWhere("polled_until", .lessThanOrEqual, now.addingTimeInterval(-interval)) }
            .returning("id").all()
        return claimed.isEmpty ? nil : .some(previous)
    }

    /// Claims tonight's sweep: after one in the morning, council time, once a day.
    static func claimSweep(clock: WorkingDayClock, at now: Date, on db: any Database) async throws -> Bool {
        guard clock.localMinutes(of: now) >= 60 else { return false }
        let today = clock.localDate(of: now).iso
        return !(try await db.sql.update("highways_settings").set("swept_on", to: today).where("id", .equal, 1)
            .where { $0.where(SQLColumn("swept_on"), .is, SQLLiteral.null).orWhere("swept_on", .notEqual, today) }
            .returning("id").all()).isEmpty
    }
}

extension RepeatingJob {
    static var highways: RepeatingJob {
        RepeatingJob("Highways", every: .seconds(10), after: .seconds(3)) { application in
            let clock = try await application.serviceLevelCache.get(on: application.db).clock
            let ran = try await HighwaysJob.run(time: application.portal.clock, http: application.outsideHTTP, clock: clock,
                                                pollEvery: application.portal.demoMode ? DemoHighways.pollEvery : nil, on: application.db)
            let sent = ran.sent
            if sent != HighwaysSender.Outcome() {
                application.logger.notice("Highways: \(sent.sent) sent, \(sent.retrying) to retry, \(sent.unknown) being checked, \(sent.held) held, \(sent.failed) refused")
            }
            for pulled in [ran.pulled, ran.swept].compactMap({ $0 }) where pulled.applied + pulled.unknownRequests > 0 {
                application.logger.notice("Highways: \(pulled.applied) updates applied, \(pulled.repeated) seen before, \(pulled.unknownRequests) for unknown requests, \(pulled.oneByOne) tried one by one after a conflict")
            }
        }
    }
}

/// For a system without the update extension: each open request's status from `GET requests`,
/// made into updates keyed by request and time, so that a status read twice is applied once.
enum HighwaysStatusReader {
    static func read(client: Open311Client, at now: Date, on db: any Database) async throws -> HighwaysUpdates.Pulled {
        let open = try await db.sql.select().column("service_request_id").from("highways_sends")
            .where("state", .equal, HighwaysSend.State.sent.rawValue).where(SQLColumn("service_request_id"), .isNot, SQLLiteral.null)
            .join(Enquiry.schema, on: SQLColumn("id", table: Enquiry.schema), .equal, SQLColumn("enquiry_id", table: "highways_sends"))
            .where(SQLColumn("status", table: "enquiries"), .in, SQLGroupExpression(EnquiryStatus.allCases.filter(\.isOpen).map { SQLBind($0.rawValue) }))
            .all().map { try $0.decode(column: "service_request_id", as: String.self) }
        var updates: [Open311.Update] = []
        for chunk in open.chunked(50) {
            switch await client.requests([("service_request_id", chunk.joined(separator: ","))]) {
            case .answered(let data):
                guard let listed = try? Open311.requests(data, format: client.settings.format) else {
                    try await IntegrationProblems.record(.highways, "A list of requests that could not be read; none of it was applied", detail: "", at: now, on: db)
                    throw HighwaysUpdates.BadAnswer(description: "A list of requests that could not be read")
                }
                for request in listed {
                    guard let id = request.id, chunk.contains(id) else { continue }
                    // Without a time, the status alone marks the change: read again, it is the same update.
                    let key = request.updated.map { "\(id)@\(W3CDate.string($0))#\(request.status)" } ?? "\(id)#\(request.status)"
                    updates.append(Open311.Update(updateID: key, requestID: id, status: request.status, updated: request.updated ?? now, description: request.statusNotes ?? "", externalStatusCode: nil))
                }
            case .refused(let status, let message, _): throw HighwaysUpdates.BadAnswer(description: "Reading requests failed (HTTP \(status)): \(message)")
            case .notReached(let words), .noAnswer(let words): throw HighwaysUpdates.BadAnswer(description: "Reading requests failed: \(words)")
            }
        }
        return try await HighwaysUpdates.apply(updates, at: now, on: db)
    }
}
