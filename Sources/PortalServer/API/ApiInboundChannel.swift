import Crypto
import Fluent
import Foundation
import PortalAPI
import PortalCore
import SQLKit
import Vapor

/// `POST /api/v1/enquiries`: another council system (the customer access platform) raises an
/// enquiry, checked by the page's own form rules and made through the same workflow, on the
/// channel "Another council system". With an `Idempotency-Key` a repeated request makes one
/// enquiry and gets the same answer; the key with a different request is refused.
extension PortalAPIHandlers {
    /// The API's name for each form field, for the problems it names.
    static let fieldNames: [EnquiryField: String] = [
        .serviceArea: "service_area_id", .type: "type_id", .subtype: "subtype_id", .subject: "subject", .details: "details",
        .residentName: "resident.name", .residentAddress: "resident.address", .residentPhone: "resident.phone", .residentEmail: "resident.email",
        .location: "location", .point: "point", .asset: "asset", .urgency: "urgency", .district: "district_id", .division: "division_id", .parish: "parish_id",
    ]

    func createEnquiry(_ input: Operations.CreateEnquiry.Input) async throws -> Operations.CreateEnquiry.Output {
        let call = try ApiCall.require()
        try call.require(.channelCreate)
        let request = call.request
        guard case .json(let new) = input.body else { throw ApiProblem(.unsupportedMediaType, "Send the enquiry as JSON (application/json).") }
        // The header as sent: the generated reader decodes percent signs in it.
        let key = input.headers.idempotencyKey == nil ? nil : request.headers.first(name: "Idempotency-Key")
        if let key, key.isEmpty || key.count > 200 || !key.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) }) {
            throw ApiProblem(.badRequest, "An Idempotency-Key is 1 to 200 printable characters, without spaces.")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let digest = SHA256.hash(data: try encoder.encode(new)).hex
        let actor = try await call.actor()
        if let key, let earlier = try await Self.earlier(key, client: call.client.id, on: request.db) {
            guard earlier.digest == digest else {
                throw ApiProblem(.conflict, "This Idempotency-Key was sent before with a different enquiry. Use a new key for a new enquiry.")
            }
            return .created(.init(body: .json(try await Self.made(earlier.enquiryID, by: actor, request: request))))
        }

        // Whose it is: the Member the client acts for, the Member named, or the service area's
        // co-ordinators (the client's own account stands as its Member).
        var errors = FormErrors()
        Self.checkIDs([("service_area_id", new.serviceAreaId), ("type_id", new.typeId), ("subtype_id", new.subtypeId), ("member_id", new.memberId),
                       ("district_id", new.districtId), ("division_id", new.divisionId), ("parish_id", new.parishId)], into: &errors)
        let limit = EnquiryForm.Limit.self
        Self.checkLengths([("subject", new.subject, limit.subject), ("details", new.details, limit.details), ("location", new.location, limit.location),
                           ("point", new.point, 100), ("resident.name", new.resident?.name, limit.residentName),
                           ("resident.address", new.resident?.address, limit.residentAddress), ("resident.phone", new.resident?.phone, limit.residentPhone),
                           ("resident.email", new.resident?.email, 254)], into: &errors)
        try Self.refuse(errors)
        var memberID = call.client.user_id
        if let acting = call.client.member_id {
            if let named = new.memberId, UUID(uuidString: named) != acting { errors.add("member_id", "This client raises enquiries for its own Member only") }
            guard actor.viewer.roles.contains(.member) else { throw ApiProblem(.forbidden, "The Member this client acts for does not hold office.") }
            memberID = acting
        } else if let named = new.memberId {
            if let id = UUID(uuidString: named), let member = try await User.find(id, on: request.db), member.isActive,
               member.roles(on: CouncilTime.local(request.now).date).contains(.member) {
                memberID = id
            } else {
                errors.add("member_id", "Give the id of a Member who holds office")
            }
        }
        if let area = call.client.service_area_id, new.serviceAreaId != area.uuidString, UUID(uuidString: new.serviceAreaId) != area {
            errors.add("service_area_id", "This client raises enquiries in its own service area only")
        }
        var form = EnquiryForm()
        form[.serviceArea] = new.serviceAreaId
        form[.type] = new.typeId
        form[.subtype] = new.subtypeId ?? ""
        form[.subject] = new.subject
        form[.details] = new.details
        form[.urgency] = new.urgency?.rawValue ?? Urgency.normal.rawValue
        form[.location] = new.location ?? ""
        form[.point] = new.point ?? ""
        form[.district] = new.districtId ?? ""
        form[.division] = new.divisionId ?? ""
        form[.parish] = new.parishId ?? ""
        form[.residentName] = new.resident?.name ?? ""
        form[.residentAddress] = new.resident?.address ?? ""
        form[.residentPhone] = new.resident?.phone ?? ""
        form[.residentEmail] = new.resident?.email ?? ""
        let checked = form.validate(against: try await request.enquiryCatalogue(for: form), forSubmission: true)
        if case .failure(let refused) = checked {
            for error in refused.all { errors.add(EnquiryField(rawValue: error.field).flatMap { Self.fieldNames[$0] } ?? error.field, error.message) }
        }
        try Self.refuse(errors)
        guard case .success(let valid) = checked else { throw ApiProblem(.unprocessableEntity, "The enquiry was not made.") }

        let enquiry = try await EnquiryWorkflow.create(.init(valid: valid, memberID: memberID, channel: .api, submit: true, submissionKey: key),
                                                       by: actor, at: request.now, on: request.db)
        let id = try enquiry.requireID()
        if let key {
            try await request.db.sql.insert(into: "api_idempotency_keys")
                .columns("id", "client_id", "idempotency_key", "request_digest", "enquiry_id", "created_at")
                .values(SQLBind(UUID()), SQLBind(call.client.id), SQLBind(key), SQLBind(digest), SQLBind(id), SQLBind(request.now))
                .ignoringConflicts(with: ["client_id", "idempotency_key"]).run()
            // Two requests with one key at once: the workflow made one enquiry; a different
            // request that lost the race is told so.
            if let kept = try await Self.earlier(key, client: call.client.id, on: request.db), kept.digest != digest {
                throw ApiProblem(.conflict, "This Idempotency-Key was sent before with a different enquiry. Use a new key for a new enquiry.")
            }
        }
        return .created(.init(body: .json(try await Self.made(id, by: actor, request: request))))
    }

    /// Each id given must be one (a UUID), whatever the rest of the request.
    static func checkIDs(_ ids: [(String, String?)], into errors: inout FormErrors) {
        for (name, value) in ids {
            if let value, UUID(uuidString: value) == nil { errors.add(name, "Give an id (a UUID)") }
        }
    }

    /// Each date given must be one as the document writes it (the page also takes dates typed
    /// the British way).
    static func checkDates(_ dates: [(String, String?)], into errors: inout FormErrors) {
        for (name, value) in dates {
            if let value, CivilDate(iso: value) == nil { errors.add(name, "Give a date as YYYY-MM-DD") }
        }
    }

    /// Each text no longer than the document allows, counted as it counts (in characters of
    /// Unicode, before any trimming).
    static func checkLengths(_ texts: [(String, String?, Int)], into errors: inout FormErrors) {
        for (name, value, limit) in texts {
            if let value, value.unicodeScalars.count > limit { errors.add(name, "Write \(limit) characters or fewer") }
        }
    }

    /// 422 naming each field with a problem, or nothing.
    static func refuse(_ errors: FormErrors) throws {
        guard !errors.isEmpty else { return }
        let byField = Dictionary(errors.all.map { ($0.field, $0.message) }, uniquingKeysWith: { first, _ in first })
        throw ApiProblem(.unprocessableEntity, "Not done: \(byField.keys.sorted().joined(separator: ", ")) \(byField.count == 1 ? "needs" : "need") attention.",
                         errors: byField)
    }

    private static func earlier(_ key: String, client: UUID, on db: any Database) async throws -> (digest: String, enquiryID: UUID)? {
        guard let row = try await db.sql.select().columns("request_digest", "enquiry_id").from("api_idempotency_keys")
            .where("client_id", .equal, client).where("idempotency_key", .equal, key).first()
        else { return nil }
        return (try row.decode(column: "request_digest", as: String.self), try row.decode(column: "enquiry_id", as: UUID.self))
    }

    /// The enquiry the client made, as it may see it (it raised it, so at least as its Member does).
    private static func made(_ id: UUID, by actor: EnquiryActor, request: Request) async throws -> Components.Schemas.Enquiry {
        guard let loaded = try await EnquiryWorkflow.load([id], for: actor, on: request.db)[id] else {
            throw ApiProblem(.notFound, "The enquiry this key made is no longer there for this client.")
        }
        return try await enquiry(loaded, request: request)
    }
}

