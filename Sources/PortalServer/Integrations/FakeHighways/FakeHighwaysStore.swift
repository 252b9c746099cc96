import Foundation
import PortalCore

/// A service request the fake highways system accepted, with every field that was posted.
struct ReceivedRequest: Sendable, Equatable {
    /// The backend's id ("HW-100123"). For a batch service it is what the token resolves to.
    let serviceRequestID: String
    /// Given instead of the id in the answer, for a batch service ("TK-…").
    let token: String?
    let serviceCode: String
    let lat: Double?
    let long: Double?
    let addressString: String?
    let addressID: String?
    let description: String?
    /// `attribute[code]` fields by code (a repeated `attribute[code][]` is joined with commas).
    let attributes: [String: String]
    let apiKey: String
    let jurisdictionID: String?
    let email: String?
    let firstName: String?
    let lastName: String?
    let phone: String?
    let mediaURL: String?
    let accountID: String?
    let deviceID: String?
    /// Every name and value posted, in order.
    let fields: [Field]
    /// When the fake stored it, to the second; its `requested_datetime`.
    let requestedAt: Date

    struct Field: Sendable, Equatable {
        let name: String
        let value: String
    }

    /// The first posted value of a field, by its Open311 name.
    subscript(field name: String) -> String? { fields.first { $0.name == name }?.value }
}

/// An update to a service request, as GET servicerequestupdates returns it.
struct ServiceRequestUpdate: Sendable, Equatable {
    let updateID: String
    let serviceRequestID: String
    /// Lower case, e.g. `in_progress`.
    let status: String
    let updatedAt: Date
    let description: String
    let mediaURL: String?
    let externalStatusCode: String?

    var wire: Open311Value {
        .record([
            .init("update_id", .text(updateID)),
            .init("service_request_id", .text(serviceRequestID)),
            .init("status", .text(status)),
            .init("updated_datetime", .date(updatedAt)),
            .init("description", .text(description)),
            .init("media_url", .text(mediaURL ?? "")),
            .init("external_status_code", .optional(externalStatusCode)),
        ])
    }
}

/// An update the client posted to POST servicerequestupdates.
struct ReceivedUpdate: Sendable, Equatable {
    /// The id the fake gave it in its answer.
    let assignedID: String
    /// The client's own id for it (`update_id` as posted).
    let updateID: String
    let serviceRequestID: String
    /// Upper case as posted, e.g. `IN_PROGRESS`.
    let status: String
    let updatedAt: Date
    let description: String
    let fields: [ReceivedRequest.Field]
}

/// The extended statuses of mySociety's extension, and which of them the core standard's
/// `status` counts as closed.
enum Open311Status {
    static let all = ["open", "closed", "fixed", "in_progress", "action_scheduled", "planned", "investigating", "duplicate",
                      "not_councils_responsibility", "no_further_action", "internal_referral", "cancelled", "reopen", "for_triage"]
    static let closed: Set = ["closed", "fixed", "duplicate", "not_councils_responsibility", "no_further_action", "internal_referral", "cancelled"]

    static func core(_ status: String) -> String { closed.contains(status) ? "closed" : "open" }
}

/// Everything the fake holds, changed only under its lock.
struct FakeHighwaysStore: Sendable {
    var mode: FakeHighways.Mode = .normal
    var delivery: FakeHighways.UpdateDelivery = .inOrder
    var hasUpdateExtension = true
    var resolveAfterPolls = 0
    var inProgressAfter: Double?
    var fixedAfter: Double?

    private(set) var requests: [ReceivedRequest] = []
    private var positions: [String: Int] = [:]
    /// Token → the request's id and how often it was asked for.
    private var tokens: [String: (id: String, polls: Int)] = [:]
    private var resolved: Set<String> = []
    private(set) var updates: [ServiceRequestUpdate] = []
    /// Automatic updates not yet due, soonest first.
    private var scheduled: [ServiceRequestUpdate] = []
    private(set) var receivedUpdates: [ReceivedUpdate] = []
    var postAttempts = 0
    private var nextRequest = 100_001
    private var nextUpdate = 500_001

