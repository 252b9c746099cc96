import Fluent
import Foundation
import PortalCore
@testable import PortalServer
import SQLKit
import Testing
import Vapor
import VaporTesting

/// The JSON API's door: tokens and their scopes, whom a client acts for, the rate limit, problem
/// details for every refusal, and the administrator's page of clients.
@Suite struct ApiTests {
    struct Answer {
        let status: HTTPStatus
        let headers: HTTPHeaders
        let body: String

        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
        var items: [[String: Any]] { json["items"] as? [[String: Any]] ?? [] }
        var ids: Set<String> { Set(items.compactMap { $0["id"] as? String }) }
        var isProblem: Bool { headers.first(name: .contentType) == "application/problem+json" && json["status"] as? Int == Int(status.code) }
    }

    static func call(_ app: Application, _ path: String, token: String?, method: HTTPMethod = .GET, headers extra: HTTPHeaders = [:],
                     body: ByteBuffer? = nil) async throws -> Answer {
        var headers = extra
        if let token { headers.replaceOrAdd(name: .authorization, value: "Bearer \(token)") }
        if body != nil, headers.first(name: .contentType) == nil { headers.replaceOrAdd(name: .contentType, value: "application/json") }
        let response = try await app.testing().sendRequest(method, path, headers: headers, body: body)
        return Answer(status: response.status, headers: response.headers, body: String(buffer: response.body))
    }

    static func client(_ app: Application, _ name: String = "Customer access platform", scopes: [ApiScope], member: String? = nil, area: String? = nil,
                       perMinute: Int = 600) async throws -> (id: UUID, token: String) {
        let f = Fixtures(app: app)
        let valid = ApiClients.Valid(name: name, scopes: scopes, memberID: try await member.asyncMap { try await f.user($0).requireID() },
                                     serviceAreaID: try await area.asyncMap { try await f.area($0) }, perMinute: perMinute)
        return try await ApiClients.create(valid, by: nil, at: app.now, on: app.db)
    }

