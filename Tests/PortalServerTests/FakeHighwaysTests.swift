import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
@testable import PortalServer
import Testing

/// Drives the fake highways system over real HTTP, as the portal's Open311 client will: every
/// call in XML and JSON, every error, every misbehaving mode, tokens, update windows and the
/// control calls.
@Suite struct FakeHighwaysTests {
    static let key = "key-1"

    struct Reply {
        let status: UInt
        let headers: HTTPHeaders
        let body: String
        var contentType: String { headers.first(name: "content-type") ?? "" }
        var xml: XMLTree? { XMLTree.parse(body) }
        var json: Any? { try? JSONSerialization.jsonObject(with: Data(body.utf8), options: [.fragmentsAllowed]) }
        var array: [[String: Any]] { json as? [[String: Any]] ?? [] }
        /// The errors' codes and descriptions, from either format.
        var errors: [(code: String, description: String)] {
            if let list = json as? [[String: Any]] { return list.map { ("\($0["code"] ?? "")", "\($0["description"] ?? "")") } }
            return xml.map { root in root.name == "errors" ? root.all("error").map { ($0["code"] ?? "", $0["description"] ?? "") } : [] } ?? []
        }
    }

    /// Each test's own client: a shared one could keep a connection to a port that a fake of an
    /// earlier test had, which the system then gives to a later one.
    @TaskLocal static var client: HTTPClient?

    func withClient(_ body: () async throws -> Void) async throws {
        let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
        do { try await Self.$client.withValue(client) { try await body() } } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    func withFake(jurisdiction: String? = nil, _ body: (FakeHighways) async throws -> Void) async throws {
        let fake = try await FakeHighways.start(apiKey: Self.key, jurisdiction: jurisdiction)
        do { try await withClient { try await body(fake) } } catch {
            try await fake.shutdown()
            throw error
        }
        try await fake.shutdown()
    }

    func send(_ url: String, method: HTTPMethod = .GET, body: String? = nil, headers: [(String, String)] = [],
              timeout: TimeAmount = .seconds(20)) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "content-type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await #require(Self.client).execute(request, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 4 * 1024 * 1024)
        return Reply(status: response.status.code, headers: response.headers, body: String(buffer: bytes))
    }

    func get(_ url: String) async throws -> Reply { try await send(url) }

    /// The error a call ends with; nil when it answers.
    func failure(_ call: () async throws -> Reply) async -> (any Error)? {
        do {
            _ = try await call()
            return nil
        } catch {
            return error
        }
    }

    func post(_ url: String, _ fields: [(String, String)]) async throws -> Reply {
        try await send(url, method: .POST, body: Self.encode(fields))
    }

