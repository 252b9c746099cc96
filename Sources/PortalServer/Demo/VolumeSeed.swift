import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// `portal seed-volume --enquiries N`: fills the configured database with N enquiries over the
/// last five years, shaped like the demo council's (almost all Highways, a little over half raised
/// by officers, most closed, some reopened, with their updates, notes, questions to officers,
/// answers and deadlines), for trying the portal at a large council's scale and for the search
/// and report benchmarks. Where the council has boundaries each enquiry stands on a point in its
/// division, a Highways one on an asset where there are assets (`DemoPlaces.Placer`). Rows go in
/// with many-row inserts, five thousand enquiries a transaction, with the search index written
/// alongside. Seeded enquiries have no audit history.
public struct SeedVolumeCommand: AsyncCommand {
    public struct Signature: CommandSignature {
        @Option(name: "enquiries", help: "how many enquiries to add") var enquiries: Int?
        @Option(name: "years", help: "over how many years back from today (default 5)") var years: Int?
        @Option(name: "seed", help: "a number that decides the random choices (default 1)") var seed: Int?
        public init() {}
    }

    public var help: String { "Fills the database with many realistic enquiries: portal seed-volume --enquiries N" }

    public init() {}

    public func run(using context: CommandContext, signature: Signature) async throws {
        guard let count = signature.enquiries, (1...10_000_000).contains(count) else {
            throw ConfigurationError("Say how many enquiries to add, from 1 to 10,000,000; for example: portal seed-volume --enquiries 100000")
        }
        let years = signature.years ?? 5
        guard (1...30).contains(years) else { throw ConfigurationError("--years must be from 1 to 30") }
        let app = context.application
        try await Startup.checkDatabase(app)
        try await app.autoMigrate()
        if try await User.query(on: app.db).filter(\.$isMember == true).count() == 0 {
            context.console.print("No Members yet: loading the demo council's people and places first (every password is demo).")
            try await DemoCouncil.load(on: app.db, passwordHash: try await app.password.async.hash("demo"), withEnquiries: false, at: app.now)
            try await DemoPlaces.loadAssetsAndAddresses(on: app.db)
        }
        let started = ContinuousClock.now
        @Sendable func seconds() -> Double { (ContinuousClock.now - started).timeInterval }
        try await VolumeSeed.run(count: count, years: years, seed: UInt64(max(0, signature.seed ?? 1)), now: app.now, on: app.db) { done in
            let seconds = seconds()
            context.console.print("\(done.formatted()) of \(count.formatted()) enquiries (\(Int(Double(done) / max(seconds, 0.001)).formatted()) a second)")
        }
        context.console.print("Done in \(Int(seconds())) seconds.")
    }
}

enum VolumeSeed {
    static let batch = 5000

    private struct Council {
        var members: [(id: UUID, divisionID: UUID?)] = []
        var officers: [UUID] = []
        var responders: [UUID] = []
        var coordinatorsByArea: [UUID: [UUID]] = [:]
        var highways: UUID
        var otherAreas: [UUID] = []
        var types: [String: (id: UUID, subtypes: [String: UUID])] = [:]
        var informationRequest: UUID
        var divisions: [UUID: UUID] = [:]
        var parishesByDivision: [UUID: [UUID]] = [:]
        var worksAreas: [UUID] = []
    }

    private static func council(on db: any Database) async throws -> Council {
        let users = try await User.query(on: db).filter(\.$isActive == true).all()
        let areas = try await ServiceArea.query(on: db).all()
        let types = try await EnquiryType.query(on: db).with(\.$subtypes).all()
        guard let highways = areas.first(where: { $0.name == "Highways" })?.id ?? areas.first?.id,
              let information = (types.first { $0.name == DefaultEnquiryTypes.informationRequest } ?? types.first)?.id
        else { throw ConfigurationError("The database has no service areas or enquiry types") }
        var council = Council(highways: highways, informationRequest: information)
        council.members = users.filter(\.isMember).map { ($0.id!, $0.$division.id) }
        council.officers = users.filter { $0.roles.isOfficer }.map { $0.id! }
        council.responders = users.filter(\.isResponder).map { $0.id! }
        council.otherAreas = areas.compactMap(\.id).filter { $0 != highways }
        for link in try await CoordinatorArea.query(on: db).all() { council.coordinatorsByArea[link.$serviceArea.id, default: []].append(link.$user.id) }
        for type in types {
            council.types[type.name] = (type.id!, Dictionary(type.subtypes.map { ($0.name, $0.id!) }, uniquingKeysWith: { a, _ in a }))
        }
        for division in try await Division.query(on: db).all() { council.divisions[division.id!] = division.$district.id }
        for parish in try await Parish.query(on: db).all() {
            if let division = parish.$division.id { council.parishesByDivision[division, default: []].append(parish.id!) }
        }
        council.worksAreas = try await WorksArea.query(on: db).all().compactMap(\.id)
        guard !council.members.isEmpty, !council.officers.isEmpty else { throw ConfigurationError("The database has no Members or officers") }
        return council
    }