    @Test func tokensScopesAndProblemDetails() async throws {
        try await withApp { app in
            let f = Fixtures(app: app)
            let enquiry = try await f.take(try await f.submitted())
            _ = try await f.perform(.addNote("Internal: the resident rang twice."), enquiry, by: "coordinator@demo.test")
            let id = try enquiry.requireID().uuidString

            // No token, a token of the wrong form, a token of the right form that is not one: 401.
            for token in [nil, "nonsense", ApiClients.token(id: UUID(), secret: ApiClients.newSecret())] {
                let refused = try await Self.call(app, "/api/v1/enquiries", token: token)
                #expect(refused.status == .unauthorized && refused.isProblem && refused.headers.first(name: .wwwAuthenticate) == "Bearer")
            }
            // The document alone is open.
            let document = try await Self.call(app, "/api/v1/openapi.json", token: nil)
            #expect(document.status == .ok && (document.json["openapi"] as? String) == "3.1.0")

            // A reporting client reads the council's lists, not enquiries.
            let reports = try await Self.client(app, "Reporting", scopes: [.reportsRead])
            #expect(try await Self.call(app, "/api/v1/service-areas", token: reports.token).items.contains { $0["name"] as? String == "Highways" })
            let types = try await Self.call(app, "/api/v1/enquiry-types", token: reports.token)
            #expect(types.status == .ok && types.items.allSatisfy { $0["needs_location"] is Bool })
            #expect(try await Self.call(app, "/api/v1/places", token: reports.token).json["divisions"] is [Any])
            let forbidden = try await Self.call(app, "/api/v1/enquiries", token: reports.token)
            #expect(forbidden.status == .forbidden && forbidden.isProblem && (forbidden.json["detail"] as? String)?.contains("enquiries:read") == true)

            // A council-wide reader sees it as an officer: resident, notes and all.
            let reader = try await Self.client(app, "Warehouse", scopes: [.enquiriesRead])
            let listed = try await Self.call(app, "/api/v1/enquiries?q=\(enquiry.reference)", token: reader.token)
            #expect(listed.status == .ok && listed.ids == [id] && listed.json["total"] as? Int == 1)
            let read = try await Self.call(app, "/api/v1/enquiries/\(id)", token: reader.token)
            #expect(read.status == .ok && read.json["reference"] as? String == enquiry.reference)
            #expect((read.json["resident"] as? [String: Any])?["name"] as? String == "Pat Jones")
            #expect((read.json["entries"] as? [[String: Any]])?.contains { $0["body"] as? String == "Internal: the resident rang twice." } == true)

            // Bad input: a clear problem, never a 500.
            let badArea = try await Self.call(app, "/api/v1/enquiries?area=nope&raised-from=31/12/2025", token: reader.token)
            #expect(badArea.status == .unprocessableEntity && badArea.isProblem)
            #expect((badArea.json["errors"] as? [String: String])?.keys.sorted() == ["area", "raised-from"])
            #expect(try await Self.call(app, "/api/v1/enquiries?page=abc", token: reader.token).status == .badRequest)
            #expect(try await Self.call(app, "/api/v1/enquiries?page=401", token: reader.token).status == .unprocessableEntity)
            #expect(try await Self.call(app, "/api/v1/enquiries?q=a%0Ab", token: reader.token).status == .unprocessableEntity)
            let missing = try await Self.call(app, "/api/v1/enquiries/\(UUID().uuidString)", token: reader.token)
            #expect(missing.status == .notFound && missing.isProblem)
            #expect(try await Self.call(app, "/api/v1/enquiries/not-an-id", token: reader.token).status == .notFound)
            let nowhere = try await Self.call(app, "/api/v1/no-such-thing", token: reader.token)
            #expect(nowhere.status == .notFound && nowhere.isProblem)
            let wrongMethod = try await Self.call(app, "/api/v1/places", token: reader.token, method: .DELETE)
            #expect(wrongMethod.status == .methodNotAllowed && wrongMethod.headers.first(name: .allow) == "GET" && wrongMethod.isProblem)

            // Revoked: refused at the next call.
            #expect(try await ApiClients.revoke(reader.id, by: nil, at: app.now, on: app.db))
            #expect(try await Self.call(app, "/api/v1/enquiries/\(id)", token: reader.token).status == .unauthorized)
            #expect(try await !ApiClients.revoke(reader.id, by: nil, at: app.now, on: app.db), "twice changes nothing")

            // The portal keeps no token: only its digest.
            let secret = String(reader.token.dropFirst(ApiClients.tokenPrefix.count + 33))
            #expect(secret.count == 43)
            let found = try await ResidentErasureTests.whereFound(secret, app)
            #expect(found == [], "\(found)")
        }
    }

