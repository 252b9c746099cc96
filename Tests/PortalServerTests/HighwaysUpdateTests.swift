import Fluent
import Foundation
import PortalCore
@testable import PortalServer
import SQLKit
import Testing
import Vapor

/// Updates from the highways system reaching enquiries: once each, in the order the system made
/// them, through the workflow (conversation, audit trail, service level, the Member's
/// notifications), never moving a status back.
@Suite struct HighwaysUpdateTests {
    /// Switches the integration on with `Information Request` sent as HWY-DEFECT, submits an
    /// enquiry, and records its report as sent with `requestID`.
    static func sentEnquiry(_ app: Application, requestID: String) async throws -> Enquiry {
        let fixtures = Fixtures(app: app)
        var settings = HighwaysSettings.off
        settings.enabled = true
        settings.endpoint = "http://127.0.0.1:9/open311/v2"
        settings.apiKey = "key"
        #expect(try await settings.save(expecting: 0, at: app.now, on: app.db))
        let type = try await fixtures.type("Information Request")
        try await app.db.sql.insert(into: "highways_services")
            .columns("id", "type_id", "subtype_id", "asset_layer_id", "service_code", "service_name", "attributes", "updated_at")
            .values(SQLBind(UUID()), SQLBind(try type.requireID()), SQLBind(UUID?.none), SQLBind(UUID?.none), SQLBind("HWY-DEFECT"), SQLBind("Highway defect"),
                    SQLBind(#"[{"code":"portal_reference","source":"reference"}]"#), SQLBind(app.now)).run()
        let enquiry = try await fixtures.submitted()
        let sends = try await app.db.sql.select().columns("state", "body").from("highways_sends").where("enquiry_id", .equal, enquiry.id!).all()
        #expect(sends.count == 1, "one report queued with the submission")
        let body = try sends.first?.decode(column: "body", as: String.self) ?? ""
        #expect(body.contains("attribute[portal_reference]") && body.contains(enquiry.reference) && body.contains("HWY-DEFECT"))
        try await app.db.sql.update("highways_sends").set("state", to: "sent").set("service_request_id", to: requestID).where("enquiry_id", .equal, enquiry.id!).run()
        return enquiry
    }

    func update(_ id: String, _ status: String, minutes: Double, _ text: String = "", request: String = "HW-1", base: Date) -> Open311.Update {
        Open311.Update(updateID: id, requestID: request, status: status, updated: base.addingTimeInterval(minutes * 60), description: text, externalStatusCode: nil)
    }

    @Test func updatesOutOfOrderAndRepeatedAreAppliedOnceEachInOrder() async throws {
        try await withApp { app in
            let enquiry = try await Self.sentEnquiry(app, requestID: "HW-1")
            let base = app.now
            let batch = [
                update("U3", "fixed", minutes: 30, "Lamp replaced", base: base),
                update("U1", "in_progress", minutes: 10, "Inspector visiting", base: base),
                update("U2", "action_scheduled", minutes: 20, "Works order raised", base: base),
                update("U1", "in_progress", minutes: 10, "Inspector visiting", base: base),
                update("X1", "fixed", minutes: 5, request: "HW-999", base: base),
            ]
            let pulled = try await HighwaysUpdates.apply(batch, at: app.now, on: app.db)
            #expect(pulled.applied == 3 && pulled.repeated == 1 && pulled.unknownRequests == 1)
            let after = try #require(try await Enquiry.find(enquiry.id, on: app.db))
            #expect(after.status == .completed)
            #expect(after.firstResponseAt != nil, "the first update counts as the first response")
            let entries = try await EnquiryEntry.query(on: app.db).filter(\.$enquiry.$id == enquiry.id!).sort(\.$createdAt).all()
            let highways = try #require(try await User.query(on: app.db).filter(\.$email == SystemAccount.highways.email).first())
            #expect(entries.map(\.body).map { $0.components(separatedBy: "\n").first ?? "" }
                    == ["Highways system: In progress.", "Highways system: Action scheduled.", "Highways system: Fixed."])
            #expect(entries.allSatisfy { $0.$author.id == highways.id })
            #expect(entries.last?.kind == .finalResponse)
            #expect(!highways.isActive, "nobody signs in as the highways system")
            let told = try await app.db.sql.select().column("kind").from("notifications")
                .where("user_id", .equal, enquiry.$member.id).where("enquiry_id", .equal, enquiry.id!).all()
            #expect(told.count >= 2, "the Member hears of the updates and the final response")
            let audit = try await AuditEntry.query(on: app.db).filter(\.$enquiryID == enquiry.id!).filter(\.$actorID == highways.id!).count()
            #expect(audit >= 4)
            // The same window read again, and by another instance, changes nothing.
            let again = try await HighwaysUpdates.apply(batch, at: app.now, on: app.db)
            #expect(again.applied == 0 && again.repeated == 4 && again.unknownRequests == 1, "\(again)")
            #expect(try await EnquiryEntry.query(on: app.db).filter(\.$enquiry.$id == enquiry.id!).count() == 3)
            let kept = try await app.db.sql.select().columns("update_id", "handling").from("highways_updates").orderBy("update_id").all()
            // The update for a request not known yet is not stored: it is read again with the next window.
            #expect(try kept.map { try $0.decode(column: "handling", as: String.self) } == ["applied", "applied", "applied"])
        }
    }

    @Test func anOlderUpdateCannotMoveTheStatusBack() async throws {
        try await withApp { app in
            let enquiry = try await Self.sentEnquiry(app, requestID: "HW-7")
            let base = app.now
            _ = try await HighwaysUpdates.apply([update("A2", "action_scheduled", minutes: 20, "Booked", request: "HW-7", base: base)], at: app.now, on: app.db)
            #expect(try await Enquiry.find(enquiry.id, on: app.db)?.status == .awaitingWorks)
            // Made earlier, read later: its words are kept, the status stays.
            let late = try await HighwaysUpdates.apply([update("A1", "in_progress", minutes: 10, "Looked at it", request: "HW-7", base: base)], at: app.now, on: app.db)
            #expect(late.applied == 1)
            #expect(try await Enquiry.find(enquiry.id, on: app.db)?.status == .awaitingWorks)
            let handling = try await app.db.sql.select().column("handling").from("highways_updates").where("update_id", .equal, "A1").first()
            #expect(try handling?.decode(column: "handling", as: String.self) == "words_only")
            // A status nobody mapped is shown as words, and the enquiry is not completed by it.
            _ = try await HighwaysUpdates.apply([update("A3", "awaiting_inspection", minutes: 30, "Queued for inspection", request: "HW-7", base: base)], at: app.now, on: app.db)
            #expect(try await Enquiry.find(enquiry.id, on: app.db)?.status == .awaitingWorks)
            // After completion, later words are an internal note the Member does not see.
            _ = try await HighwaysUpdates.apply([update("A4", "fixed", minutes: 40, request: "HW-7", base: base),
                                                 update("A5", "in_progress", minutes: 50, "Re-inspected", request: "HW-7", base: base)], at: app.now, on: app.db)
            #expect(try await Enquiry.find(enquiry.id, on: app.db)?.status == .completed)
            let last = try await EnquiryEntry.query(on: app.db).filter(\.$enquiry.$id == enquiry.id!).sort(\.$createdAt, .descending).first()
            #expect(last?.kind == .note)
        }
    }

    @Test func eachWindowOfUpdatesIsClaimedByOneInstanceAtTimesWithFractionsOfASecond() async throws {
        try await withApp { app in
            _ = try await Self.sentEnquiry(app, requestID: "HW-3")
            let start = Date(timeIntervalSince1970: 1_796_051_074.106_774_6)
            let first = try await HighwaysJob.claimPoll(every: 15, at: start, on: app.db)
            #expect(first != nil && first! == nil, "the first window is claimed, with nothing before it")
            #expect(try await HighwaysJob.claimPoll(every: 15, at: start.addingTimeInterval(5.3), on: app.db) == nil, "not due yet")
            let later = start.addingTimeInterval(15.7)
            let second = try await HighwaysJob.claimPoll(every: 15, at: later, on: app.db)
            #expect(second != nil, "due again, whatever the fractions of a second read back")
            #expect(try await HighwaysJob.claimPoll(every: 15, at: later, on: app.db) == nil, "claimed once: another instance gets nothing")
        }
    }

    @Test func aReportIsKnownByTheWholeFirstLineOfItsDescriptionOnly() {
        let send = UUID()
        let line = HighwaysSend.referenceLine("ENQ-26-000123", send: send)
        let opens = HighwaysSend.opensWith(line)
        #expect(opens(line + "\n\nLamp out"))
        #expect(!opens("Lamp out\n\n" + line), "the line typed into the details is not the report's")
        #expect(!opens(HighwaysSend.referenceLine("ENQ-26-0001234", send: send)), "a longer reference is another report")
        #expect(!opens(HighwaysSend.referenceLine("ENQ-26-000123", send: UUID())), "the same enquiry sent again is another report")
    }
}