    // Words for the text, so that searches find realistic shares of the enquiries.
    static let places = DemoEnquiries.streets + ["Bridge Street", "Meadow Close", "Park Avenue", "Forge Lane", "Mill Race", "Abbey Road",
                                                  "Castle Hill", "Lime Grove", "Ferry Lane", "Tanners Row", "Sandy Lane", "Well Street",
                                                  "Rectory Lane", "Windmill Hill", "Cooper's Yard", "Back Lane", "Moor Road", "Bell Lane"]
    static let observations = [
        "Residents say it has got worse since the heavy rain.", "Two cars have damaged tyres here this month.",
        "The parish council raised it at their last meeting.", "It is next to the primary school entrance.",
        "Buses have to swerve into the other lane.", "An elderly resident tripped here last week.",
        "Water stands on the carriageway for days.", "The problem returns every winter.",
        "It is on the route to the doctors' surgery.", "Lorries from the quarry use this road.",
        "The verge has been churned up by parked vans.", "Cyclists ride in the road to avoid it.",
        "The drain cover rocks when cars go over it.", "The hedge blocks the view at the junction.",
        "Children cross here on the way to the bus stop.", "A previous repair has failed.",
        "Residents would like a site meeting.", "The footway is too narrow for a wheelchair.",
        "Ice forms on the bend in cold weather.", "The sign has been knocked over.",
    ]
    static let notes = [
        "Checked the asset register: last inspected in spring.", "Contractor says materials are on order.",
        "Possible third-party damage; recharge to be considered.", "Linked to the drainage scheme in the capital programme.",
        "Landowner contacted about the overhanging hedge.", "Utility company works nearby; confirm whose reinstatement it is.",
        "Raised with the traffic engineer for a view.", "Budget for this year is committed; consider next year.",
    ]
    static let questions = ["Is this on the forward programme?", "Can you check whose land this is?", "What depth is the defect?",
                            "Has the utility company finished its works?", "Is a traffic order needed?"]
    static let answers = ["Yes, scheduled for the summer.", "It is adopted highway.", "About 60 mm at its deepest.",
                          "Their reinstatement is still temporary.", "Yes; the consultation starts next month."]
    static let memberQuestions = ["Any news on this one?", "The resident has chased me again; when will it be done?",
                                  "Can someone call the resident?"]
    static let replies = ["The works order has been raised and we will update you.", "Our inspector will call the resident this week."]