    @Test func aClientActingForAMemberOrAnAreaSeesWhatTheyWould() async throws {
        try await withApp { app in
            let f = Fixtures(app: app)
            let mine = try await f.take(try await f.submitted())
            _ = try await f.perform(.addNote("Internal: not for the Member."), mine, by: "coordinator@demo.test")
            let others = try await f.submitted(subject: "Bins not collected")
            try await app.db.sql.update(Enquiry.schema).set("member_id", to: try await f.user("david.okafor@demo.test").requireID())
                .where("id", .equal, try others.requireID()).run()
            let care = try await f.submitted(subject: "Care assessment")
            try await app.db.sql.update(Enquiry.schema).set("service_area_id", to: try await f.area("Adult Social Care"))
                .where("id", .equal, try care.requireID()).run()

            let member = try await Self.client(app, "Councillor's case tool", scopes: [.enquiriesRead], member: "member@demo.test")
            let listed = try await Self.call(app, "/api/v1/enquiries", token: member.token)
            let mineID = try mine.requireID().uuidString, othersID = try others.requireID().uuidString
            #expect(listed.ids.contains(mineID) && !listed.ids.contains(othersID))
            let read = try await Self.call(app, "/api/v1/enquiries/\(try mine.requireID().uuidString)", token: member.token)
            #expect(read.status == .ok && (read.json["resident"] as? [String: Any])?["name"] as? String == "Pat Jones")
            #expect((read.json["entries"] as? [[String: Any]])?.contains { $0["kind"] as? String == "note" } == false, "no internal notes for a Member")
            #expect(try await Self.call(app, "/api/v1/enquiries/\(try others.requireID().uuidString)", token: member.token).status == .notFound)

            // The Member leaves office: the client sees nothing of theirs.
            try await app.db.sql.update(User.schema).set("term_ends_on", to: "2026-06-01").where("email", .equal, "member@demo.test").run()
            #expect(try await Self.call(app, "/api/v1/enquiries/\(try mine.requireID().uuidString)", token: member.token).status == .notFound)
            #expect(try await Self.call(app, "/api/v1/enquiries", token: member.token).ids.isEmpty)

            // One service area, as its co-ordinators.
            let area = try await Self.client(app, "Social care system", scopes: [.enquiriesRead], area: "Adult Social Care")
            let careID = try care.requireID().uuidString
            #expect(try await Self.call(app, "/api/v1/enquiries", token: area.token).ids == [careID])
            #expect(try await Self.call(app, "/api/v1/enquiries/\(try mine.requireID().uuidString)", token: area.token).status == .notFound)
        }
    }

    @Test func aSessionCookieOpensNoAPIAndATokenOpensNoPage() async throws {
        try await withApp { app in
            let person = try await TestBrowser(app).signedIn("admin@demo.test")
            let api = try await person.get("/api/v1/enquiries")
            #expect(api.status == .unauthorized)
            let client = try await Self.client(app, scopes: [.enquiriesRead])
            let page = try await Self.call(app, "/enquiries", token: client.token)
            #expect(page.status == .seeOther && page.headers.first(name: .location)?.hasPrefix("/sign-in") == true)
        }
    }

    @Test func theRateLimitIsCountedOnceForEveryCallEvenAtOnce() async throws {
        try await withApp { app in
            let client = try await Self.client(app, scopes: [.enquiriesRead], perMinute: 5)
            // Twelve calls in one minute, at once (as from several instances): exactly five pass.
            let minute = Date(timeIntervalSince1970: 1_780_000_020)
            let allowed = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<12 {
                    group.addTask {
                        if case .allowed = try await ApiClients.authenticate("Bearer \(client.token)", at: minute, on: app.db) { return true }
                        return false
                    }
                }
                return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(allowed == 5)
            guard case .overLimit(_, let seconds) = try await ApiClients.authenticate("Bearer \(client.token)", at: minute.addingTimeInterval(15), on: app.db) else {
                Issue.record("over the limit within the minute"); return
            }
            #expect(seconds == 45, "until the next minute")
            guard case .allowed = try await ApiClients.authenticate("Bearer \(client.token)", at: minute.addingTimeInterval(60), on: app.db) else {
                Issue.record("a new minute, a new count"); return
            }

            // Through HTTP: 429 with Retry-After and problem details. Two calls in one minute of
            // the portal's clock (tried again should the minute turn between them).
            let one = try await Self.client(app, "One a minute", scopes: [.enquiriesRead], perMinute: 1)
            var limited: Answer?
            for _ in 0..<3 {
                let before = Int(app.now.timeIntervalSince1970 / 60)
                _ = try await Self.call(app, "/api/v1/service-areas", token: one.token)
                let second = try await Self.call(app, "/api/v1/service-areas", token: one.token)
                if Int(app.now.timeIntervalSince1970 / 60) == before { limited = second; break }
            }
            let answer = try #require(limited)
            let retry = Int(answer.headers.first(name: "Retry-After") ?? "") ?? 0
            #expect(answer.status == .tooManyRequests && answer.isProblem && (1...60).contains(retry))
            let used = try await app.db.sql.select().column("last_used_at").from("api_clients").where("id", .equal, one.id).first()
            #expect(try used?.decode(column: "last_used_at", as: Date?.self) != nil, "the last call is shown")
        }
    }