    static func encode(_ fields: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return fields.map { "\($0.addingPercentEncoding(withAllowedCharacters: allowed)!)=\($1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }
            .joined(separator: "&")
    }

    static let defect: [(String, String)] = [
        ("api_key", key), ("service_code", "HWY-DEFECT"), ("lat", "52.2053"), ("long", "0.1218"),
        ("description", "Deep pothole\nby the bus stop"), ("attribute[portal_reference]", "ENQ-1"), ("attribute[hazard]", "pothole"),
        ("email", "member@example.test"), ("first_name", "Alex"), ("last_name", "Morgan"), ("phone", "01234 567890"),
    ]

    static func defect(without names: Set<String> = [], with extra: [(String, String)] = []) -> [(String, String)] {
        defect.filter { !names.contains($0.0) } + extra
    }

    static let light: [(String, String)] = [("api_key", key), ("service_code", "HWY-LIGHT"), ("address_string", "1 Mill Lane, Barton"),
                                            ("attribute[central_asset_id]", "SL-23-114")]

    func w3c(_ date: Date) -> String { Open311Date.format(date) }

    // MARK: Discovery and services

    @Test func discoveryNamesTheEndpointAndBothFormats() async throws {
        try await withFake { fake throws in
            let xml = try await get(fake.baseURL + "/discovery.xml")
            #expect(xml.status == 200 && xml.contentType == "text/xml; charset=utf-8")
            #expect(xml.body.hasPrefix("<?xml version=\"1.0\" encoding=\"utf-8\"?>"))
            let endpoint = try #require(xml.xml?.first("endpoints")?.first("endpoint"))
            #expect(endpoint["url"] == fake.baseURL)
            #expect(endpoint.first("formats")?.all("format").map(\.text) == ["text/xml", "application/json"])
            let json = try await get(fake.baseURL + "/discovery.json")
            #expect(json.contentType == "application/json; charset=utf-8")
            let endpoints = try #require((json.json as? [String: Any])?["endpoints"] as? [[String: Any]])
            #expect(endpoints.first?["url"] as? String == fake.baseURL)
            #expect(endpoints.first?["formats"] as? [String] == ["text/xml", "application/json"])
        }
    }

    @Test func serviceListInBothFormats() async throws {
        try await withFake { fake throws in
            let services = try #require(try await get(fake.baseURL + "/services.xml").xml).all("service")
            #expect(services.map { $0["service_code"] ?? "" } == ["HWY-DEFECT", "HWY-LIGHT", "HWY-GULLY", "HWY-GRIT", "HWY-SIGN"])
            let grit = try #require(services.first { $0["service_code"] == "HWY-GRIT" })
            #expect(grit["type"] == "batch" && grit["metadata"] == "true" && grit["service_name"] == "Grit bin")
            let gully = try #require(services.first { $0["service_code"] == "HWY-GULLY" })
            #expect(gully.first("groups")?.all("group").count == 2 && gully["group"] == "Drainage")
            #expect(gully["keywords"]?.contains("drain") == true)
            let json = try await get(fake.baseURL + "/services.json").array
            #expect(json.count == 5)
            #expect(json.last?["service_code"] as? String == "HWY-SIGN" && json.last?["metadata"] as? Bool == false)
            #expect(json.first?["metadata"] as? Bool == true && json.first?["type"] as? String == "realtime")
        }
    }

    @Test func serviceDefinitionsCarryAttributesAndAnUnknownCodeIs404() async throws {
        try await withFake { fake throws in
            let definition = try #require(try await get(fake.baseURL + "/services/HWY-DEFECT.xml").xml)
            #expect(definition.name == "service_definition" && definition["service_code"] == "HWY-DEFECT")
            let attributes = definition.first("attributes")?.all("attribute") ?? []
            #expect(attributes.map { $0["code"] ?? "" } == ["portal_reference", "hazard"])
            #expect(attributes.first?["required"] == "true" && attributes.first?["automated"] == "server_set" && attributes.first?["variable"] == "false")
            #expect(attributes.last?.first("values")?.all("value").map { $0["key"] ?? "" } == ["pothole", "kerb", "obstruction", "other"])
            let light = try #require(try await get(fake.baseURL + "/services/HWY-LIGHT.json").json as? [String: Any])
            let lightAttributes = try #require(light["attributes"] as? [[String: Any]])
            #expect(lightAttributes.first?["automated"] as? String == "hidden_field" && lightAttributes.first?["required"] as? Bool == true)
            #expect((lightAttributes.last?["values"] as? [[String: Any]])?.map { $0["key"] as? String } == ["out", "day-burning", "damaged"])
            for format in ["xml", "json"] {
                let missing = try await get(fake.baseURL + "/services/HWY-NOPE.\(format)")
                #expect(missing.status == 404 && missing.errors.map(\.code) == ["404"])
                #expect(missing.errors.first?.description.contains("HWY-NOPE") == true)
            }
        }
    }

    // MARK: Creating requests

    @Test func postedRequestsAreStoredWithEveryFieldAndAnsweredWithAnID() async throws {
        try await withFake { fake throws in
            let before = Date()
            let xml = try await post(fake.baseURL + "/requests.xml", Self.defect)
            #expect(xml.status == 200)
            let answer = try #require(xml.xml?.first("request"))
            #expect(answer["service_request_id"] == "HW-100001" && answer["token"] == nil)
            #expect(answer["service_notice"]?.isEmpty == false)
            let json = try await post(fake.baseURL + "/requests.json", Self.light)
            #expect(json.array.first?["service_request_id"] as? String == "HW-100002")
            let received = await fake.received()
            #expect(received.count == 2)
            let first = try #require(received.first)
            #expect(first.serviceRequestID == "HW-100001" && first.serviceCode == "HWY-DEFECT" && first.token == nil)
            #expect(first.lat == 52.2053 && first.long == 0.1218 && first.description == "Deep pothole\nby the bus stop")
            #expect(first.attributes == ["portal_reference": "ENQ-1", "hazard": "pothole"])
            #expect(first.apiKey == Self.key && first.email == "member@example.test" && first.firstName == "Alex" && first.lastName == "Morgan")
            #expect(first[field: "phone"] == "01234 567890" && first.fields.count == Self.defect.count)
            #expect(first.requestedAt >= before.addingTimeInterval(-1) && first.requestedAt <= Date())
            #expect(received.last?.addressString == "1 Mill Lane, Barton" && received.last?.lat == nil)
            #expect(await fake.postAttempts() == 2)
        }
    }

    @Test(arguments: ["xml", "json"])
    func badRequestsAreRefusedWithTheStandardsErrors(format: String) async throws {
        try await withFake { fake throws in
            let url = fake.baseURL + "/requests.\(format)"
            let cases: [(fields: [(String, String)], status: UInt, says: String)] = [
                (Self.defect(without: ["api_key"]), 403, "api_key"),
                (Self.defect(without: ["api_key"], with: [("api_key", "wrong")]), 403, "api_key"),
                (Self.defect(without: ["service_code"]), 400, "service_code"),
                (Self.defect(without: ["service_code"], with: [("service_code", "HWY-NOPE")]), 404, "HWY-NOPE"),
                (Self.defect(without: ["lat", "long"]), 400, "location"),
                (Self.defect(without: ["long"]), 400, "together"),
                (Self.defect(without: ["lat"], with: [("lat", "91")]), 400, "lat must be a number"),
                (Self.defect(without: ["attribute[portal_reference]"]), 400, "attribute[portal_reference] is required"),
                (Self.defect(without: ["attribute[hazard]"], with: [("attribute[hazard]", "meteor")]), 400, "must be one of pothole"),
                (Self.defect(without: ["description"], with: [("description", String(repeating: "a", count: 4001))]), 400, "4000"),
            ]
            for (fields, status, says) in cases {
                let reply = try await post(url, fields)
                #expect(reply.status == status, "\(says)")
                #expect(reply.errors.count == 1 && reply.errors.first?.code == String(status), "\(reply.body)")
                #expect(reply.errors.first?.description.contains(says) == true, "\(reply.body)")
            }
            let several = try await post(url, Self.defect(without: ["lat", "long", "attribute[portal_reference]"]))
            #expect(several.status == 400 && several.errors.count == 2)
            #expect(await fake.received().isEmpty)
            #expect(await fake.postAttempts() == cases.count + 1)
            let longest = try await post(url, Self.defect(without: ["description"], with: [("description", String(repeating: "é", count: 4000))]))
            #expect(longest.status == 200)
        }
    }

    // MARK: Reading requests

    @Test func requestQueriesFilterAsTheStandardSays() async throws {
        try await withFake { fake throws in
            _ = try await post(fake.baseURL + "/requests.xml", Self.defect)
            _ = try await post(fake.baseURL + "/requests.xml", Self.light)
            _ = try await post(fake.baseURL + "/requests.xml", [("api_key", Self.key), ("service_code", "HWY-SIGN"), ("address_id", "100012345678")])
            await fake.addUpdate(toRequest: "HW-100002", status: "fixed", description: "Lamp replaced", at: Date().addingTimeInterval(1))
            func ids(_ query: String) async throws -> [String] {
                try #require(try await get(fake.baseURL + "/requests.xml" + query).xml).all("request").map { $0["service_request_id"] ?? "" }
            }
            #expect(try await ids("") == ["HW-100003", "HW-100002", "HW-100001"])
            #expect(try await ids("?status=closed") == ["HW-100002"])
            #expect(try await ids("?status=open") == ["HW-100003", "HW-100001"])
            #expect(try await ids("?status=open,closed&service_code=HWY-DEFECT,HWY-SIGN") == ["HW-100003", "HW-100001"])
            #expect(try await ids("?service_request_id=HW-100001,HW-100003,HW-999&status=closed&service_code=HWY-LIGHT") == ["HW-100001", "HW-100003"])
            #expect(try await ids("?start_date=\(w3c(Date().addingTimeInterval(3600)))") == [])
            #expect(try await ids("?end_date=\(w3c(Date().addingTimeInterval(-3600)))") == [])
            #expect(try await ids("?start_date=\(w3c(Date().addingTimeInterval(-3600)))&end_date=\(w3c(Date().addingTimeInterval(60)))").count == 3)
            #expect(try await ids("?status=") .count == 3, "an empty argument counts as not given")
            for query in ["?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", "?start_date=yesterday",
                          "?start_date=2026-01-01T00:00:00", "?status=pending", "?start_date=2026-02-01T00:00:00Z&end_date=2026-01-01T00:00:00Z"] {
                let reply = try await get(fake.baseURL + "/requests.json" + query)
                #expect(reply.status == 400 && reply.errors.first?.code == "400", "\(query)")
            }
            let closed = try #require(try await get(fake.baseURL + "/requests.json?status=closed").array.first)
            #expect(closed["status"] as? String == "closed" && closed["status_notes"] as? String == "Lamp replaced")
            #expect(closed["address"] as? String == "1 Mill Lane, Barton" && closed["lat"] is NSNull)
            let one = try #require(try await get(fake.baseURL + "/requests/HW-100001.xml").xml?.first("request"))
            #expect(one["status"] == "open" && one["service_name"] == "Highway defect" && one["lat"] == "52.2053" && one["long"] == "0.1218")
            #expect(one["description"] == "Deep pothole\nby the bus stop" && one["address"] == "")
            let requested = try #require(one["requested_datetime"].flatMap(Open311Date.parse))
            #expect(one["requested_datetime"]?.hasSuffix("Z") == true && abs(requested.timeIntervalSinceNow) < 30)
            #expect(one["expected_datetime"].flatMap(Open311Date.parse) == requested.addingTimeInterval(5 * 86_400))
            #expect(one["updated_datetime"] == one["requested_datetime"])
            let sign = try await get(fake.baseURL + "/requests/HW-100003.json").array
            #expect(sign.first?["address_id"] as? String == "100012345678")
            let missing = try await get(fake.baseURL + "/requests/HW-999.json")
            #expect(missing.status == 404 && missing.errors.first?.code == "404")
        }
    }

    @Test func aQueryReturnsAtMostAThousandRequests() throws {
        var store = FakeHighwaysStore()
        let endpoint = FakeHighwaysOpen311(apiKey: Self.key, jurisdiction: nil, baseURL: "http://127.0.0.1/open311/v2")
        let now = Date()
        let fields = Self.light.map { ReceivedRequest.Field(name: $0.0, value: $0.1) }
        for _ in 0..<1001 {
            _ = endpoint.answer(FakeHighwaysCall(method: .POST, path: "/open311/v2/requests.json", parameters: [], form: fields), store: &store, now: now)
        }
        let answer = endpoint.answer(FakeHighwaysCall(method: .GET, path: "/open311/v2/requests.json", parameters: [], form: []), store: &store, now: now)
        let list = try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [[String: Any]])
        #expect(store.requests.count == 1001 && list.count == 1000)
        #expect(list.first?["service_request_id"] as? String == "HW-101001")
    }

