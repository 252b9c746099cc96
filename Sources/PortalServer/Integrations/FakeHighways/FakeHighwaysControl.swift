import Foundation
import PortalCore
import NIOHTTP1

/// The fake's own control calls, under `/fake/` and apart from the Open311 paths, for a person or a
/// browser test: `GET /fake/requests.json` lists what was received with each request's updates;
/// `POST /fake/requests/{id}/updates` (form fields `status`, `description`, optional
/// `external_status_code`) adds an update timed now. They answer whatever the fake's mode.
enum FakeHighwaysControl {
    static let prefix = "/fake/"

    static func answer(_ call: FakeHighwaysCall, store: inout FakeHighwaysStore, now: Date) -> FakeHighwaysAnswer {
        guard let segments = call.segments(after: prefix) else { return .error(.notFound, "There is no such resource", format: .json) }
        switch (call.method, segments.count, segments.first) {
        case (.GET, 1, "requests.json"):
            return .document("requests", .list(item: "request", store.requests.map { summary($0, store: store) }), format: .json)
        case (.POST, 3, "requests") where segments[2] == "updates":
            return addUpdate(to: segments[1], call, store: &store, now: now)
        default:
            return .error(.notFound, "There is no such resource", format: .json)
        }
    }

    private static func summary(_ request: ReceivedRequest, store: FakeHighwaysStore) -> Open311Value {
        .record([
            .init("service_request_id", .text(request.serviceRequestID)),
            .init("token", .optional(request.token)),
            .init("service_code", .text(request.serviceCode)),
            .init("requested_datetime", .date(request.requestedAt)),
            .init("fields", .list(item: "field", request.fields.map { .record([.init("name", .text($0.name)), .init("value", .text($0.value))]) })),
            .init("updates", .list(item: "update", store.updates.filter { $0.serviceRequestID == request.serviceRequestID }.map(\.wire))),
        ])
    }

    private static func addUpdate(to id: String, _ call: FakeHighwaysCall, store: inout FakeHighwaysStore, now: Date) -> FakeHighwaysAnswer {
        guard store.request(id) != nil else { return .error(.notFound, "service_request_id \(id) not found", format: .json) }
        let status = call.value("status")?.lowercased() ?? ""
        let description = call.value("description") ?? ""
        var problems: [String] = []
        if !Open311Status.all.contains(status) { problems.append("status must be one of \(Open311Status.all.joined(separator: ", "))") }
        if description.count > FakeHighwaysOpen311.maximumDescription { problems.append("description is longer than 4000 characters") }
        guard problems.isEmpty else { return .errors(.badRequest, problems, format: .json) }
        let update = store.addUpdate(to: id, status: status, description: description, at: now, updateID: nil,
                                     externalStatusCode: call.value("external_status_code"))
        return .document("request_updates", .list(item: "request_update", [update.wire]), format: .json, status: .created)
    }
}
