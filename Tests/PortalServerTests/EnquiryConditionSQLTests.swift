import Fluent
import Foundation
import PortalCore
@testable import PortalServer
import SQLKit
import Testing

/// The access rule is stated once (`EnquiryAccess`, in `EnquiryCondition`s) and read two ways:
/// in Swift for one enquiry, and as SQL for lists, queues, search and counts. Over generated
/// people and enquiries, on whichever database the suite runs on, the two must agree exactly.
@Suite struct EnquiryConditionSQLTests {
    struct Row: Decodable {
        let id: UUID
        let status: String
        let member_id: UUID
        let raised_by_id: UUID
        let service_area_id: UUID
    }

    @Test func theSQLAndTheSwiftAnswerAgreeForGeneratedPeopleAndEnquiries() async throws {
        let seed = UInt64.random(in: 1...UInt64.max)
        // Printed with every failure, so that one can be run again.
        var random = SeededRandom(seed: seed)
        try await withApp { app in
            try await DemoEnquiries.load(on: app.db, at: app.now)
            let sql = app.db.sql
            let users = try await User.query(on: app.db).all().map { try $0.requireID() }
            let areas = try await ServiceArea.query(on: app.db).all().map { try $0.requireID() }
            let statuses = EnquiryStatus.allCases.map(\.rawValue)
            // Shuffle who each enquiry belongs to, who raised it, its area and state, so that every
            // combination the rule distinguishes occurs (drafts by others, raised for oneself...).
            let ids = try await sql.select().column("id").from(Enquiry.schema).all().map { try $0.decode(column: "id", as: UUID.self) }
            let questions = try await sql.select().column("id").from("responder_questions").all().map { try $0.decode(column: "id", as: UUID.self) }
            let people = Array(users.shuffled(using: &random).prefix(12))
            let enquiryPlan = ids.map { id in
                let member = people.randomElement(using: &random)!
                let raiser = Bool.random(using: &random) ? member : people.randomElement(using: &random)!
                return (id, member, raiser, areas.randomElement(using: &random)!, statuses.randomElement(using: &random)!)
            }
            let questionPlan = questions.map { ($0, people.randomElement(using: &random)!, ids.randomElement(using: &random)!) }
            try await app.db.transaction { db in
                for (id, member, raiser, area, status) in enquiryPlan {
                    try await db.sql.update(Enquiry.schema).set("member_id", to: member).set("raised_by_id", to: raiser)
                        .set("service_area_id", to: area).set("status", to: status).where("id", .equal, id).run()
                }
                for (id, responder, enquiry) in questionPlan {
                    try await db.sql.update("responder_questions").set("responder_id", to: responder).set("enquiry_id", to: enquiry)
                        .where("id", .equal, id).run()
                }
            }
            // The facts, read back from the database.
            let rows = try await sql.select().columns("id", "status", "member_id", "raised_by_id", "service_area_id").from(Enquiry.schema).all(decoding: Row.self)
            var asked: [UUID: Set<UUID>] = [:]
            for row in try await sql.select().columns("enquiry_id", "responder_id").from("responder_questions").all() {
                asked[try row.decode(column: "enquiry_id", as: UUID.self), default: []].insert(try row.decode(column: "responder_id", as: UUID.self))
            }
            let facts = try rows.map { row in
                (row.id, EnquiryAccess.Facts(status: try #require(EnquiryStatus(rawValue: row.status)), memberID: row.member_id,
                                             raisedByID: row.raised_by_id, serviceAreaID: row.service_area_id, askedResponderIDs: asked[row.id] ?? []))
            }
            #expect(Set(facts.map(\.1.status)).count == EnquiryStatus.allCases.count)

            let viewers: [EnquiryAccess.Viewer] = (0..<40).map { _ in
                let roles = Role.allCases.filter { _ in Bool.random(using: &random) }
                let coordinated = Set(areas.filter { _ in Int.random(in: 0..<3, using: &random) == 0 })
                // Most are people in the data; a few are strangers to it.
                let id = Int.random(in: 0..<8, using: &random) == 0 ? UUID() : people.randomElement(using: &random)!
                return EnquiryAccess.Viewer(id: id, roles: RoleSet(roles), coordinatedAreas: coordinated)
            }
            var checked = 0
            for viewer in viewers {
                // Each enquiry's standings, as the enquiry page reads them.
                let standings = Dictionary(uniqueKeysWithValues: facts.map { ($0.0, EnquiryAccess.standing(of: viewer, towards: $0.1)) })
                var conditions: [(String, EnquiryCondition, (Set<Standing>) -> Bool)] = [
                    ("visible", EnquiryAccess.visible(to: viewer), { EnquiryAccess.view(for: $0) != nil }),
                    ("own", EnquiryAccess.own(of: viewer), { !$0.isDisjoint(with: [.owner, .raiser]) }),
                    ("officer", EnquiryAccess.asOfficer(viewer), { !$0.isDisjoint(with: [.coordinator, .administrator]) }),
                ]
                for standing in Standing.allCases {
                    conditions.append(("\(standing)", EnquiryAccess.condition(for: [standing], of: viewer), { $0.contains(standing) }))
                }
                for (name, condition, swift) in conditions {
                    var select = sql.select().column("id").from(Enquiry.schema)
                    if let condition = condition.sql { select = select.where(condition) }
                    let fromSQL = Set(try await select.all().map { try $0.decode(column: "id", as: UUID.self) })
                    let fromSwift = Set(facts.filter { swift(standings[$0.0]!) }.map(\.0))
                    #expect(fromSQL == fromSwift, "\(name) for \(viewer.roles) \(viewer.coordinatedAreas.count) areas, seed \(seed): SQL \(fromSQL.count), Swift \(fromSwift.count)")
                    checked += 1
                }
                // Search's own conditions, for each scope the person may choose, with and without a status.
                for scope in SearchScope.allCases {
                    let search = EnquirySearch.Viewer(access: viewer, scope: scope)
                    let scopeCondition = search.enquiries
                    for status in [nil, EnquiryStatus.draft, .inProgress] {
                        var criteria = SearchCriteria()
                        criteria.status = status
                        let clock = WorkingDayClock(calendar: WorkingCalendar())
                        let found = try await EnquirySearch.matching(criteria, viewer: search, clock: clock, now: app.now, on: app.db)
                            .column(EnquirySearch.column("id")).all().map { try $0.decode(column: "id", as: UUID.self) }
                        let expected = facts.filter { scopeCondition.holds(for: $0.1) && (status == nil || $0.1.status == status) }.map(\.0)
                        #expect(Set(found) == Set(expected), "search \(scope) \(status.map { "\($0)" } ?? "any") for \(viewer.roles), seed \(seed)")
                        checked += 1
                    }
                }
            }
            print("EnquiryConditionSQLTests: \(viewers.count) people × \(facts.count) enquiries, \(checked) conditions compared, seed \(seed)")
        }
    }

