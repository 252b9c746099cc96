import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// The enquiry page's "Highways system" section: each report sent for the enquiry, the system's
/// reference and latest status, and for co-ordinators a button to send or send again. The
/// system's updates themselves are in the conversation, written by the highways system's account.
struct HighwaysPanel: Sendable {
    struct Send: Decodable, Sendable {
        let id: UUID
        let service_code: String
        let state: String
        let attempts: Int
        let service_request_id: String?
        let system_status: String?
        let last_error: String?
        let created_at: Date
        let sent_at: Date?

        var stateLabel: String { HighwaysSend.State(rawValue: state)?.label ?? state }
    }

    let sends: [Send]
    /// The enquiry's type goes to the highways system now (and the integration is on).
    let mapped: Bool
    let officer: Bool
    /// A co-ordinator may send it by hand: it is open, mapped, and has nothing on its way.
    let canSend: Bool

    static func query(_ enquiry: Enquiry, view: EnquiryAccess.View, on db: any Database) async throws -> HighwaysPanel? {
        guard view != .responder else { return nil }
        let sends = try await db.sql.select()
            .columns("id", "service_code", "state", "attempts", "service_request_id", "system_status", "last_error", "created_at", "sent_at")
            .from("highways_sends").where("enquiry_id", .equal, try enquiry.requireID()).orderBy("created_at")
            .all(decoding: Send.self)
        let officer = view == .officer
        let settings = try await HighwaysSettings.load(on: db)
        let mapped = settings.enabled && officer ? try await HighwaysSends.mapping(for: enquiry, on: db) != nil : false
        guard !sends.isEmpty || mapped else { return nil }
        // A held report may have arrived: an administrator decides, not a second copy from here.
        let onItsWay = sends.contains { (HighwaysSend.State.active + [.held]).map(\.rawValue).contains($0.state) }
        return HighwaysPanel(sends: sends, mapped: mapped, officer: officer, canSend: officer && mapped && enquiry.status.isOpen && !onItsWay)
    }

    private func rows(_ send: Send) -> [(String, String)] {
        var rows: [(String, String)] = [("Report", send.stateLabel)]
        if let id = send.service_request_id { rows.append(("Highways reference", id)) }
        if let status = send.system_status { rows.append(("Highways status", HighwaysStatusMap.label(of: status))) }
        if let sent = send.sent_at { rows.append(("Sent", sent.councilText)) }
        if officer {
            rows.append(("Service", send.service_code))
            rows.append(("Queued", send.created_at.councilText))
            rows.append(("Attempts", String(send.attempts)))
            if let error = send.last_error { rows.append(("Last problem", error)) }
        }
        return rows
    }

    func section(enquiryID: UUID, csrfToken: String) -> HTMLNode {
        PortalServer.section(.aria("labelledby", "highways-heading")) {
            h2(.id("highways-heading")) { "Highways system" }
            if sends.isEmpty {
                para { "This enquiry has not been sent to the highways system." }
            }
            for send in sends { summaryList(rows(send)) }
            if canSend {
                htmlForm(.method("post"), .action("/enquiries/\(enquiryID.uuidString)/highways")) {
                    csrfField(csrfToken)
                    submitButton(sends.isEmpty ? "Send to the highways system" : "Send to the highways system again", style: "secondary")
                }
            }
        }
    }
}

enum HighwaysRoutes {
    /// A co-ordinator sends the enquiry by hand: queued like any other report, once, audited.
    /// A report refused or held before is tried again as it was; otherwise a new report is
    /// queued from the enquiry as it stands.
    @Sendable static func send(_ request: Request) async throws -> Response {
        let id = try EnquiryFormRoutes.enquiryID(request)
        let actor = try request.enquiryActor()
        let loaded = try await EnquiryWorkflow.load(id, for: actor, on: request.db)
        guard loaded.view == .officer else { throw Abort(.forbidden, reason: "Only a co-ordinator may send an enquiry to the highways system.") }
        guard loaded.enquiry.status.isOpen else { throw Abort(.conflict, reason: "A finished enquiry is not sent to the highways system.") }
        guard try await HighwaysSettings.load(on: request.db).enabled, let mapping = try await HighwaysSends.mapping(for: loaded.enquiry, on: request.db) else {
            return request.seeOther("/enquiries/\(id.uuidString)#highways-heading", flash: "This enquiry's type is not sent to the highways system.")
        }
        let now = request.now
        let queued = try await request.db.transaction { db -> Bool in
            try await AuditTrail.lockHead(on: db)
            let active = try await db.sql.select().column("id").from("highways_sends").where("enquiry_id", .equal, id)
                .where(SQLColumn("state"), .in, SQLGroupExpression((HighwaysSend.State.active + [.held]).map { SQLBind($0.rawValue) })).first()
            guard active == nil else { return false }
            // A refused report goes again as it was: the system said no, so it has no copy.
            let retried = try await db.sql.update("highways_sends").set("state", to: HighwaysSend.State.queued.rawValue)
                .set("next_attempt_at", to: now).set("claimed_until", to: SQLLiteral.null).set("queued_by", to: actor.user.id)
                .where("enquiry_id", .equal, id).where("state", .equal, HighwaysSend.State.failed.rawValue)
                .returning("id").all()
            if retried.isEmpty { try await HighwaysSends.insert(loaded.enquiry, mapping: mapping, by: actor.user.id, at: now, on: db) }
            try await AuditTrail.record(action: "highways_send", enquiryID: id, actorID: actor.user.id,
                                        detail: retried.isEmpty ? "Sent to the highways system by hand (\(mapping.serviceCode))" : "Sent to the highways system again",
                                        at: now, on: db)
            return true
        }
        return request.seeOther("/enquiries/\(id.uuidString)#highways-heading",
                                flash: queued ? "The enquiry will be sent to the highways system in a moment." : "The enquiry is already on its way to the highways system.")
    }
}