    // MARK: Tokens

    @Test func batchServicesAnswerWithATokenThatResolvesAfterPolls() async throws {
        try await withFake { fake throws in
            await fake.setBatchServices(resolveAfterPolls: 2)
            let grit = [("api_key", Self.key), ("service_code", "HWY-GRIT"), ("lat", "52.1"), ("long", "0.2"), ("attribute[central_asset_id]", "GB-7")]
            let answer = try #require(try await post(fake.baseURL + "/requests.xml", grit).xml?.first("request"))
            let token = try #require(answer["token"])
            #expect(token.hasPrefix("TK-") && answer["service_request_id"] == nil)
            #expect(await fake.received().first?.token == token)
            let id = try #require(await fake.received().first?.serviceRequestID)
            #expect(try await get(fake.baseURL + "/requests/\(id).xml").status == 404, "not known by its id before the token resolves")
            for _ in 0..<2 {
                let pending = try await get(fake.baseURL + "/tokens/\(token).json")
                #expect(pending.status == 200 && pending.array.isEmpty)
            }
            let ready = try #require(try await get(fake.baseURL + "/tokens/\(token).xml").xml?.first("request"))
            #expect(ready["service_request_id"] == id && ready["token"] == token)
            #expect(try await get(fake.baseURL + "/tokens/\(token).json").array.first?["service_request_id"] as? String == id)
            #expect(try await get(fake.baseURL + "/requests/\(id).xml").status == 200)
            let unknown = try await get(fake.baseURL + "/tokens/TK-nothing.xml")
            #expect(unknown.status == 404 && unknown.errors.first?.code == "404")
        }
    }