    @Test func simplifyingKeepsTheMeaning() {
        let a = UUID(), b = UUID(), area = UUID()
        let facts = EnquiryStatus.allCases.flatMap { status in
            [(a, a), (a, b), (b, a), (b, b)].flatMap { member, raiser in
                [Set<UUID>(), [a]].map { asked in
                    EnquiryAccess.Facts(status: status, memberID: member, raisedByID: raiser, serviceAreaID: area, askedResponderIDs: asked)
                }
            }
        }
        var wrong: [String] = []
        let parts: [EnquiryCondition] = [.always, .never, .notDraft, .memberIs(a), .memberIsNot(a), .raisedBy(a), .serviceAreaIn([area]), .serviceAreaIn([]), .askedResponder(a)]
        for x in parts {
            for y in parts {
                for z in parts {
                    for condition in [EnquiryCondition.all([x, .any([y, z])]), .any([.all([x, y]), .all([x, z])]), .any([x, .all([.notDraft, y]), .all([.notDraft, z])])] {
                        let simplified = condition.simplified, known = condition.without(.notDraft)
                        for fact in facts {
                            if simplified.holds(for: fact) != condition.holds(for: fact) { wrong.append("\(condition)") }
                            if fact.status != .draft, known.holds(for: fact) != condition.holds(for: fact) { wrong.append("\(condition) without notDraft") }
                        }
                    }
                }
            }
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(5))")
    }
}
