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

    /// Four enquiries whose reports were sent as HW-1 to HW-4.
    static func fourSentEnquiries(_ app: Application) async throws -> [Enquiry] {
        let fixtures = Fixtures(app: app)
        var enquiries = [try await sentEnquiry(app, requestID: "HW-1")]
        for number in 2...4 {
            let enquiry = try await fixtures.submitted(subject: "Defect \(number)")
            try await app.db.sql.update("highways_sends").set("state", to: "sent").set("service_request_id", to: "HW-\(number)")
                .where("enquiry_id", .equal, enquiry.id!).run()
            enquiries.append(enquiry)
        }
        return enquiries
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
            let coordinator = try await Fixtures(app: app).user("coordinator@demo.test").requireID()
            let word = try await app.db.sql.select().column("kind").from("notifications")
                .where("user_id", .equal, coordinator).where("enquiry_id", .equal, enquiry.id!).where("kind", .equal, "outside_word").all()
            #expect(word.count == 1, "the area's co-ordinator hears that the highways system finished with it, not of its progress")
            let audit = try await AuditEntry.query(on: app.db).filter(\.$enquiryID == enquiry.id!).filter(\.$actorID == highways.id!).count()
            #expect(audit == 3, "one entry in the trail for each update")
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

    @Test func manyEnquiriesTakeTheirUpdatesTogetherAndOneThatFailsIsShownAndReadAgain() async throws {
        try await withApp { app in
            let enquiries = try await Self.fourSentEnquiries(app)
            // The database refuses one update's words, as it might refuse a change mid-way.
            if EnquirySearch.isPostgres(app.db) {
                try await app.db.sql.raw("""
                    CREATE FUNCTION refuse_words() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN IF NEW.body LIKE '%Gas main%' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$
                    """).run()
                try await app.db.sql.raw("CREATE TRIGGER refuse_words BEFORE INSERT ON enquiry_entries FOR EACH ROW EXECUTE FUNCTION refuse_words()").run()
            } else {
                try await app.db.sql.raw("""
                    CREATE TRIGGER refuse_words BEFORE INSERT ON enquiry_entries WHEN NEW.body LIKE '%Gas main%'
                    BEGIN SELECT RAISE(ABORT, 'refused'); END
                    """).run()
            }
            let base = app.now
            let batch = [
                update("B1", "in_progress", minutes: 1, "Inspecting", request: "HW-1", base: base),
                update("B2", "fixed", minutes: 2, "Lamp replaced", request: "HW-2", base: base),
                update("B3", "action_scheduled", minutes: 3, "Gas main in the way", request: "HW-3", base: base),
                update("B4", "in_progress", minutes: 4, "Inspecting", request: "HW-4", base: base),
                update("B5", "fixed", minutes: 5, "Done", request: "HW-1", base: base),
            ]
            let pulled = try await HighwaysUpdates.apply(batch, at: app.now, on: app.db)
            #expect(pulled.applied == 4 && pulled.oneByOne == 5, "\(pulled)")
            func status(_ index: Int) async throws -> EnquiryStatus? { try await Enquiry.find(enquiries[index].id, on: app.db)?.status }
            let statuses = [try await status(0), try await status(1), try await status(3)]
            #expect(statuses == [.completed, .completed, .inProgress])
            #expect(try await status(2) == .submitted, "the refused update left its enquiry as it was")
            let first = try await EnquiryEntry.query(on: app.db).filter(\.$enquiry.$id == enquiries[0].id!).sort(\.$createdAt).all()
            #expect(first.map(\.kind) == [.update, .finalResponse], "an enquiry's updates in the order they were made")
            let problems = try await app.db.sql.select().column("what").from("integration_problems").all().map { try $0.decode(column: "what", as: String.self) }
            #expect(problems.contains { $0.contains("1 update(s) could not be applied") }, "\(problems)")
            let stored = try await app.db.sql.select().column("update_id").from("highways_updates").all().map { try $0.decode(column: "update_id", as: String.self) }
            #expect(Set(stored) == ["B1", "B2", "B4", "B5"], "the refused update is not kept, so the next window reads it again")
            try await app.db.sql.raw("DROP TRIGGER refuse_words\(unsafeRaw: EnquirySearch.isPostgres(app.db) ? " ON enquiry_entries" : "")").run()
            let again = try await HighwaysUpdates.apply(batch, at: app.now, on: app.db)
            #expect(again.applied == 1 && again.repeated == 4, "\(again)")
            #expect(try await status(2) == .awaitingWorks)
        }
    }

    /// A pull of more than one transaction's worth: each transaction's enquiries are read while
    /// the one before is written, except those it changes, which are read after it.
    @Test func aPullOfManyTransactionsKeepsEachEnquirysUpdatesInOrder() async throws {
        try await withApp { app in
            let enquiries = try await Self.fourSentEnquiries(app)
            let base = app.now
            // Two a transaction: HW-1 is changed by the first, the second and the third.
            let batch = [
                update("C1", "in_progress", minutes: 1, "Inspecting", request: "HW-1", base: base),
                update("C2", "in_progress", minutes: 2, "Inspecting", request: "HW-2", base: base),
                update("C3", "action_scheduled", minutes: 3, "Booked", request: "HW-1", base: base),
                update("C4", "in_progress", minutes: 4, "Inspecting", request: "HW-3", base: base),
                update("C5", "fixed", minutes: 5, "Lamp replaced", request: "HW-1", base: base),
                update("C6", "fixed", minutes: 6, "Done", request: "HW-4", base: base),
            ]
            let pulled = try await HighwaysUpdates.apply(batch, at: app.now, on: app.db, perTransaction: 2)
            #expect(pulled.applied == 6 && pulled.oneByOne == 0, "each transaction wrote its two together: \(pulled)")
            let problems = try await app.db.sql.select().column("what").from("integration_problems").all()
            #expect(problems.isEmpty, "none went one by one or was left for later")
            func status(_ index: Int) async throws -> EnquiryStatus? { try await Enquiry.find(enquiries[index].id, on: app.db)?.status }
            let statuses = [try await status(0), try await status(1), try await status(2), try await status(3)]
            #expect(statuses == [.completed, .inProgress, .inProgress, .completed])
            let first = try await EnquiryEntry.query(on: app.db).filter(\.$enquiry.$id == enquiries[0].id!).sort(\.$createdAt).all()
            #expect(first.map(\.kind) == [.update, .update, .finalResponse], "HW-1's updates in the order they were made")
            let versions = try await Enquiry.find(enquiries[0].id, on: app.db)?.version
            #expect(versions == enquiries[0].version + 3, "each of HW-1's updates was made on the enquiry as the one before left it")
        }
    }

    /// Another instance applies a newer update to a report after this pull began: the pull's older
    /// one is then words only, and the report's newest time does not move back.
    @Test func anUpdateAppliedElsewhereMeanwhileIsNewerThanThePullsOlderOne() async throws {
        try await withApp { app in
            _ = try await Self.fourSentEnquiries(app)
            let base = app.now
            _ = try await HighwaysUpdates.apply([update("D0", "fixed", minutes: 60, request: "HW-2", base: base)], at: app.now, on: app.db)
            // While D1 is stored, HW-1 takes the time of an update an hour on, as another instance would write it.
            let newer = "UPDATE highways_sends SET last_update_at = (SELECT updated_at FROM highways_updates WHERE update_id = 'D0') WHERE service_request_id = 'HW-1'"
            if EnquirySearch.isPostgres(app.db) {
                try await app.db.sql.raw("""
                    CREATE FUNCTION newer_elsewhere() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN IF NEW.update_id = 'D1' THEN \(unsafeRaw: newer); END IF; RETURN NEW; END $$
                    """).run()
                try await app.db.sql.raw("CREATE TRIGGER newer_elsewhere AFTER INSERT ON highways_updates FOR EACH ROW EXECUTE FUNCTION newer_elsewhere()").run()
            } else {
                try await app.db.sql.raw("CREATE TRIGGER newer_elsewhere AFTER INSERT ON highways_updates WHEN NEW.update_id = 'D1' BEGIN \(unsafeRaw: newer); END").run()
            }
            let pulled = try await HighwaysUpdates.apply([update("D1", "in_progress", minutes: 10, "Inspecting", request: "HW-1", base: base)], at: app.now, on: app.db)
            #expect(pulled.applied == 1)
            let row = try await app.db.sql.select().columns("handling").from("highways_updates").where("update_id", .equal, "D1").first()
            #expect(try row?.decode(column: "handling", as: String.self) == "words_only")
            let send = try await app.db.sql.select().columns("last_update_at").from("highways_sends").where("service_request_id", .equal, "HW-1").first()
            let time = try send?.decode(column: "last_update_at", as: Date.self)
            #expect(time.map { abs($0.timeIntervalSince(base.addingTimeInterval(3_600))) < 1 } == true, "the newest time stays: \(String(describing: time))")
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
