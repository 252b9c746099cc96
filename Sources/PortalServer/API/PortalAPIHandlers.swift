import Foundation
import OpenAPIRuntime
import PortalAPI
import PortalCore
import SQLKit
import Vapor

/// The JSON API's operations (`Sources/PortalAPI/openapi.json`): the generated server reads each
/// request and writes each answer by the document; these say what the answers hold. Every
/// enquiry passes the same access policy as the pages (`EnquiryAccess`), so a client sees what the
/// person or officer it stands for would see, and one it may not see answers 404.
struct PortalAPIHandlers: APIProtocol {
    typealias Schemas = Components.Schemas

    /// The document, read once.
    static let description: OpenAPIObjectContainer? = APIDescription.json.flatMap { try? JSONDecoder().decode(OpenAPIObjectContainer.self, from: $0) }

    func getDescription(_ input: Operations.GetDescription.Input) async throws -> Operations.GetDescription.Output {
        guard let document = Self.description else { throw ApiProblem(.notFound, "This portal was installed without its API description.") }
        return .ok(.init(body: .json(document)))
    }

    func listServiceAreas(_ input: Operations.ListServiceAreas.Input) async throws -> Operations.ListServiceAreas.Output {
        let call = try ApiCall.require()
        try call.requireAnyScope()
        let data = try await call.request.referenceData()
        return .ok(.init(body: .json(.init(items: data.serviceAreas.map { Schemas.Named(id: $0.id.uuidString, name: $0.name) }))))
    }

    func listEnquiryTypes(_ input: Operations.ListEnquiryTypes.Input) async throws -> Operations.ListEnquiryTypes.Output {
        let call = try ApiCall.require()
        try call.requireAnyScope()
        let data = try await call.request.referenceData()
        return .ok(.init(body: .json(.init(items: data.types.map { type in
            Schemas.EnquiryType(id: type.id.uuidString, name: type.name, needsLocation: type.needsLocation,
                                subtypes: type.subtypes.map { Schemas.Named(id: $0.id.uuidString, name: $0.name) })
        }))))
    }

    func listPlaces(_ input: Operations.ListPlaces.Input) async throws -> Operations.ListPlaces.Output {
        let call = try ApiCall.require()
        try call.requireAnyScope()
        let data = try await call.request.referenceData()
        let place = { (p: ReferenceData.Place) in Schemas.Place(id: p.id.uuidString, name: p.name, districtId: p.districtID.uuidString) }
        return .ok(.init(body: .json(.init(districts: data.districts.map { Schemas.Named(id: $0.id.uuidString, name: $0.name) },
                                           divisions: data.divisions.map(place), parishes: data.parishes.map(place)))))
    }

    func listEnquiries(_ input: Operations.ListEnquiries.Input) async throws -> Operations.ListEnquiries.Output {
        let call = try ApiCall.require()
        try call.require(.enquiriesRead)
        let query = input.query
        // The search page's own fields, so the API finds exactly what the page finds.
        let named: [(String, String?)] = [
            ("q", query.q), ("status", query.status?.rawValue), ("area", query.area), ("type", query._type), ("member", query.member),
            ("division", query.division), ("district", query.district), ("parish", query.parish), ("channel", query.channel?.rawValue),
            ("raised-from", query.raisedFrom), ("raised-to", query.raisedTo), ("deadline", query.deadline?.rawValue), ("sort", query.sort?.rawValue),
        ]
        var fields = Dictionary(uniqueKeysWithValues: named.compactMap { name, value in value.map { (name, $0) } })
        if let page = query.page {
            guard (1...SearchCriteria.maximumPage).contains(page) else {
                throw ApiProblem(.unprocessableEntity, "Choose a page from 1 to \(SearchCriteria.maximumPage).", errors: ["page": "From 1 to \(SearchCriteria.maximumPage)"])
            }
            fields["page"] = String(page)
        }
        var errors = FormErrors()
        if let text = query.q {
            if text.unicodeScalars.count > 500 { errors.add("q", "Give at most 500 characters of words") }
            if let problem = FormErrors.characterProblem(text, name: "the words", multiLine: false) { errors.add("q", problem) }
        }
        // Ids and dates exactly as the document says (the page also takes dates typed the British way).
        Self.checkIDs([("area", query.area), ("type", query._type), ("member", query.member), ("division", query.division),
                       ("district", query.district), ("parish", query.parish)], into: &errors)
        Self.checkDates([("raised-from", query.raisedFrom), ("raised-to", query.raisedTo)], into: &errors)
        // A range that ends before it starts finds nothing, as it says; the page asks again instead.
        var reversed = false
        if let from = query.raisedFrom.flatMap(CivilDate.init(iso:)), let to = query.raisedTo.flatMap(CivilDate.init(iso:)) { reversed = to < from }
        let (criteria, parsed) = SearchCriteria.parse(fields)
        for error in parsed.all where !(reversed && error.field == "raised-to") { errors.add(error.field, error.message) }
        guard errors.isEmpty else {
            let byField = Dictionary(errors.all.map { ($0.field, $0.message) }, uniquingKeysWith: { first, _ in first })
            throw ApiProblem(.unprocessableEntity, "Some filters are not valid: \(byField.keys.sorted().joined(separator: ", ")).", errors: byField)
        }
        let request = call.request
        let actor = try await call.actor()
        let scope = EnquirySearch.Viewer.scopes(for: actor.user).first ?? .mine
        let data = try await request.referenceData()
        let clock = try await request.serviceLevels().clock
        let results = try await EnquirySearch.search(criteria, viewer: .init(access: actor.viewer, scope: scope), data: data, clock: clock,
                                                     now: request.now, on: request.db) { try await request.people(naming: $0) }
        let ids = results.hits.map(\.row.id)
        let loaded = try await EnquiryWorkflow.load(ids, for: actor, on: request.db)
        let directory = try await request.people(naming: Set(loaded.values.map { $0.enquiry.$member.id }))
        let items = ids.compactMap { loaded[$0] }.map { Self.summary($0.enquiry, data: data, directory: directory, clock: clock, now: request.now) }
        return .ok(.init(body: .json(.init(total: results.total, page: criteria.page, pageSize: EnquirySearch.pageSize, items: items))))
    }