    @Test func eachReportIsFedAsJSONAndAsThePagesCSV() async throws {
        try await withApp { app in
            let f = Fixtures(app: app)
            _ = try await f.take(try await f.submitted())
            let feed = try await Self.client(app, "Power BI", scopes: [.reportsRead])
            let reader = try await Self.client(app, "Reader", scopes: [.enquiriesRead])
            #expect(try await Self.call(app, "/api/v1/reports", token: reader.token).status == .forbidden)
            let list = try await Self.call(app, "/api/v1/reports", token: feed.token)
            #expect(list.items.count == ReportKind.allCases.count)

            let summary = try await Self.call(app, "/api/v1/reports/summary?period=all", token: feed.token)
            #expect(summary.status == .ok && summary.json["title"] as? String == ReportKind.summary.title)
            let tables = summary.json["tables"] as? [[String: Any]] ?? []
            #expect(!tables.isEmpty && tables.allSatisfy { ($0["rows"] as? [[String]]) != nil })

            // The CSV is the one the page downloads, figure for figure.
            let csv = try await Self.call(app, "/api/v1/reports/summary?period=all", token: feed.token, headers: ["Accept": "text/csv"])
            #expect(csv.status == .ok && csv.headers.first(name: .contentType)?.hasPrefix("text/csv") == true)
            let page = try await TestBrowser(app).signedIn("admin@demo.test").get("/reports/summary/export.csv?period=all")
            #expect(page.status == .ok && csv.body == page.body && csv.body.contains(ReportKind.summary.title))

            #expect(try await Self.call(app, "/api/v1/reports/nothing", token: feed.token).status == .badRequest)
            #expect(try await Self.call(app, "/api/v1/reports/summary?area=nope", token: feed.token).status == .unprocessableEntity)
        }
    }

    @Test func theAdministratorMakesAClientSeesItsTokenOnceAndRevokesIt() async throws {
        try await withApp { app in
            let admin = try await TestBrowser(app).signedIn("admin@demo.test")
            #expect(try await admin.get("/").body.contains("href=\"/admin/api\""), "linked from the administrator's home page")
            let page = try await admin.get("/admin/api")
            #expect(page.status == .ok && page.mainText.contains("No client has been made yet"))
            #expect(try await TestBrowser(app).signedIn("coordinator@demo.test").get("/admin/api").status == .forbidden)

            // Refused, with every problem named, and nothing made.
            let bad = try await admin.post("/admin/api", [("name", "Bad\u{7}name"), ("acting", "member"), ("per-minute", "0")])
            #expect(bad.status == .unprocessableEntity && bad.body.contains("class=\"error-summary\""))
            for message in ["one line of text", "Choose at least one thing", "Choose the Member", "from 1 to 100,000"] {
                #expect(bad.mainText.contains(message), "\(message)")
            }
            #expect(try await count("api_clients", on: app.db) == 0)

            let made = try await admin.post("/admin/api", [("name", "Customer access platform"), ("scopes[]", "channel:create"), ("scopes[]", "enquiries:read"),
                                                           ("acting", "all"), ("per-minute", "120")])
            #expect(made.status == .created && made.headers.first(name: .cacheControl) == "no-store")
            let token = try #require(made.body.firstMatch(of: /value="(mpk_[0-9a-f]{32}_[A-Za-z0-9_-]{43})"/)?.1).description
            #expect(try await Self.call(app, "/api/v1/enquiries", token: token).status == .ok)
            let again = try await admin.get("/admin/api")
            #expect(!again.body.contains(token) && again.mainText.contains("Customer access platform") && again.mainText.contains("enquiries:read, channel:create"))
            #expect(try await admin.post("/admin/api", [("name", "customer ACCESS platform"), ("scopes[]", "enquiries:read")]).mainText.contains("on the list already"))
            let audit = try await app.db.sql.select().column("action").from("audit_entries").where("action", .equal, "api_client_created").all()
            #expect(audit.count == 1)

            let id = try #require(try await app.db.sql.select().column("id").from("api_clients").first()?.decode(column: "id", as: UUID.self))
            #expect(try await admin.post("/admin/api/\(id.uuidString)/revoke", []).status == .seeOther)
            #expect(try await Self.call(app, "/api/v1/enquiries", token: token).status == .unauthorized)
            #expect(try await admin.get("/admin/api").mainText.contains("Revoked"))
        }
    }
}

