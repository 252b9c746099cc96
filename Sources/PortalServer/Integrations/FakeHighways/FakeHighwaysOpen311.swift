import Foundation
import PortalCore
import NIOHTTP1

/// The Open311 GeoReport v2 calls of the fake highways system, with mySociety's update
/// extension: each call's checks, errors and answer, by the standard's rules.
struct FakeHighwaysOpen311: Sendable {
    static let prefix = "/open311/v2/"
    /// The most requests one GET requests returns, and the longest date range it takes.
    static let maximumResults = 1000
    static let maximumRange: TimeInterval = 90 * 86_400
    static let maximumDescription = 4000

    let apiKey: String
    let jurisdiction: String?
    let baseURL: String

    /// The format a path asks for, by its ending (XML when it names none).
    static func format(of path: String) -> Open311Format {
        path.hasSuffix(".json") ? .json : .xml
    }

    /// Whether the call creates a service request (counted even when the fake then fails it).
    static func isRequestPost(_ call: FakeHighwaysCall) -> Bool {
        call.method == .POST && (call.path == prefix + "requests.xml" || call.path == prefix + "requests.json")
    }

    func answer(_ call: FakeHighwaysCall, store: inout FakeHighwaysStore, now: Date) -> FakeHighwaysAnswer {
        guard var segments = call.segments(after: Self.prefix), let last = segments.last,
              let dot = last.lastIndex(of: "."), let format = Open311Format(rawValue: String(last[last.index(after: dot)...])),
              segments.count <= 2 else {
            return .error(.notFound, "There is no such resource", format: Self.format(of: call.path))
        }
        segments[segments.count - 1] = String(last[..<dot])
        let resource = segments[0], item = segments.count == 2 ? segments[1] : nil
        if resource == "discovery", item == nil, call.method == .GET {
            return .document("discovery", FakeHighwaysService.discovery(url: baseURL), format: format)
        }
        if let problem = jurisdictionProblem(call, format: format) { return problem }
        switch (call.method, resource, item) {
        case (.GET, "services", nil):
            return .document("services", .list(item: "service", FakeHighwaysService.catalogue.map(\.listEntry)), format: format)
        case (.GET, "services", let code?):
            guard let service = FakeHighwaysService.named(code) else { return .error(.notFound, "service_code \(code) not found", format: format) }
            return .document("service_definition", service.definition, format: format)
        case (.POST, "requests", nil):
            return create(call, store: &store, now: now, format: format)
        case (.GET, "requests", nil):
            return search(call, store: store, now: now, format: format)
        case (.GET, "requests", let id?):
            guard store.isVisible(id), let request = store.request(id) else {
                return .error(.notFound, "service_request_id \(id) not found", format: format)
            }
            return .document("service_requests", .list(item: "request", [wire(request, store: store)]), format: format)
        case (.GET, "tokens", let token?):
            guard let poll = store.poll(token: token) else { return .error(.notFound, "token \(token) not found", format: format) }
            let found: [Open311Value] = poll.ready ? [.record([.init("service_request_id", .text(poll.id)), .init("token", .text(token))])] : []
            return .document("service_requests", .list(item: "request", found), format: format)
        case (_, "servicerequestupdates", nil) where !store.hasUpdateExtension:
            return .error(.notFound, "Service request updates are not offered here", format: format)
        case (.GET, "servicerequestupdates", nil):
            return updates(call, store: store, format: format)
        case (.POST, "servicerequestupdates", nil):
            return receiveUpdate(call, store: &store, now: now, format: format)
        case (_, "discovery", nil), (_, "services", _), (_, "requests", _), (_, "tokens", _), (_, "servicerequestupdates", nil):
            return .error(.badRequest, "\(call.method.rawValue) is not allowed on this resource", format: format)
        default:
            return .error(.notFound, "There is no such resource", format: format)
        }
    }

    private func jurisdictionProblem(_ call: FakeHighwaysCall, format: Open311Format) -> FakeHighwaysAnswer? {
        guard let jurisdiction else { return nil }
        guard let given = call.value("jurisdiction_id") else { return .error(.badRequest, "jurisdiction_id was not provided", format: format) }
        return given == jurisdiction ? nil : .error(.notFound, "jurisdiction_id \(given) not found", format: format)
    }

    private func apiKeyProblem(_ call: FakeHighwaysCall, format: Open311Format) -> FakeHighwaysAnswer? {
        call.value("api_key") == apiKey ? nil : .error(.forbidden, "api_key not recognised", format: format)
    }

    // MARK: POST requests

