import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// `portal benchmark-highways`: on an empty database only, loads the demo council without
/// enquiries and prints (1) how long submitting an enquiry takes with the highways integration
/// off and on (the report is only queued in the request; the call is the sender's), and (2) how
/// fast a pull of N updates, read from an XML answer, is applied to N enquiries sent to the
/// system. `scripts/benchmark-highways` runs it on SQLite and on a throw-away PostgreSQL.
public struct HighwaysBenchmarkCommand: AsyncCommand {
    public struct Signature: CommandSignature {
        @Option(name: "updates", help: "how many updates to apply (default 10,000)") var updates: Int?
        @Option(name: "submissions", help: "how many enquiries to submit each way (default 300)") var submissions: Int?
        public init() {}
    }

    public var help: String { "Times submitting with the highways integration off and on, and applying updates: portal benchmark-highways [--updates N]" }

    public init() {}

    public func run(using context: CommandContext, signature: Signature) async throws {
        let updateCount = signature.updates ?? 10_000, submissions = signature.submissions ?? 300
        guard (1...1_000_000).contains(updateCount), (1...100_000).contains(submissions) else {
            throw ConfigurationError("--updates must be from 1 to 1,000,000 and --submissions from 1 to 100,000")
        }
        let app = context.application
        try await Startup.checkDatabase(app)
        try await app.autoMigrate()
        guard try await User.query(on: app.db).count() == 0 else {
            throw ConfigurationError("benchmark-highways writes thousands of enquiries, so it runs only on an empty database")
        }
        try await DemoCouncil.load(on: app.db, passwordHash: try await app.password.async.hash("demo"), withEnquiries: false, at: app.now)
        let db = app.db
        let member = try await User.query(on: db).filter(\.$email == "member@demo.test").first()!
        let actor = EnquiryActor(user: try CurrentUser(member), coordinatedAreas: [])
        let data = try await ReferenceData.load(on: db)
        let type = data.types.first { $0.name == DefaultEnquiryTypes.safetyIssue }!
        let area = try await ServiceArea.query(on: db).filter(\.$name == "Highways").first()!
        var form = EnquiryForm()
        form[.serviceArea] = try area.requireID().uuidString
        form[.type] = type.id.uuidString
        form[.subject] = "Pothole by the school gates"
        form[.details] = "Deep enough to turn an ankle."
        form[.location] = "Mill Lane"
        let division = data.divisions[0]
        form[.division] = division.id.uuidString
        form[.district] = division.districtID.uuidString
        form[.point] = GridReference.text(DemoPlaces.grid(0.5, 0.5)) ?? ""
        let valid = try form.validate(against: data.catalogue, forSubmission: true).get()
        func submit() async throws { _ = try await EnquiryWorkflow.create(.init(valid: valid, memberID: member.id!, channel: .portal, submit: true, submissionKey: nil), by: actor, at: app.now, on: db) }

        var off: [Double] = []
        for _ in 0..<submissions { off.append(try await BenchmarkTimings.time { try await submit() }) }
        var settings = HighwaysSettings.off
        (settings.enabled, settings.endpoint, settings.apiKey) = (true, "http://127.0.0.1:9/open311/v2", "benchmark")
        _ = try await settings.save(expecting: 0, at: app.now, on: db)
        try await db.sql.insert(into: "highways_services")
            .columns("id", "type_id", "service_code", "service_name", "attributes", "updated_at")
            .values(SQLBind(UUID()), SQLBind(type.id), SQLBind("HWY-DEFECT"), SQLBind("Highway defect"), SQLBind(#"[{"code":"portal_reference","source":"reference"}]"#), SQLBind(app.now))
            .run()
        var on: [Double] = []
        for _ in 0..<submissions { on.append(try await BenchmarkTimings.time { try await submit() }) }
        context.console.print(BenchmarkTimings.line("submit, highways integration off", off))
        context.console.print(BenchmarkTimings.line("submit, highways integration on (queued)", on))

        // Enough sent enquiries for the updates, one update each.
        let existing = try await db.sql.select().column("id").from("highways_sends").all().count
        for _ in existing..<max(existing, updateCount) { try await submit() }
        let sends = try await db.sql.select().column("id").from("highways_sends").orderBy("created_at").limit(updateCount).all()
        for (index, row) in sends.enumerated() {
            try await db.sql.update("highways_sends").set("state", to: "sent").set("service_request_id", to: "HW-\(index)")
                .where("id", .equal, try row.decode(column: "id", as: UUID.self)).run()
        }
        let base = app.now
        let statuses = ["in_progress", "action_scheduled", "fixed"]
        var xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?><service_request_updates>"
        for index in 0..<updateCount {
            xml += "<request_update><update_id>U\(index)</update_id><service_request_id>HW-\(index)</service_request_id><status>\(statuses[index % 3])</status>"
                + "<updated_datetime>\(W3CDate.string(base.addingTimeInterval(Double(index % 600))))</updated_datetime><description>Update \(index)</description></request_update>"
        }
        xml += "</service_request_updates>"
        var pulled = HighwaysUpdates.Pulled()
        let seconds = try await BenchmarkTimings.time {
            let updates = try Open311.updates(Data(xml.utf8), format: .xml)
            pulled = try await HighwaysUpdates.apply(updates, at: app.now, on: db)
        }
        context.console.print(String(format: "applied %d of %d updates (%.1f MB of XML read) in %.2f s: %.0f a second",
                                     pulled.applied, updateCount, Double(xml.utf8.count) / 1_048_576, seconds, Double(pulled.applied) / seconds))
    }
}