    static func run(count: Int, years: Int, seed: UInt64, now: Date, on db: any Database,
                    progress: @escaping @Sendable (Int) -> Void) async throws {
        let council = try await council(on: db)
        let placer = try await DemoPlaces.Placer(on: db)
        let settings = try await ServiceLevelSettings.load(on: db)
        let clock = settings.clock
        let span = Double(years) * 365 * 86_400
        let postgres = EnquirySearch.isPostgres(db)
        var dice = DemoEnquiries.Dice(state: 0x5EED_0000 &+ seed)
        var done = 0
        while done < count {
            let size = min(batch, count - done)
            let first = done
            let batchDice = DemoEnquiries.Dice(state: dice.next())
            try await db.transaction { db in
                var dice = batchDice
                var enquiries: [[any SQLExpression]] = []
                var entries: [[any SQLExpression]] = []
                var questionRows: [[any SQLExpression]] = []
                var documents: [SearchIndex.Document] = []
                // References: a block of numbers per year, drawn from the shared counters.
                var created: [Date] = []
                for index in first..<(first + size) {
                    let position = (Double(index) + Double(dice.roll(1000)) / 1000) / Double(count)
                    created.append(now.addingTimeInterval(-span * (1 - position) - 3600))
                }
                var numbers: [Int: Int] = [:]
                var years: [Int] = []
                for date in created {
                    let year = clock.localDate(of: date).year
                    years.append(year)
                    numbers[year, default: 0] += 1
                }
                var next: [Int: Int] = [:]
                for (year, taken) in numbers.sorted(by: { $0.key < $1.key }) {
                    try await db.sql.raw("""
                        INSERT INTO enquiry_counters (id, year, last_number) VALUES (\(bind: UUID()), \(bind: year), 0)
                        ON CONFLICT (year) DO NOTHING
                        """).run()
                    let row = try await db.sql.raw("""
                        UPDATE enquiry_counters SET last_number = last_number + \(bind: taken) WHERE year = \(bind: year) RETURNING last_number
                        """).first()
                    next[year] = (try row?.decode(column: "last_number", as: Int.self) ?? taken) - taken + 1
                }
                for (offset, createdAt) in created.enumerated() {
                    let year = years[offset]
                    let reference = EnquiryReference.make(year: year, number: next[year]!)
                    next[year]! += 1
                    let id = UUID()
                    let member = council.members[dice.roll(council.members.count)]
                    let divisionID = member.divisionID
                    let districtID = divisionID.flatMap { council.divisions[$0] }
                    let parishID = divisionID.flatMap { council.parishesByDivision[$0] }.flatMap { $0.isEmpty ? nil : $0[dice.roll($0.count)] }
                    let highways = dice.chance(94)
                    let placed = placer.placement(division: divisionID, onAsset: highways, using: &dice.random)
                    let place = placed?.street ?? dice.pick(places)
                    let location = "\(place), \(districtID.map { _ in "Brackenshire" } ?? "")"
                    var areaID = council.highways, typeID = council.informationRequest
                    var subtypeID: UUID?
                    var subject: String, details: String
                    if highways {
                        let problem = dice.pick(DemoEnquiries.highwaysProblems)
                        if let type = council.types[problem.type] {
                            typeID = type.id
                            subtypeID = problem.subtype.flatMap { type.subtypes[$0] }
                        }
                        subject = String(format: problem.subject, place)
                        details = problem.details
                    } else {
                        let other = dice.pick(DemoEnquiries.otherAreas)
                        areaID = council.otherAreas.isEmpty ? council.highways : council.otherAreas[dice.roll(council.otherAreas.count)]
                        subject = other.subject
                        details = other.details
                    }
                    details += " " + dice.pick(observations) + (dice.chance(50) ? " " + dice.pick(observations) : "")
                    let handlers = council.coordinatorsByArea[areaID] ?? council.officers
                    let handler = handlers[dice.roll(handlers.count)]
                    let onBehalf = dice.chance(55)
                    let raisedBy = onBehalf ? council.officers[dice.roll(council.officers.count)] : member.id
                    let channel: EnquiryChannel = onBehalf ? dice.pick([.phone, .phone, .email, .inPerson, .meeting]) : .portal
                    let residentName = dice.chance(60) ? "\(dice.pick(["Pat", "Sam", "Chris", "Jan", "Alex", "Robin", "Jo", "Lee"])) \(dice.pick(["Jones", "Smith", "Patel", "Evans", "Khan", "Wright", "Taylor", "Brown"]))" : nil
                    let residentAddress = residentName == nil ? nil : "\(dice.roll(120) + 1) \(place)"

                    // How far it got: older ones further.
                    let ageDays = now.timeIntervalSince(createdAt) / 86_400
                    let roll = dice.roll(100)
                    let status: EnquiryStatus
                    if ageDays > 90 {
                        status = roll < 88 ? .closed : roll < 94 ? .completed : roll < 97 ? .awaitingWorks : .inProgress
                    } else if ageDays > 14 {
                        status = roll < 40 ? .closed : roll < 60 ? .completed : roll < 75 ? .awaitingWorks : roll < 95 ? .inProgress : .submitted
                    } else {
                        status = roll < 10 ? .completed : roll < 50 ? .inProgress : .submitted
                    }
                    let level = settings.policies.level(serviceArea: areaID, type: typeID)
                    let day0 = clock.receivedDay(createdAt)
                    let firstDue = settings.calendar.adding(level.firstResponseDays, workingDaysTo: day0)
                    var completionFrom = day0
                    var completionDue = settings.calendar.adding(level.completionDays, workingDaysTo: day0)
                    var lastActivity = createdAt
                    var firstResponseAt: Date?, firstResponseDays: Int?, completedAt: Date?, closedAt: Date?, completionDays: Int?
                    var reopenCount = 0
                    // The document's texts in the order `SearchIndex.documents` reads them back: entries by
                    // time (then id), notes before questions to officers.
                    var conversation: [(at: Date, id: String, body: String)] = []
                    var notesWritten: [(at: Date, id: String, body: String)] = []
                    var questionTexts: [String] = []
                    func entry(_ kind: EnquiryEntry.Kind, _ author: UUID, _ body: String, _ at: Date) {
                        let entryID = UUID()
                        entries.append([SQLBind(entryID), SQLBind(id), SQLBind(kind.rawValue), SQLBind(author), SQLBind(body), SQLBind(at)])
                        if kind == .note { notesWritten.append((at, entryID.uuidString, body)) } else { conversation.append((at, entryID.uuidString, body)) }
                        lastActivity = max(lastActivity, at)
                    }
                    func later(_ from: Date, days: Int) -> Date { min(now, from.addingTimeInterval(Double(days) * 86_400 + Double(dice.roll(6 * 3600)))) }
                    if status != .submitted {
                        let answered = later(createdAt, days: dice.roll(dice.chance(80) ? 12 : 30))
                        entry(.update, handler, dice.pick(DemoEnquiries.updates), answered)
                        firstResponseAt = answered
                        firstResponseDays = max(0, settings.calendar.workingDays(from: day0, to: clock.localDate(of: answered)))
                        if dice.chance(20) { entry(.note, handler, dice.pick(notes), later(answered, days: 1)) }
                        if dice.chance(10) {
                            let asked = later(answered, days: 1)
                            let responder = council.responders.isEmpty ? handler : council.responders[dice.roll(council.responders.count)]
                            let question = dice.pick(questions), answer = dice.pick(answers)
                            let answeredAt = later(asked, days: 2)
                            questionRows.append([SQLBind(UUID()), SQLBind(id), SQLBind(handler), SQLBind(responder), SQLBind(question), SQLBind(asked),
                                                 SQLBind(ResponderQuestion.State.answered.rawValue), SQLBind(answer), SQLBind(answeredAt)])
                            questionTexts.append([question, answer, ""].joined(separator: "\n"))
                            lastActivity = max(lastActivity, answeredAt)
                        }
                        if dice.chance(10) {
                            let asked = later(answered, days: 5)
                            entry(.memberQuestion, member.id, dice.pick(memberQuestions), asked)
                            entry(.reply, handler, dice.pick(replies), later(asked, days: 1))
                        }
                        if status == .completed || status == .closed {
                            var finished = later(answered, days: 2 + dice.roll(dice.chance(85) ? 25 : 60))
                            entry(.finalResponse, handler, dice.pick(DemoEnquiries.finals), finished)
                            if dice.chance(4) {
                                let reopened = later(finished, days: 2)
                                entry(.reopened, member.id, "The problem has come back.", reopened)
                                reopenCount = 1
                                completionFrom = clock.receivedDay(reopened)
                                completionDue = settings.calendar.adding(level.completionDays, workingDaysTo: completionFrom)
                                finished = later(reopened, days: 3 + dice.roll(20))
                                entry(.finalResponse, handler, dice.pick(DemoEnquiries.finals), finished)
                            }
                            completedAt = finished
                            completionDays = max(0, settings.calendar.workingDays(from: day0, to: clock.localDate(of: finished)))
                            if status == .closed {
                                closedAt = later(finished, days: 1 + dice.roll(10))
                                entry(.closed, member.id, "Thank you.", closedAt!)
                            }
                        }
                    }
                    let nextDue: String? = status.isOpen ? (firstResponseAt == nil ? firstDue.iso : completionDue.iso) : nil
                    let worksArea: UUID? = highways && !council.worksAreas.isEmpty && status != .submitted ? council.worksAreas[dice.roll(council.worksAreas.count)] : nil
                    enquiries.append([
                        SQLBind(id), SQLBind(reference), SQLBind(member.id), SQLBind(raisedBy), SQLBind(channel.rawValue), SQLBind(areaID),
                        SQLBind(typeID), SQLBind(subtypeID), SQLBind(subject), SQLBind(details), SQLBind(residentName), SQLBind(residentAddress),
                        SQLBind(residentName == nil ? nil : "01\(dice.roll(900) + 100) \(dice.roll(900_000) + 100_000)"), SQLBind(String?.none),
                        SQLBind(location), SQLBind(dice.chance(6) ? "urgent" : "normal"),
                        SQLBind(districtID), SQLBind(divisionID), SQLBind(parishID), SQLBind(worksArea), SQLBind(status.rawValue),
                        SQLBind(status == .submitted ? nil : handler), SQLBind(false), SQLBind(reopenCount), SQLBind(1), SQLBind(String?.none),
                        SQLBind(createdAt), SQLBind(createdAt), SQLBind(completedAt), SQLBind(closedAt), SQLBind(lastActivity),
                        SQLBind(day0.iso), SQLBind(firstDue.iso), SQLBind(completionFrom.iso), SQLBind(completionDue.iso), SQLBind(nextDue),
                        SQLBind(firstResponseAt), SQLBind(firstResponseDays), SQLBind(completionDays), SQLBind(false),
                        SQLBind(CouncilTime.month(of: createdAt)),
                        SQLBind(placed?.geo.latitude), SQLBind(placed?.geo.longitude), SQLBind(placed?.point.easting), SQLBind(placed?.point.northing),
                        SQLBind(placed?.asset?.layerID), SQLBind(placed?.asset?.reference), SQLBind(placed?.asset?.label),
                    ])
                    var document = SearchIndex.Document(enquiryID: id)
                    document.subject = reference + " " + subject
                    document.core = SearchIndex.core(details: details, location: location, assetReference: placed?.asset?.reference,
                                                     assetLabel: placed?.asset?.label)
                    document.conversation = ([residentName ?? "", residentAddress ?? ""] + conversation.sorted { ($0.at, $0.id) < ($1.at, $1.id) }.map(\.body))
                        .joined(separator: "\n")
                    document.officer = ([""] + notesWritten.sorted { ($0.at, $0.id) < ($1.at, $1.id) }.map(\.body) + questionTexts).joined(separator: "\n")
                    documents.append(document)
                }
                if postgres {
                    // Each enquiry goes in with its search document, rather than being written and
                    // then rewritten by the index: half the writing, and compact indexes.
                    for (index, document) in documents.enumerated() { enquiries[index].append(SearchIndex.postgresDocument(document)) }
                    try await BulkInsert.rows(into: Enquiry.schema, columns: enquiryColumns + ["search_document"], rows: enquiries, on: db, bindsPerRow: enquiryColumns.count + 4)
                } else {
                    try await BulkInsert.rows(into: Enquiry.schema, columns: enquiryColumns, rows: enquiries, on: db)
                }
                try await BulkInsert.rows(into: EnquiryEntry.schema, columns: ["id", "enquiry_id", "kind", "author_id", "body", "created_at"], rows: entries, on: db)
                try await BulkInsert.rows(into: ResponderQuestion.schema,
                                 columns: ["id", "enquiry_id", "asked_by_id", "responder_id", "question", "asked_at", "state", "answer", "answered_at"],
                                 rows: questionRows, on: db)
                if postgres {
                    try await SearchIndex.writePostgresTexts(documents, on: db)
                } else {
                    try await SearchIndex.write(documents, on: db)
                }
            }
            done += size
            progress(done)
        }
        // Fresh statistics, so the query planner knows the tables' new sizes; on PostgreSQL a
        // vacuum too, which marks the new rows visible to all so that index-only scans need not
        // visit them.
        try await db.sql.raw(postgres ? "VACUUM (ANALYZE)" : "ANALYZE").run()
    }

    static let enquiryColumns = [
        "id", "reference", "member_id", "raised_by_id", "channel", "service_area_id", "type_id", "subtype_id", "subject", "details",
        "resident_name", "resident_address", "resident_phone", "resident_email", "location", "urgency", "district_id", "division_id",
        "parish_id", "works_area_id", "status", "handler_id", "awaiting_reply", "reopen_count", "version", "submission_key",
        "created_at", "submitted_at", "completed_at", "closed_at", "last_activity_at", "received_on", "first_response_due",
        "completion_counted_from", "completion_due", "next_due", "first_response_at", "first_response_days", "completion_days", "raiser_follows", "raised_month",
        "latitude", "longitude", "easting", "northing", "asset_layer_id", "asset_reference", "asset_label",
    ]
}