    private func create(_ call: FakeHighwaysCall, store: inout FakeHighwaysStore, now: Date, format: Open311Format) -> FakeHighwaysAnswer {
        if let problem = apiKeyProblem(call, format: format) { return problem }
        guard let code = call.value("service_code") else { return .error(.badRequest, "service_code was not provided", format: format) }
        guard let service = FakeHighwaysService.named(code) else { return .error(.notFound, "service_code \(code) not found", format: format) }
        var problems: [String] = []
        let lat = coordinate(call, "lat", limit: 90, problems: &problems)
        let long = coordinate(call, "long", limit: 180, problems: &problems)
        if (lat == nil) != (long == nil), problems.isEmpty { problems.append("lat and long must be given together") }
        if lat == nil, long == nil, call.value("address_string") == nil, call.value("address_id") == nil {
            problems.append("A location is required: lat and long, address_string or address_id")
        }
        let attributes = Self.attributes(of: call)
        for attribute in service.attributes {
            let given = attributes[attribute.code]
            if attribute.required, given == nil { problems.append("attribute[\(attribute.code)] is required") }
            if let given, !attribute.values.isEmpty, !attribute.values.contains(where: { $0.key == given }) {
                problems.append("attribute[\(attribute.code)] must be one of \(attribute.values.map(\.key).joined(separator: ", "))")
            }
        }
        if let description = call.value("description"), description.count > Self.maximumDescription {
            problems.append("description is longer than \(Self.maximumDescription) characters")
        }
        guard problems.isEmpty else { return .errors(.badRequest, problems, format: format) }
        let request = store.store({ id, token, at in
            ReceivedRequest(serviceRequestID: id, token: token, serviceCode: code, lat: lat, long: long,
                            addressString: call.value("address_string"), addressID: call.value("address_id"),
                            description: call.value("description"), attributes: attributes, apiKey: apiKey,
                            jurisdictionID: call.value("jurisdiction_id"), email: call.value("email"),
                            firstName: call.value("first_name"), lastName: call.value("last_name"), phone: call.value("phone"),
                            mediaURL: call.value("media_url"), accountID: call.value("account_id"), deviceID: call.value("device_id"),
                            fields: call.form, requestedAt: at)
        }, batch: service.kind == .batch, now: now)
        let identity: Open311Value.Field = request.token.map { .init("token", .text($0)) } ?? .init("service_request_id", .text(request.serviceRequestID))
        let answer = Open311Value.record([identity, .init("service_notice", .text(service.notice)), .init("account_id", .absent)])
        return .document("service_requests", .list(item: "request", [answer]), format: format)
    }

    private func coordinate(_ call: FakeHighwaysCall, _ name: String, limit: Double, problems: inout [String]) -> Double? {
        guard let text = call.value(name) else { return nil }
        guard let value = Double(text), value.isFinite, abs(value) <= limit, text.count <= 32 else {
            problems.append("\(name) must be a number from -\(Int(limit)) to \(Int(limit))")
            return nil
        }
        return value
    }

    /// `attribute[code]` values by code; a list attribute's `attribute[code][]` values joined by commas.
    static func attributes(of call: FakeHighwaysCall) -> [String: String] {
        var found: [String: String] = [:]
        for field in call.form where field.name.hasPrefix("attribute[") && !field.value.isEmpty {
            var name = field.name.dropFirst("attribute[".count)
            let repeated = name.hasSuffix("][]")
            if repeated { name = name.dropLast(2) }
            guard name.hasSuffix("]"), name.count > 1 else { continue }
            let code = String(name.dropLast())
            found[code] = repeated ? found[code].map { $0 + "," + field.value } ?? field.value : field.value
        }
        return found
    }

    // MARK: GET requests

    private func search(_ call: FakeHighwaysCall, store: FakeHighwaysStore, now: Date, format: Open311Format) -> FakeHighwaysAnswer {
        if let ids = call.list("service_request_id") {
            guard ids.count <= Self.maximumResults else {
                return .error(.badRequest, "At most \(Self.maximumResults) service_request_id values may be given", format: format)
            }
            let found = ids.compactMap { id in store.isVisible(id) ? store.request(id) : nil }
            return .document("service_requests", .list(item: "request", found.map { wire($0, store: store) }), format: format)
        }
        var problems: [String] = []
        let statuses = call.list("status") ?? []
        if statuses.contains(where: { $0 != "open" && $0 != "closed" }) { problems.append("status must be open or closed") }
        let start = date(call, "start_date", problems: &problems), end = date(call, "end_date", problems: &problems)
        guard problems.isEmpty else { return .errors(.badRequest, problems, format: format) }
        let to = end ?? start.map { $0.addingTimeInterval(Self.maximumRange) } ?? now
        let from = start ?? to.addingTimeInterval(-Self.maximumRange)
        guard from <= to else { return .error(.badRequest, "start_date is after end_date", format: format) }
        guard to.timeIntervalSince(from) <= Self.maximumRange else {
            return .error(.badRequest, "The date range may not be longer than 90 days", format: format)
        }
        let codes = call.list("service_code").map(Set.init)
        let found = store.requests.filter { request in
            store.isVisible(request.serviceRequestID) && request.requestedAt >= from && request.requestedAt <= to
                && (codes?.contains(request.serviceCode) ?? true)
                && (statuses.isEmpty || statuses.contains(Open311Status.core(store.latestUpdate(of: request.serviceRequestID)?.status ?? "open")))
        }
        let newestFirst = found.reversed().prefix(Self.maximumResults)
        return .document("service_requests", .list(item: "request", newestFirst.map { wire($0, store: store) }), format: format)
    }