    /// Moves automatic updates that are now due into the updates.
    mutating func settle(now: Date) {
        while let first = scheduled.first, first.updatedAt <= now {
            updates.append(scheduled.removeFirst())
        }
    }

    /// Stores a new request and returns it; a batch service's is given a token too.
    mutating func store(_ make: (_ id: String, _ token: String?, _ at: Date) -> ReceivedRequest, batch: Bool, now: Date) -> ReceivedRequest {
        let id = "HW-\(nextRequest)"
        nextRequest += 1
        let token = batch ? "TK-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased() : nil
        let at = Self.wholeSecond(now)
        let request = make(id, token, at)
        positions[id] = requests.count
        requests.append(request)
        if let token { tokens[token] = (id, 0) } else { resolved.insert(id) }
        for (after, status, text) in [(inProgressAfter, "in_progress", "An inspector has been sent."), (fixedAfter, "fixed", "The work is done.")] {
            guard let after else { continue }
            scheduled.append(ServiceRequestUpdate(updateID: newUpdateID(), serviceRequestID: id, status: status,
                                                  updatedAt: at.addingTimeInterval(after), description: text, mediaURL: nil, externalStatusCode: nil))
        }
        scheduled.sort { $0.updatedAt < $1.updatedAt }
        return request
    }

    func request(_ id: String) -> ReceivedRequest? { positions[id].map { requests[$0] } }

    /// Whether GET requests shows it: not a batch request whose token is still unresolved.
    func isVisible(_ id: String) -> Bool { resolved.contains(id) }

    /// Counts a poll of the token: nil when the token is unknown, the id once enough polls have been made.
    mutating func poll(token: String) -> (id: String, ready: Bool)? {
        guard var entry = tokens[token] else { return nil }
        entry.polls += 1
        tokens[token] = entry
        let ready = entry.polls > resolveAfterPolls
        if ready { resolved.insert(entry.id) }
        return (entry.id, ready)
    }

    mutating func newUpdateID() -> String {
        defer { nextUpdate += 1 }
        return "UPD-\(nextUpdate)"
    }

    mutating func addUpdate(to id: String, status: String, description: String, at: Date, updateID: String?,
                            mediaURL: String? = nil, externalStatusCode: String?) -> ServiceRequestUpdate {
        let update = ServiceRequestUpdate(updateID: updateID ?? newUpdateID(), serviceRequestID: id, status: status.lowercased(),
                                          updatedAt: Self.wholeSecond(at), description: description, mediaURL: mediaURL,
                                          externalStatusCode: externalStatusCode)
        updates.append(update)
        return update
    }

    mutating func receive(_ update: ReceivedUpdate) { receivedUpdates.append(update) }

    /// The latest update of a request, by its time and then by the order it was added.
    func latestUpdate(of id: String) -> ServiceRequestUpdate? {
        updates.enumerated().filter { $0.element.serviceRequestID == id }
            .max { ($0.element.updatedAt, $0.offset) < ($1.element.updatedAt, $1.offset) }?.element
    }

    /// The updates whose time is within the window, as the delivery setting hands them out.
    func updates(from start: Date?, to end: Date?) -> [ServiceRequestUpdate] {
        let window = updates.enumerated()
            .filter { entry in entry.element.updatedAt >= (start ?? .distantPast) && entry.element.updatedAt <= (end ?? .distantFuture) }
            .sorted { ($0.element.updatedAt, $0.offset) < ($1.element.updatedAt, $1.offset) }
            .map(\.element)
        switch delivery {
        case .inOrder: return window
        case .shuffledAndRepeated:
            // Each twice: newest first, then the list turned round by one, so the order is never the true one.
            return window.reversed() + window.dropFirst() + window.prefix(1)
        }
    }

    static func wholeSecond(_ date: Date) -> Date { Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)) }
}