    // MARK: Updates

    @Test func updatesAreReturnedWithinTheirWindowInOrderOrScrambledAndRepeated() async throws {
        try await withFake { fake throws in
            let t0 = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 - 7200).rounded(.down))
            await fake.addUpdate(toRequest: "HW-100001", status: "action_scheduled", description: "", at: t0 + 120, updateID: "U3")
            await fake.addUpdate(toRequest: "HW-100001", status: "IN_PROGRESS", description: "Inspector sent", at: t0, updateID: "U1",
                                 externalStatusCode: "INSP")
            await fake.addUpdate(toRequest: "HW-100001", status: "fixed", description: "Filled", at: t0 + 180, updateID: "U4",
                                 mediaURL: "https://photos.example.test/1.jpg")
            await fake.addUpdate(toRequest: "HW-100002", status: "investigating", description: "Looking <into> it & more", at: t0 + 60, updateID: "U2")
            let window = "?start_date=\(w3c(t0 + 60))&end_date=\(w3c(t0 + 120))&api_key=\(Self.key)"
            let xml = try #require(try await get(fake.baseURL + "/servicerequestupdates.xml" + window).xml)
            #expect(xml.name == "service_request_updates")
            #expect(xml.all("request_update").map { $0["update_id"] ?? "" } == ["U2", "U3"])
            let second = try #require(xml.all("request_update").first)
            #expect(second["service_request_id"] == "HW-100002" && second["status"] == "investigating")
            #expect(second["description"] == "Looking <into> it & more" && second["media_url"] == "" && second["updated_datetime"] == w3c(t0 + 60))
            let all = try await get(fake.baseURL + "/servicerequestupdates.json").array
            #expect(all.map { $0["update_id"] as? String } == ["U1", "U2", "U3", "U4"])
            #expect(all[0]["status"] as? String == "in_progress" && all[0]["external_status_code"] as? String == "INSP")
            #expect(all[3]["media_url"] as? String == "https://photos.example.test/1.jpg" && all[3]["external_status_code"] is NSNull)
            fake.updateDelivery = .shuffledAndRepeated
            let scrambled = try await get(fake.baseURL + "/servicerequestupdates.json").array.map { $0["update_id"] as? String ?? "" }
            #expect(scrambled.count == 8 && Set(scrambled) == ["U1", "U2", "U3", "U4"])
            #expect(["U1", "U2", "U3", "U4"].allSatisfy { id in scrambled.filter { $0 == id }.count == 2 })
            var seen: [String] = []
            for id in scrambled where !seen.contains(id) { seen.append(id) }
            #expect(seen != ["U1", "U2", "U3", "U4"], "not handed out oldest first")
            #expect(try await get(fake.baseURL + "/servicerequestupdates.json").array.map { $0["update_id"] as? String ?? "" } == scrambled)
            for query in ["?start_date=soon", "?start_date=\(w3c(t0 + 60))&end_date=\(w3c(t0))"] {
                #expect(try await get(fake.baseURL + "/servicerequestupdates.xml" + query).status == 400)
            }
        }
    }

    @Test func withoutTheExtensionOnlyGetRequestsTellsTheStatus() async throws {
        try await withFake { fake throws in
            _ = try await post(fake.baseURL + "/requests.xml", Self.defect)
            let fixedAt = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 60).rounded(.down))
            await fake.addUpdate(toRequest: "HW-100001", status: "in_progress", description: "Booked", at: fixedAt - 30)
            await fake.addUpdate(toRequest: "HW-100001", status: "fixed", description: "Repaired", at: fixedAt)
            await fake.setHasUpdateExtension(false)
            for format in ["xml", "json"] {
                let updates = try await get(fake.baseURL + "/servicerequestupdates.\(format)")
                #expect(updates.status == 404 && updates.errors.first?.code == "404")
            }
            let posted = try await post(fake.baseURL + "/servicerequestupdates.xml", [("api_key", Self.key), ("service_request_id", "HW-100001")])
            #expect(posted.status == 404)
            let request = try #require(try await get(fake.baseURL + "/requests/HW-100001.xml").xml?.first("request"))
            #expect(request["status"] == "closed" && request["status_notes"] == "Repaired" && request["updated_datetime"] == w3c(fixedAt))
        }
    }

    @Test(arguments: ["xml", "json"])
    func postedUpdatesNeedTheExtensionsFields(format: String) async throws {
        try await withFake { fake throws in
            _ = try await post(fake.baseURL + "/requests.xml", Self.defect)
            let url = fake.baseURL + "/servicerequestupdates.\(format)"
            let update = [("api_key", Self.key), ("service_request_id", "HW-100001"), ("update_id", "C-1"), ("status", "IN_PROGRESS"),
                          ("updated_datetime", "2026-12-02T16:59:50+01:00"), ("description", "The Member asked for news"), ("email", "m@example.test")]
            let reply = try await post(url, update)
            #expect(reply.status == 200)
            let assigned = format == "xml" ? reply.xml?.first("request_update")?["update_id"] : reply.array.first?["update_id"] as? String
            let received = try #require(await fake.receivedUpdates().first)
            #expect(assigned == received.assignedID && received.assignedID.hasPrefix("UPD-"))
            #expect(received.updateID == "C-1" && received.status == "IN_PROGRESS" && received.description == "The Member asked for news")
            #expect(received.updatedAt == Open311Date.parse("2026-12-02T15:59:50Z") && received.fields.contains { $0.value == "m@example.test" })
            let empty = try await post(url, [("api_key", Self.key)])
            #expect(empty.status == 400 && empty.errors.count == 5)
            let emptyDescription = try await post(url, update.filter { $0.0 != "description" } + [("description", "")])
            #expect(emptyDescription.status == 200, "a description may be empty but must be sent")
            let cases: [(String, String, UInt)] = [("status", "in_progress", 400), ("status", "DONE", 400), ("updated_datetime", "today", 400),
                                                   ("api_key", "wrong", 403), ("service_request_id", "HW-999", 404)]
            for (name, value, status) in cases {
                let reply = try await post(url, update.filter { $0.0 != name } + [(name, value)])
                #expect(reply.status == status && reply.errors.first?.code == String(status), "\(name)=\(value)")
            }
            #expect(await fake.receivedUpdates().count == 2)
        }
    }

    @Test func autoProgressAddsUpdatesWhenTheyFallDue() async throws {
        try await withFake { fake throws in
            await fake.setAutoProgress(inProgressAfter: 0, fixedAfter: 3600)
            _ = try await post(fake.baseURL + "/requests.xml", Self.defect)
            let updates = try await get(fake.baseURL + "/servicerequestupdates.json").array
            #expect(updates.map { $0["status"] as? String } == ["in_progress"])
            #expect(updates.first?["service_request_id"] as? String == "HW-100001")
            await fake.setAutoProgress(inProgressAfter: nil, fixedAfter: nil)
            _ = try await post(fake.baseURL + "/requests.xml", Self.light)
            #expect(try await get(fake.baseURL + "/servicerequestupdates.json").array.count == 1)
        }
    }

    // MARK: Jurisdiction

    @Test func aJurisdictionMustBeNamedWhenTheFakeHasOne() async throws {
        try await withFake(jurisdiction: "barsetshire.gov.uk") { fake throws in
            #expect(try await get(fake.baseURL + "/discovery.xml").status == 200)
            let missing = try await get(fake.baseURL + "/services.xml")
            #expect(missing.status == 400 && missing.errors.first?.description.contains("jurisdiction_id") == true)
            #expect(try await get(fake.baseURL + "/services.json?jurisdiction_id=elsewhere").status == 404)
            #expect(try await get(fake.baseURL + "/services.json?jurisdiction_id=barsetshire.gov.uk").array.count == 5)
            #expect(try await post(fake.baseURL + "/requests.xml", Self.defect).status == 400)
            #expect(try await post(fake.baseURL + "/requests.xml", Self.defect(with: [("jurisdiction_id", "barsetshire.gov.uk")])).status == 200)
            #expect(await fake.received().first?.jurisdictionID == "barsetshire.gov.uk")
        }
    }

    // MARK: Modes

    @Test func downRefusesConnectionsAndComesBackOnTheSamePort() async throws {
        try await withFake { fake throws in
            let port = fake.port
            #expect(try await get(fake.baseURL + "/services.xml").status == 200)
            await fake.setMode(.down)
            #expect(!SMTPServer.accepts(port), "nothing listens")
            // The client keeps trying to connect until its deadline, so a short one.
            let refused = await failure { try await send(fake.baseURL + "/requests.xml", method: .POST, body: Self.encode(Self.defect), timeout: .seconds(1)) }
            #expect(refused != nil)
            await fake.setMode(.normal)
            #expect(fake.port == port && SMTPServer.accepts(port))
            #expect(try await post(fake.baseURL + "/requests.xml", Self.defect).status == 200)
            #expect(await fake.received().count == 1)
            #expect(await fake.postAttempts() == 1)
        }
    }

    @Test func serverErrorAndProxyPagesStoreNothing() async throws {
        try await withFake { fake throws in
            await fake.setMode(.serverError)
            let failed = try await post(fake.baseURL + "/requests.json", Self.defect)
            #expect(failed.status == 500 && failed.errors.first?.code == "500")
            #expect(try await get(fake.baseURL + "/services.xml").xml?.name == "errors")
            await fake.setMode(.htmlErrorPage)
            let page = try await post(fake.baseURL + "/requests.xml", Self.defect)
            #expect(page.status == 502 && page.contentType.hasPrefix("text/html") && page.body.contains("<html>"))
            #expect(await fake.received().isEmpty)
            #expect(await fake.postAttempts() == 2)
            #expect(try await get("http://127.0.0.1:\(fake.port)/fake/requests.json").status == 200, "the control calls still answer")
        }
    }

    @Test func slowStoresThenAnswersLate() async throws {
        try await withFake { fake throws in
            // Half a minute's wait: a request seen stored well within it was stored while its
            // answer waited, however busy the machine.
            await fake.setMode(.slow(seconds: 30))
            let waiting = Task { try await post(fake.baseURL + "/requests.xml", Self.defect) }
            var stored = false
            for _ in 0..<2_000 where !stored {
                stored = await !fake.received().isEmpty
                if !stored { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(stored, "stored while the answer waits")
            waiting.cancel()
            _ = try? await waiting.value
            // And the answer comes, late.
            await fake.setMode(.slow(seconds: 1))
            let started = ContinuousClock.now
            let reply = try await post(fake.baseURL + "/requests.xml", Self.defect)
            #expect(ContinuousClock.now - started >= .milliseconds(950))
            #expect(reply.status == 200 && reply.xml?.first("request")?["service_request_id"] == "HW-100002")
            #expect(await fake.received().count == 2)
        }
    }

    @Test func dropAfterAcceptStoresThenHangsUp() async throws {
        try await withFake { fake throws in
            await fake.setMode(.dropAfterAccept)
            let error = await failure { try await post(fake.baseURL + "/requests.xml", Self.defect) }
            #expect(error as? HTTPClientError == .remoteConnectionClosed, "\(String(describing: error))")
            #expect(await fake.received().count == 1)
            #expect(await fake.postAttempts() == 1)
            await fake.setMode(.normal)
            #expect(try await post(fake.baseURL + "/requests.xml", Self.defect).xml?.first("request")?["service_request_id"] == "HW-100002")
        }
    }

    @Test(arguments: ["xml", "json"])
    func hugeBodyIsFiftyMebibytes(format: String) async throws {
        try await withFake { fake throws in
            await fake.setMode(.hugeBody)
            let response = try await #require(Self.client).execute(HTTPClientRequest(url: fake.baseURL + "/services.\(format)"), timeout: .seconds(60))
            #expect(response.status == .ok && response.headers.first(name: "content-length") == String(50 * 1024 * 1024))
            var total = 0
            var start = ""
            for try await chunk in response.body {
                if start.isEmpty { start = String(buffer: chunk).trimmingCharacters(in: .whitespaces) }
                total += chunk.readableBytes
            }
            #expect(total == 50 * 1024 * 1024)
            #expect(start.hasPrefix(format == "xml" ? "<?xml" : "["))
        }
    }

    @Test func malformedAnswersCannotBeParsed() async throws {
        try await withFake { fake throws in
            await fake.setMode(.malformed)
            let xml = try await post(fake.baseURL + "/requests.xml", Self.defect)
            #expect(xml.status == 200 && xml.body.hasPrefix("<?xml") && xml.xml == nil)
            let json = try await get(fake.baseURL + "/services.json")
            #expect(json.status == 200 && json.body.hasPrefix("[") && json.json == nil)
            let empty = try await get(fake.baseURL + "/servicerequestupdates.json")
            #expect(empty.status == 200 && empty.json == nil)
            #expect(await fake.received().count == 1)
        }
    }

    // MARK: Control calls

    @Test func controlCallsListRequestsAndAddUpdates() async throws {
        try await withFake { fake throws in
            let root = "http://127.0.0.1:\(fake.port)"
            _ = try await post(fake.baseURL + "/requests.xml", Self.defect)
            let listed = try await get(root + "/fake/requests.json").array
            #expect(listed.first?["service_request_id"] as? String == "HW-100001")
            let fields = listed.first?["fields"] as? [[String: String]] ?? []
            #expect(fields.contains { $0["name"] == "attribute[portal_reference]" && $0["value"] == "ENQ-1" })
            let added = try await post(root + "/fake/requests/HW-100001/updates", [("status", "action_scheduled"), ("description", "Crew booked")])
            #expect(added.status == 201)
            let updates = try await get(fake.baseURL + "/servicerequestupdates.xml").xml?.all("request_update") ?? []
            #expect(updates.map { $0["status"] ?? "" } == ["action_scheduled"] && updates.first?["description"] == "Crew booked")
            #expect((try await get(root + "/fake/requests.json").array.first?["updates"] as? [[String: Any]])?.count == 1)
            #expect(try await post(root + "/fake/requests/HW-100001/updates", [("status", "mended")]).status == 400)
            #expect(try await post(root + "/fake/requests/HW-999/updates", [("status", "fixed")]).status == 404)
            #expect(try await get(root + "/fake/other").status == 404)
        }
    }

    // MARK: Hostile input

    @Test func hostileInputIsRefusedAndTheFakeCarriesOn() async throws {
        try await withFake { fake throws in
            let big = try await post(fake.baseURL + "/requests.xml", Self.defect(with: [("device_id", String(repeating: "x", count: 70_000))]))
            #expect(big.status == 400 && big.errors.first?.description.contains("larger") == true)
            for body in ["description=%ZZ", "description=%FF", Array(repeating: "a=b", count: 501).joined(separator: "&")] {
                let reply = try await send(fake.baseURL + "/requests.xml", method: .POST, body: body)
                #expect(reply.status == 400 && reply.errors.count == 1)
            }
            for path in ["/open311/v2/nothing.xml", "/elsewhere", "/open311/v2/services.html", "/open311/v2/requests/a/b.xml", "/open311/v2/services"] {
                #expect(try await get("http://127.0.0.1:\(fake.port)" + path).status == 404, "\(path)")
            }
            #expect(try await send(fake.baseURL + "/services.xml", method: .PUT).status == 400)
            let header = try? await send(fake.baseURL + "/services.xml", headers: [("x-padding", String(repeating: "p", count: 20_000))])
            #expect(header == nil || header?.status == 400)
            let markup = "<b>Tom & Jerry</b>\r\n\u{1}\u{7F}"
            _ = try await post(fake.baseURL + "/requests.xml", Self.defect(without: ["description"], with: [("description", markup)]))
            #expect(await fake.received().last?.description == markup)
            let shown = try #require(try await get(fake.baseURL + "/requests/HW-100001.xml").xml?.first("request"))
            #expect(shown["description"] == "<b>Tom & Jerry</b>\r\n\u{FFFD}\u{7F}")
            #expect(try await get(fake.baseURL + "/requests/HW-100001.json").array.first?["description"] as? String == markup)
            #expect(await fake.received().count == 1)
        }
    }

    @Test func datesAreReadOnlyWithATimeZone() {
        #expect(Open311Date.parse("2026-12-02T16:59:50Z") == Date(timeIntervalSince1970: 1_796_230_790))
        #expect(Open311Date.parse("2026-12-02T17:59:50+01:00") == Date(timeIntervalSince1970: 1_796_230_790))
        #expect(Open311Date.parse("2026-12-02T16:59:50.5Z") == Date(timeIntervalSince1970: 1_796_230_790.5))
        for text in ["2026-12-02T16:59:50", "2026-02-30T00:00:00Z", "2026-12-02 16:59:50Z", "2026-12-02T24:00:00Z", "2026-12-02T16:59:50+1:00", ""] {
            #expect(Open311Date.parse(text) == nil, "\(text)")
        }
        #expect(Open311Date.format(Date(timeIntervalSince1970: 1_796_230_790)) == "2026-12-02T16:59:50Z")
    }

    // MARK: The command

    @Test func theCommandRunsTheFakeInTheForeground() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: PortalCommandTests.executable), "build the portal first")
        let port = SMTPServer.freePort()
        var environment = ProcessInfo.processInfo.environment.filter { $0.key != "DATABASE_URL" }
        environment["PORTAL_DATA_DIR"] = TestRunFolder.named("fake-highways-\(UUID().uuidString)")
        let child = try ChildProcess.start(PortalCommandTests.executable, ["fake-highways", "--port", String(port), "--api-key", "hand-key"],
                                           environment: environment, capturing: .standardOutput)
        for _ in 0..<300 where !SMTPServer.accepts(port) { try await Task.sleep(for: .milliseconds(100)) }
        let base = "http://127.0.0.1:\(port)/open311/v2"
        var services: Reply?, posted: Reply?
        try await withClient {
            services = try? await get(base + "/services.json")
            posted = try? await post(base + "/requests.xml", Self.defect(without: ["api_key"], with: [("api_key", "hand-key")]))
        }
        kill(child.pid, SIGINT)
        #expect(child.waitForExit(seconds: 10) == 0, "Ctrl-C stops it cleanly")
        #expect(services?.array.count == 5 && posted?.status == 200)
        #expect(child.readOutput().contains("Fake highways system listening at \(base) with api_key hand-key"))
    }
}