    func getEnquiry(_ input: Operations.GetEnquiry.Input) async throws -> Operations.GetEnquiry.Output {
        let call = try ApiCall.require()
        try call.require(.enquiriesRead)
        guard let id = UUID(uuidString: input.path.id) else { throw ApiProblem(.notFound, "No enquiry has this id that this client may see.") }
        let request = call.request
        let actor = try await call.actor()
        guard let loaded = try await EnquiryWorkflow.load([id], for: actor, on: request.db)[id] else {
            throw ApiProblem(.notFound, "No enquiry has this id that this client may see.")
        }
        return .ok(.init(body: .json(try await Self.enquiry(loaded, request: request))))
    }

    /// An enquiry as the API shows it to a client of this standing.
    static func enquiry(_ loaded: EnquiryWorkflow.Loaded, request: Request) async throws -> Schemas.Enquiry {
        let enquiry = loaded.enquiry
        let id = try enquiry.requireID()
        var entries: [(id: UUID, kind: String, author: UUID, body: String, at: Date)] = []
        if loaded.view != .responder {
            var select = request.db.sql.select().columns("id", "kind", "author_id", "body", "created_at").from(EnquiryEntry.schema)
                .where("enquiry_id", .equal, id).orderBy("created_at")
            if loaded.view == .member { select = select.where("kind", .notEqual, EnquiryEntry.Kind.note.rawValue) }
            entries = try await select.all().map {
                (try $0.decode(column: "id", as: UUID.self), try $0.decode(column: "kind", as: String.self), try $0.decode(column: "author_id", as: UUID.self),
                 try $0.decode(column: "body", as: String.self), try $0.decode(column: "created_at", as: Date.self))
            }
        }
        let data = try await request.referenceData()
        let clock = try await request.serviceLevels().clock
        let directory = try await request.people(naming: Set(entries.map(\.author) + [enquiry.$member.id]))
        let resident = loaded.view.showsResidentDetails
            ? Schemas.Resident(name: enquiry.residentName, address: enquiry.residentAddress, email: enquiry.residentEmail, phone: enquiry.residentPhone)
            : nil
        let details = Schemas.Enquiry.Value2Payload(
            details: enquiry.details, location: enquiry.location, resident: resident,
            entries: entries.map { Schemas.Entry(id: $0.id.uuidString, kind: $0.kind, author: directory.name($0.author) ?? "", body: $0.body, at: $0.at) })
        return .init(value1: summary(enquiry, data: data, directory: directory, clock: clock, now: request.now), value2: details)
    }

    static func summary(_ enquiry: Enquiry, data: ReferenceData, directory: PeopleDirectory, clock: WorkingDayClock, now: Date) -> Schemas.EnquirySummary {
        let name = { (id: UUID) in Schemas.Named(id: id.uuidString, name: data.name(id) ?? "") }
        let named = { (id: UUID?) in id.map(name) }
        let deadline = DeadlineSummary(nextDue: enquiry.nextDue, firstResponseGiven: enquiry.firstResponseAt != nil, clock: clock, now: now).map {
            Schemas.Deadline(due: $0.due.iso, kind: $0.kind == .firstResponse ? .firstResponse : .completion,
                             standing: $0.standing.isOverdue ? .overdue : $0.standing.isAtRisk ? .atRisk : .onTime)
        }
        return Schemas.EnquirySummary(
            id: enquiry.id?.uuidString ?? "", reference: enquiry.reference, subject: enquiry.subject,
            status: Schemas.Status(rawValue: enquiry.status.rawValue) ?? .submitted,
            serviceArea: name(enquiry.$serviceArea.id), _type: name(enquiry.$type.id), subtype: named(enquiry.$subtype.id),
            urgency: enquiry.urgency == .urgent ? .urgent : .normal,
            member: Schemas.Named(id: enquiry.$member.id.uuidString, name: directory.name(enquiry.$member.id) ?? ""),
            channel: enquiry.channel.rawValue, raisedAt: enquiry.createdAt, lastActivityAt: enquiry.lastActivityAt, deadline: deadline,
            division: named(enquiry.$division.id), district: named(enquiry.$district.id), parish: named(enquiry.$parish.id),
            completedAt: enquiry.completedAt, closedAt: enquiry.closedAt)
    }
}