/// The inbound channel: another council system raises enquiries, once per Idempotency-Key,
/// checked by the form's own rules, and nothing is written for a request refused.
@Suite struct ApiInboundChannelTests {
    static func body(_ app: Application, subject: String = "Cycle lane blocked by parked cars", extra: [String: Any] = [:]) async throws -> [String: Any] {
        let f = Fixtures(app: app)
        var body: [String: Any] = [
            "service_area_id": try await f.area("Highways").uuidString,
            "type_id": try await f.type("Information Request").requireID().uuidString,
            "subject": subject, "details": "The lane on Station Road is blocked every morning.",
            "location": "Station Road",
            "district_id": try #require(try await District.query(on: app.db).filter(\.$name == "Wrenfield").first()?.id).uuidString,
            "division_id": try #require(try await Division.query(on: app.db).filter(\.$name == "Wrenfield North").first()?.id).uuidString,
            "resident": ["name": "Jo Bloggs", "email": "jo@example.com", "phone": "01234 111222", "address": "3 Station Road"],
        ]
        for (key, value) in extra { body[key] = value }
        return body
    }

    static func post(_ app: Application, _ body: Any, token: String, key: String? = nil) async throws -> ApiTests.Answer {
        let data = try JSONSerialization.data(withJSONObject: body)
        return try await ApiTests.call(app, "/api/v1/enquiries", token: token, method: .POST,
                                       headers: key.map { HTTPHeaders([("Idempotency-Key", $0)]) } ?? [:], body: ByteBuffer(data: data))
    }

    @Test func anEnquiryIsMadeOncePerKeyForTheAreasCoordinators() async throws {
        try await withApp { app in
            let client = try await ApiTests.client(app, scopes: [.channelCreate])
            let before = try await count(Enquiry.schema, on: app.db)
            let body = try await Self.body(app)
            let bytes = ByteBuffer(data: try JSONSerialization.data(withJSONObject: body))
            let keyed = HTTPHeaders([("Idempotency-Key", "cap-000123")])
            // Two at once with one key: one enquiry, the same answer.
            async let first = ApiTests.call(app, "/api/v1/enquiries", token: client.token, method: .POST, headers: keyed, body: bytes)
            async let second = ApiTests.call(app, "/api/v1/enquiries", token: client.token, method: .POST, headers: keyed, body: bytes)
            let (a, b) = try await (first, second)
            #expect(a.status == .created && b.status == .created, "\(a.body) \(b.body)")
            #expect(a.json["id"] as? String != nil && a.json["id"] as? String == b.json["id"] as? String)
            #expect(try await count(Enquiry.schema, on: app.db) == before + 1)
            let again = try await Self.post(app, body, token: client.token, key: "cap-000123")
            #expect(again.status == .created && again.json["reference"] as? String == a.json["reference"] as? String)
            let changed = try await Self.post(app, try await Self.body(app, subject: "Something else"), token: client.token, key: "cap-000123")
            #expect(changed.status == .conflict && changed.isProblem)
            #expect(try await count(Enquiry.schema, on: app.db) == before + 1)

            let id = try #require(UUID(uuidString: a.json["id"] as? String ?? ""))
            let enquiry = try #require(try await Enquiry.find(id, on: app.db))
            #expect(enquiry.channel == .api && enquiry.status == .submitted && enquiry.residentName == "Jo Bloggs")
            let account = try #require(try await User.find(enquiry.$raisedBy.id, on: app.db))
            #expect(account.name == "Customer access platform (API)" && !account.isActive && enquiry.$member.id == enquiry.$raisedBy.id)
            let audit = try await app.db.sql.select().columns("actor_id").from("audit_entries").where("enquiry_id", .equal, id).all()
            #expect(try audit.map { try $0.decode(column: "actor_id", as: UUID?.self) } == [account.id], "in the trail under the client's name")
            // In the co-ordinator's queue, as any new enquiry.
            let queue = try await TestBrowser(app).signedIn("coordinator@demo.test").get("/queue")
            #expect(queue.body.contains(enquiry.reference))
        }
    }

