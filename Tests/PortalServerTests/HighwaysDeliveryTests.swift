import Fluent
import Foundation
import PortalCore
@testable import PortalServer
import SQLKit
import Testing
import Vapor

/// Reports to a fake highways system that speaks Open311 over real HTTP and fails the ways real
/// ones do: every report arrives once, whatever the system does, and updates come back.
@Suite struct HighwaysDeliveryTests {
    /// The integration pointed at `fake`, sending Report a Safety Issue as `code` with the asset's
    /// id and the reference as attributes, calls allowed `timeout` seconds.
    static func connect(_ app: Application, to fake: FakeHighways, code: String = "HWY-LIGHT", format: Open311Format = .xml,
                        timeout: Int = 10, apiKey: String = "test-key") async throws {
        var settings = HighwaysSettings.off
        (settings.enabled, settings.endpoint, settings.apiKey, settings.format, settings.timeoutSeconds) = (true, fake.baseURL, apiKey, format, timeout)
        #expect(try await settings.save(expecting: 0, at: app.now, on: app.db))
        let type = try await Fixtures(app: app).type(DefaultEnquiryTypes.safetyIssue)
        try await app.db.sql.insert(into: "highways_services")
            .columns("id", "type_id", "service_code", "service_name", "attributes", "updated_at")
            .values(SQLBind(UUID()), SQLBind(try type.requireID()), SQLBind(code), SQLBind(code),
                    SQLBind(#"[{"code":"central_asset_id","source":"asset"},{"code":"portal_reference","source":"reference"}]"#), SQLBind(app.now))
            .run()
    }

    /// A submitted safety report by the demo Member, on a street light.
    static func report(_ app: Application, _ subject: String = "Lamp out by the school") async throws -> Enquiry {
        let fixtures = Fixtures(app: app)
        var valid = try await fixtures.valid(subject: subject, type: DefaultEnquiryTypes.safetyIssue)
        let spot = DemoPlaces.grid(0.5, 0.5)
        valid.point = spot
        valid.asset = AssetChoice(layerID: UUID(), reference: "SL-0042", label: "Street light SL-0042", point: spot)
        let member = try await fixtures.user("member@demo.test")
        return try await EnquiryWorkflow.create(.init(valid: valid, memberID: member.id!, channel: .portal, submit: true, submissionKey: nil),
                                                by: try await fixtures.actor("member@demo.test"), at: app.now, on: app.db)
    }

    static func deliver(_ app: Application) async throws -> HighwaysSender.Outcome {
        let settings = try await HighwaysSettings.load(on: app.db)
        return try await HighwaysSender.deliver(clock: app.portal.clock, client: Open311Client(settings: settings, http: app.outsideHTTP), on: app.db)
    }

    static func states(_ app: Application) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try await app.db.sql.select().column("state").from("highways_sends").all() {
            counts[try row.decode(column: "state", as: String.self), default: 0] += 1
        }
        return counts
    }

    static func withFake(_ body: (FakeHighways) async throws -> Void) async throws {
        let fake = try await FakeHighways.start(apiKey: "test-key")
        do { try await body(fake) } catch {
            try? await fake.shutdown()
            throw error
        }
        try await fake.shutdown()
    }

    @Test func aReportGoesOnceWithWhatTheSystemNeedsAndItsIdComesBack() async throws {
        try await Self.withFake { fake in
            try await withApp { app in
                try await Self.connect(app, to: fake)
                let enquiry = try await Self.report(app)
                #expect(try await Self.deliver(app).sent == 1)
                #expect(try await Self.deliver(app) == HighwaysSender.Outcome(), "nothing is sent twice")
                let received = await fake.received()
                try #require(received.count == 1)
                let sent = received[0]
                #expect(sent.serviceCode == "HWY-LIGHT" && sent.apiKey == "test-key")
                #expect(sent.attributes["central_asset_id"] == "SL-0042" && sent.attributes["portal_reference"] == enquiry.reference)
                #expect(sent.lat != nil && sent.long != nil)
                #expect(sent.description?.hasPrefix("Member Portal reference: \(enquiry.reference) (report ") == true)
                #expect(sent.description?.contains("Pat Jones") == false, "the resident's details stay in the portal")
                let row = try await app.db.sql.select().columns("state", "service_request_id").from("highways_sends").first()
                #expect(try row?.decode(column: "service_request_id", as: String.self) == sent.serviceRequestID)
                // The enquiry page shows the system's reference to the Member.
                let browser = TestBrowser(app)
                try await browser.signIn("member@demo.test")
                let page = try await browser.get("/enquiries/\(enquiry.id!.uuidString)")
                #expect(page.mainText.contains(sent.serviceRequestID))
            }
        }
    }

    @Test func anHourLongOutageEndsWithEveryReportDeliveredExactlyOnce() async throws {
        try await Self.withFake { fake in
            let clock = TestClock(ticking: false)
            try await withApp(clock: clock) { app in
                try await Self.connect(app, to: fake)
                await fake.setMode(.down)
                var references: [String] = []
                for index in 0..<5 { references.append(try await Self.report(app, "Lamp \(index) out").reference) }
                // An hour of the sender's turns while the system is down, and some while it fails.
                for minute in 0..<60 {
                    if minute == 40 { await fake.setMode(.serverError) }
                    if minute == 50 { await fake.setMode(.htmlErrorPage) }
                    _ = try await Self.deliver(app)
                    clock.advance(by: 60)
                }
                #expect(await fake.received().isEmpty)
                #expect(try await Self.states(app) == ["queued": 5])
                await fake.setMode(.normal)
                for _ in 0..<40 where try await Self.states(app)["sent"] != 5 {
                    _ = try await Self.deliver(app)
                    clock.advance(by: 60)
                }
                #expect(try await Self.states(app) == ["sent": 5])
                let arrived = await fake.received().compactMap { $0.attributes["portal_reference"] }
                #expect(arrived.sorted() == references.sorted(), "each report arrived exactly once")
            }
        }
    }

    @Test func anUnansweredReportIsLookedForNotSentAgain() async throws {
        for mode in [FakeHighways.Mode.dropAfterAccept, .slow(seconds: 5), .malformed] {
            try await Self.withFake { fake in
                // The system dates what it stores by the real clock.
                let clock = TestClock(at: Date(), ticking: false)
                try await withApp(clock: clock) { app in
                    try await Self.connect(app, to: fake, timeout: 2)
                    _ = try await Self.report(app)
                    await fake.setMode(mode)
                    #expect(try await Self.deliver(app).unknown == 1, "\(mode)")
                    await fake.setMode(.normal)
                    try await Task.sleep(for: .seconds(mode == .slow(seconds: 5) ? 5 : 0))
                    // Asked later, and again if a busy machine makes the question itself go unanswered.
                    for _ in 0..<5 where try await Self.states(app)["sent"] != 1 {
                        clock.advance(by: 3_600)
                        _ = try await Self.deliver(app)
                    }
                    #expect(try await Self.states(app) == ["sent": 1], "\(mode)")
                    #expect(await fake.received().count == 1, "\(mode): found in the system's list, not posted again")
                    #expect(await fake.postAttempts() == 1)
                    let id = try await app.db.sql.select().column("service_request_id").from("highways_sends").first()
                    let first = await fake.received().first?.serviceRequestID
                    #expect(try id?.decode(column: "service_request_id", as: String.self) == first)
                }
            }
        }
    }

    @Test func aReportNotListedIsLookedForAgainMinutesLaterBeforeItIsSentAgain() async throws {
        try await Self.withFake { fake in
            let clock = TestClock(at: Date(), ticking: false)
            try await withApp(clock: clock) { app in
                try await Self.connect(app, to: fake)
                _ = try await Self.report(app)
                // As a sender that died before its post reached the system leaves it.
                try await app.db.sql.update("highways_sends").set("state", to: "sending").set("posted_at", to: app.now).set("attempts", to: 1).run()
                #expect(try await Self.deliver(app).unknown == 1, "not listed yet: to be looked for again, not sent")
                #expect(await fake.postAttempts() == 0)
                clock.advance(by: 120)
                #expect(try await Self.deliver(app) == HighwaysSender.Outcome(), "not looked for again at once")
                clock.advance(by: HighwaysSender.secondLook)
                #expect(try await Self.deliver(app).retrying == 1, "still not listed minutes later: it never arrived")
                #expect(try await Self.deliver(app).sent == 1)
                #expect(await fake.postAttempts() == 1)
                #expect(await fake.received().count == 1)
            }
        }
    }

    @Test func aListThatMayBeCutShortByItsPageSizeSettlesNothing() {
        func cut(_ count: Int, _ pageSize: Int? = nil) -> Bool { HighwaysSender.mayBeCut(count, pageSize: pageSize) }
        #expect(!cut(0) && !cut(20) && !cut(99) && !cut(137) && !cut(999), "with the page size not known, a short or uneven list is whole")
        #expect(cut(100) && cut(250) && cut(500) && cut(1_000) && cut(1_234))
        #expect(cut(20, 20) && cut(25, 20), "a list as long as the page the administrator gave may be cut")
        #expect(!cut(19, 20) && !cut(100, 500) && !cut(1_000, 5_000), "a shorter one is whole, however round")
    }

    @Test func aTokenNotResolvedInADayWaitsForAnAdministrator() async throws {
        try await Self.withFake { fake in
            let clock = TestClock(ticking: false)
            await fake.setBatchServices(resolveAfterPolls: 1_000_000)
            try await withApp(clock: clock) { app in
                try await Self.connect(app, to: fake, code: "HWY-GRIT")
                _ = try await Self.report(app)
                _ = try await Self.deliver(app)
                #expect(try await Self.states(app) == ["awaiting_id": 1])
                clock.advance(by: 3_600)
                _ = try await Self.deliver(app)
                #expect(try await Self.states(app) == ["awaiting_id": 1], "still asking after an hour")
                clock.advance(by: 86_400)
                #expect(try await Self.deliver(app).held == 1)
                let problems = try await app.db.sql.select().column("detail").from("integration_problems").all().map { try $0.decode(column: "detail", as: String.self) }
                #expect(problems.contains { $0.contains("in a day") })
            }
        }
    }

    @Test func aWindowOfUpdatesTooLargeToReadIsReadInHalves() async throws {
        try await Self.withFake { fake in
            try await withApp { app in
                try await Self.connect(app, to: fake)
                let enquiry = try await Self.report(app)
                #expect(try await Self.deliver(app).sent == 1)
                let id = try #require(await fake.received().first?.serviceRequestID)
                let now = Date()
                await fake.addUpdate(toRequest: id, status: "in_progress", description: "Inspector visiting", at: now.addingTimeInterval(-3 * 3_600))
                await fake.addUpdate(toRequest: id, status: "fixed", description: "Lamp replaced", at: now.addingTimeInterval(-600))
                // Anything wider than an hour is answered with 50 MB.
                await fake.setMode(.hugeUpdatesWiderThan(seconds: 3_600))
                let settings = try await HighwaysSettings.load(on: app.db)
                let client = Open311Client(settings: settings, http: app.outsideHTTP)
                let pulled = try await HighwaysUpdates.pull(from: now.addingTimeInterval(-8 * 3_600), to: now, client: client, at: app.now, on: app.db)
                #expect(pulled.applied == 2, "\(pulled)")
                #expect(try await Enquiry.find(enquiry.id, on: app.db)?.status == .completed)
            }
        }
    }

    @Test func aRefusedReportWaitsForAnAdministratorWithTheSystemsWords() async throws {
        try await Self.withFake { fake in
            try await withApp { app in
                try await Self.connect(app, to: fake, apiKey: "wrong-key")
                let enquiry = try await Self.report(app)
                #expect(try await Self.deliver(app).failed == 1)
                let row = try await app.db.sql.select().columns("last_error").from("highways_sends").first()
                #expect(try row?.decode(column: "last_error", as: String.self).contains("403") == true)
                let browser = TestBrowser(app)
                try await browser.signIn("admin@demo.test")
                let home = try await browser.get("/")
                #expect(home.mainText.contains("1 report to highways stuck"))
                let admin = try await browser.get("/admin/integrations")
                #expect(admin.mainText.contains(enquiry.reference))
            }
        }
    }

    @Test func aTokenIsResolvedToTheSystemsReference() async throws {
        try await Self.withFake { fake in
            let clock = TestClock(ticking: false)
            await fake.setBatchServices(resolveAfterPolls: 2)
            try await withApp(clock: clock) { app in
                try await Self.connect(app, to: fake, code: "HWY-GRIT")
                _ = try await Self.report(app)
                _ = try await Self.deliver(app)
                #expect(try await Self.states(app) == ["awaiting_id": 1])
                for _ in 0..<6 where try await Self.states(app)["sent"] != 1 {
                    clock.advance(by: 60)
                    _ = try await Self.deliver(app)
                }
                #expect(try await Self.states(app) == ["sent": 1])
                let id = try await app.db.sql.select().column("service_request_id").from("highways_sends").first()
                let first = await fake.received().first?.serviceRequestID
                    #expect(try id?.decode(column: "service_request_id", as: String.self) == first)
            }
        }
    }

    @Test func updatesPulledOutOfOrderAndTwiceAreAppliedOnceEachInOrder() async throws {
        try await Self.withFake { fake in
            let clock = TestClock(ticking: false)
            try await withApp(clock: clock) { app in
                try await Self.connect(app, to: fake)
                let enquiry = try await Self.report(app)
                _ = try await Self.deliver(app)
                let id = try #require(await fake.received().first?.serviceRequestID)
                let now = app.now
                await fake.addUpdate(toRequest: id, status: "in_progress", description: "Inspector on the way", at: now.addingTimeInterval(-1_800))
                await fake.addUpdate(toRequest: id, status: "action_scheduled", description: "Electrician booked", at: now.addingTimeInterval(-1_200))
                await fake.addUpdate(toRequest: id, status: "fixed", description: "Lamp replaced", at: now.addingTimeInterval(-600))
                await fake.addUpdate(toRequest: id, status: "surveyed_by_contractor", description: "An unknown status", at: now.addingTimeInterval(-300))
                fake.updateDelivery = .shuffledAndRepeated
                let clockNow = try await HighwaysSettings.load(on: app.db)
                #expect(clockNow.enabled)
                let ran = try await HighwaysJob.run(time: app.portal.clock, http: app.outsideHTTP,
                                                    clock: try await app.serviceLevelCache.get(on: app.db).clock, on: app.db)
                let pulled = try #require(ran.pulled)
                #expect(pulled.applied == 4 && pulled.repeated >= 4)
                #expect(try await Enquiry.find(enquiry.id, on: app.db)?.status == .completed)
                let bodies = try await EnquiryEntry.query(on: app.db).filter(\.$enquiry.$id == enquiry.id!).sort(\.$createdAt).all().map(\.body)
                #expect(bodies.map { $0.components(separatedBy: ".").first ?? "" }
                        == ["Highways system: In progress", "Highways system: Action scheduled", "Highways system: Fixed", "Highways system: Surveyed by contractor"])
                // Read again at the next turn: nothing new.
                clock.advance(by: 600)
                let again = try await HighwaysJob.run(time: app.portal.clock, http: app.outsideHTTP,
                                                      clock: try await app.serviceLevelCache.get(on: app.db).clock, on: app.db)
                #expect(again.pulled?.applied == 0)
            }
        }
    }

    @Test func badAnswersOfUpdatesApplyNothingAndAreShownToTheAdministrator() async throws {
        try await Self.withFake { fake in
            try await withApp { app in
                try await Self.connect(app, to: fake)
                _ = try await Self.report(app)
                _ = try await Self.deliver(app)
                let id = try #require(await fake.received().first?.serviceRequestID)
                await fake.addUpdate(toRequest: id, status: "fixed", description: "Done", at: app.now.addingTimeInterval(-60))
                for mode in [FakeHighways.Mode.malformed, .hugeBody, .htmlErrorPage] {
                    await fake.setMode(mode)
                    let settings = try await HighwaysSettings.load(on: app.db)
                    let client = Open311Client(settings: settings, http: app.outsideHTTP)
                    await #expect(throws: HighwaysUpdates.BadAnswer.self, "\(mode)") {
                        try await HighwaysUpdates.pull(from: app.now.addingTimeInterval(-3_600), to: app.now, client: client, at: app.now, on: app.db)
                    }
                    #expect(try await app.db.sql.select().column("id").from("highways_updates").all().isEmpty, "\(mode)")
                }
                #expect(try await IntegrationProblems.recent(.highways, on: app.db).isEmpty == false)
            }
        }
    }
}