/// `POST /api/v1/enquiries/{id}/actions`: the enquiry page's actions, through the page's own
/// checks (`EnquiryActionRoutes.perform`) and workflow, for the standing the client holds.
extension PortalAPIHandlers {
    /// The API's name for each field the page's action form names in its errors.
    static func actionField(_ formField: String, action: String) -> String {
        switch formField.replacingOccurrences(of: "\(action)-", with: "") {
        case "body": "text"
        case "coordinator": "coordinator_id"
        case "responders": "responder_ids"
        case "works-area": "works_area_id"
        case "type": "type_id"
        case "subtype": "subtype_id"
        case let other: other
        }
    }

    func actOnEnquiry(_ input: Operations.ActOnEnquiry.Input) async throws -> Operations.ActOnEnquiry.Output {
        let call = try ApiCall.require()
        try call.require(.enquiriesWrite)
        let request = call.request
        guard case .json(let asked) = input.body else { throw ApiProblem(.unsupportedMediaType, "Send the action as JSON (application/json).") }
        guard let id = UUID(uuidString: input.path.id) else { throw ApiProblem(.notFound, "No enquiry has this id that this client may see.") }
        let actor = try await call.actor()
        guard let loaded = try await EnquiryWorkflow.load([id], for: actor, on: request.db)[id] else {
            throw ApiProblem(.notFound, "No enquiry has this id that this client may see.")
        }
        let action = asked.action.rawValue
        var malformed = FormErrors()
        Self.checkIDs([("coordinator_id", asked.coordinatorId), ("question_id", asked.questionId), ("works_area_id", asked.worksAreaId),
                       ("type_id", asked.typeId), ("subtype_id", asked.subtypeId)] + (asked.responderIds ?? []).map { ("responder_ids", $0) }, into: &malformed)
        if let text = asked.text, let problem = FormErrors.characterProblem(text, name: "the text", multiLine: true) { malformed.add("text", problem) }
        Self.checkLengths([("text", asked.text, EnquiryActionRoutes.textLimit)], into: &malformed)
        try Self.refuse(malformed)
        let posted = EnquiryActionRoutes.Posted(action: action, body: asked.text, question: asked.questionId, responders: asked.responderIds,
                                                coordinator: asked.coordinatorId, worksArea: asked.worksAreaId, type: asked.typeId, subtype: asked.subtypeId)
        switch try await EnquiryActionRoutes.perform(posted, loaded: loaded, actor: actor, request: request) {
        case .refused(_, _, let errors):
            let byField = Dictionary(errors.all.map { (Self.actionField($0.field, action: action), $0.message) }, uniquingKeysWith: { first, _ in first })
            throw ApiProblem(.unprocessableEntity, byField.values.sorted().joined(separator: "; "), errors: byField)
        case .done:
            guard let after = try await EnquiryWorkflow.load([id], for: actor, on: request.db)[id] else {
                throw ApiProblem(.notFound, "The enquiry is no longer there for this client.")
            }
            return .ok(.init(body: .json(try await Self.enquiry(after, request: request))))
        }
    }
}
