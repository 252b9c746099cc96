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

    static func call(_ app: Application, _ path: String, token: String?, method: HTTPMethod = .GET, headers extra: HTTPHeaders = [:]) async throws -> Answer {
        var headers = extra
        if let token { headers.replaceOrAdd(name: .authorization, value: "Bearer \(token)") }
        let response = try await app.testing().sendRequest(method, path, headers: headers)
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
            let secret = String(reader.token.split(separator: "_").last ?? "")
            #expect(try await ResidentErasureTests.whereFound(secret, app) == [])
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
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for _ in 0..<12 { group.addTask { try await Self.call(app, "/api/v1/service-areas", token: client.token).status } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.count { $0 == .ok } == 5 && statuses.count { $0 == .tooManyRequests } == 7)
            let limited = try await Self.call(app, "/api/v1/service-areas", token: client.token)
            let retry = Int(limited.headers.first(name: "Retry-After") ?? "") ?? 0
            #expect(limited.status == .tooManyRequests && limited.isProblem && (1...60).contains(retry))
            let used = try await app.db.sql.select().column("last_used_at").from("api_clients").where("id", .equal, client.id).first()
            #expect(try used?.decode(column: "last_used_at", as: Date?.self) != nil, "the last call is shown")
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

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