    @Test func forAMemberAndForOneArea() async throws {
        try await withApp { app in
            let f = Fixtures(app: app)
            let member = try await f.user("member@demo.test").requireID()
            let open = try await ApiTests.client(app, "Contact centre", scopes: [.channelCreate])
            let named = try await Self.post(app, try await Self.body(app, extra: ["member_id": member.uuidString]), token: open.token)
            #expect(named.status == .created && (named.json["member"] as? [String: Any])?["name"] as? String == "Cllr Alex Morgan")
            let dashboard = try await TestBrowser(app).signedIn("member@demo.test").get("/enquiries")
            #expect(dashboard.body.contains(named.json["reference"] as? String ?? "-"))
            let notMember = try await Self.post(app, try await Self.body(app, extra: ["member_id": try await f.user("coordinator@demo.test").requireID().uuidString]),
                                                token: open.token)
            #expect(notMember.status == .unprocessableEntity && (notMember.json["errors"] as? [String: String])?["member_id"] != nil)

            let care = try await ApiTests.client(app, "Care portal", scopes: [.channelCreate], area: "Adult Social Care")
            let elsewhere = try await Self.post(app, try await Self.body(app), token: care.token)
            #expect(elsewhere.status == .unprocessableEntity && (elsewhere.json["errors"] as? [String: String])?["service_area_id"] != nil)

            let forMember = try await ApiTests.client(app, "Councillor's tool", scopes: [.channelCreate], member: "member@demo.test")
            let own = try await Self.post(app, try await Self.body(app), token: forMember.token)
            #expect(own.status == .created && (own.json["member"] as? [String: Any])?["id"] as? String == member.uuidString)
        }
    }