    private func date(_ call: FakeHighwaysCall, _ name: String, problems: inout [String]) -> Date? {
        guard let text = call.value(name) else { return nil }
        guard let date = Open311Date.parse(text) else {
            problems.append("\(name) must be a W3C date and time with a time zone, such as 2026-12-02T16:59:50Z")
            return nil
        }
        return date
    }

    /// A request as GET requests shows it, its status taken from its latest update.
    func wire(_ request: ReceivedRequest, store: FakeHighwaysStore) -> Open311Value {
        let service = FakeHighwaysService.named(request.serviceCode)
        let latest = store.latestUpdate(of: request.serviceRequestID)
        return .record([
            .init("service_request_id", .text(request.serviceRequestID)),
            .init("status", .text(Open311Status.core(latest?.status ?? "open"))),
            .init("status_notes", .optional(latest?.description)),
            .init("service_name", .optional(service?.name)),
            .init("service_code", .text(request.serviceCode)),
            .init("description", .optional(request.description)),
            .init("agency_responsible", .text("Highways")),
            .init("service_notice", .optional(service?.notice)),
            .init("requested_datetime", .date(request.requestedAt)),
            .init("updated_datetime", .date(latest?.updatedAt ?? request.requestedAt)),
            .init("expected_datetime", .date(service.map { request.requestedAt.addingTimeInterval(Double($0.expectedDays) * 86_400) })),
            .init("address", .optional(request.addressString)),
            .init("address_id", .optional(request.addressID)),
            .init("zipcode", .absent),
            .init("lat", request.lat.map(Open311Value.decimal) ?? .absent),
            .init("long", request.long.map(Open311Value.decimal) ?? .absent),
            .init("media_url", .optional(request.mediaURL)),
        ])
    }

    // MARK: servicerequestupdates

    private func updates(_ call: FakeHighwaysCall, store: FakeHighwaysStore, format: Open311Format) -> FakeHighwaysAnswer {
        var problems: [String] = []
        let start = date(call, "start_date", problems: &problems), end = date(call, "end_date", problems: &problems)
        guard problems.isEmpty else { return .errors(.badRequest, problems, format: format) }
        if let start, let end, start > end { return .error(.badRequest, "start_date is after end_date", format: format) }
        let found = store.updates(from: start, to: end)
        return .document("service_request_updates", .list(item: "request_update", found.map(\.wire)), format: format)
    }

    private func receiveUpdate(_ call: FakeHighwaysCall, store: inout FakeHighwaysStore, now: Date, format: Open311Format) -> FakeHighwaysAnswer {
        if let problem = apiKeyProblem(call, format: format) { return problem }
        var problems = ["service_request_id", "update_id", "status", "updated_datetime"].filter { call.value($0) == nil }.map { "\($0) was not provided" }
        if !call.has("description") { problems.append("description was not provided") }
        let status = call.value("status") ?? ""
        if !status.isEmpty, !Open311Status.all.map({ $0.uppercased() }).contains(status) {
            problems.append("status must be one of \(Open311Status.all.map { $0.uppercased() }.joined(separator: ", "))")
        }
        let at = date(call, "updated_datetime", problems: &problems)
        if let description = call.value("description"), description.count > Self.maximumDescription {
            problems.append("description is longer than \(Self.maximumDescription) characters")
        }
        guard problems.isEmpty, let id = call.value("service_request_id"), let updateID = call.value("update_id"), let at else {
            return .errors(.badRequest, problems, format: format)
        }
        guard store.request(id) != nil else { return .error(.notFound, "service_request_id \(id) not found", format: format) }
        let assigned = store.newUpdateID()
        store.receive(ReceivedUpdate(assignedID: assigned, updateID: updateID, serviceRequestID: id, status: status, updatedAt: at,
                                     description: call.value("description") ?? "", fields: call.form))
        return .document("service_request_updates", .list(item: "request_update", [.record([.init("update_id", .text(assigned))])]), format: format)
    }
}