    @Test func actionsGoThroughThePagesRulesForTheClientsStanding() async throws {
        try await withApp { app in
            let f = Fixtures(app: app)
            let enquiry = try await f.submitted()
            let path = "/api/v1/enquiries/\(try enquiry.requireID().uuidString)/actions"
            func act(_ token: String, _ body: [String: Any]) async throws -> ApiTests.Answer {
                try await ApiTests.call(app, path, token: token, method: .POST, body: ByteBuffer(data: try JSONSerialization.data(withJSONObject: body)))
            }
            let officers = try await ApiTests.client(app, "Highways system", scopes: [.enquiriesRead, .enquiriesWrite], area: "Highways")
            let member = try await ApiTests.client(app, "Councillor's tool", scopes: [.enquiriesRead, .enquiriesWrite], member: "member@demo.test")
            let reader = try await ApiTests.client(app, "Reader", scopes: [.enquiriesRead])

            #expect(try await act(reader.token, ["action": "take"]).status == .forbidden, "no write scope")
            #expect(try await act(member.token, ["action": "take"]).status == .forbidden, "a Member does not take enquiries")
            let taken = try await act(officers.token, ["action": "take"])
            #expect(taken.status == .ok && taken.json["status"] as? String == "in_progress")
            let empty = try await act(officers.token, ["action": "post_update"])
            #expect(empty.status == .unprocessableEntity && (empty.json["errors"] as? [String: String])?["text"] == "Write the update for the Member")
            #expect(try await act(officers.token, ["action": "add_note", "text": "Checked the column's records."]).status == .ok)
            let completed = try await act(officers.token, ["action": "complete", "text": "The lamp was replaced."])
            #expect(completed.status == .ok && completed.json["status"] as? String == "completed")
            let entries = completed.json["entries"] as? [[String: Any]] ?? []
            #expect(entries.contains { $0["author"] as? String == "Highways system (API)" && $0["kind"] as? String == "final_response" })

            let reopened = try await act(member.token, ["action": "reopen", "text": "It is out again."])
            #expect(reopened.status == .ok && reopened.json["status"] as? String == "in_progress")
            #expect(try await act(member.token, ["action": "reopen", "text": "Again?"]).status == .conflict, "not completed now")
            #expect(try await ApiTests.call(app, "/api/v1/enquiries/\(UUID().uuidString)/actions", token: officers.token, method: .POST,
                                            body: ByteBuffer(string: "{\"action\":\"take\"}")).status == .notFound)
            let actions = try await app.db.sql.select().column("action").from("audit_entries").where("enquiry_id", .equal, try enquiry.requireID())
                .orderBy("sequence").all().map { try $0.decode(column: "action", as: String.self) }
            #expect(Array(actions.suffix(4)) == ["take", "add_note", "complete", "reopen"])
        }
    }

    @Test func badRequestsAreRefusedClearlyAndWriteNothing() async throws {
        try await withApp { app in
            let client = try await ApiTests.client(app, scopes: [.channelCreate])
            let reader = try await ApiTests.client(app, "Reader", scopes: [.enquiriesRead])
            let before = try await count(Enquiry.schema, on: app.db)
            let good = try await Self.body(app)
            func raw(_ bytes: [UInt8], type: String = "application/json", length: String? = nil) async throws -> ApiTests.Answer {
                var headers = HTTPHeaders([("Content-Type", type)])
                if let length { headers.replaceOrAdd(name: .contentLength, value: length) }
                return try await ApiTests.call(app, "/api/v1/enquiries", token: client.token, method: .POST, headers: headers, body: ByteBuffer(bytes: bytes))
            }
            let cases: [(String, ApiTests.Answer, HTTPStatus)] = [
                ("malformed JSON", try await raw(Array("{\"subject\": ".utf8)), .badRequest),
                ("invalid UTF-8", try await raw([0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D]), .badRequest),
                ("a wrong type", try await Self.post(app, good.merging(["subject": 42]) { $1 }, token: client.token), .badRequest),
                ("an unknown field", try await Self.post(app, good.merging(["colour": "red"]) { $1 }, token: client.token), .badRequest),
                ("a missing field", try await Self.post(app, good.filter { $0.key != "details" }, token: client.token), .badRequest),
                ("not JSON", try await raw(Array("subject=x".utf8), type: "application/x-www-form-urlencoded"), .unsupportedMediaType),
                ("too large", try await raw(Array(repeating: 0x20, count: 300_000)), .payloadTooLarge),
                ("an unknown service area", try await Self.post(app, good.merging(["service_area_id": UUID().uuidString]) { $1 }, token: client.token), .unprocessableEntity),
                ("a control character", try await Self.post(app, good.merging(["subject": "Bell\u{7}"]) { $1 }, token: client.token), .unprocessableEntity),
                ("no scope", try await Self.post(app, good, token: reader.token), .forbidden),
                ("a bad key", try await Self.post(app, good, token: client.token, key: "has spaces in it"), .badRequest),
            ]
            for (name, answer, status) in cases {
                #expect(answer.status == status && answer.isProblem, "\(name): \(answer.status) \(answer.body)")
            }
            let unknownArea = cases[7].1.json["errors"] as? [String: String]
            #expect(unknownArea?["service_area_id"] == "Select a service area from the list")
            #expect(try await count(Enquiry.schema, on: app.db) == before, "nothing written")
        }
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
