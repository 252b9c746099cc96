import Fluent
import Foundation
import PortalCore
import Vapor

/// Everything the enquiry page shows, gathered with a fixed number of queries.
enum EnquiryPage {
    struct Model {
        var enquiry: Enquiry
        var view: EnquiryAccess.View
        var standing: Set<Standing>
        var actions: [EnquiryAction]
        var reference: ReferenceData
        var names: [UUID: String]
        var entries: [EnquiryEntry]
        var questions: [ResponderQuestion]
        var audit: [AuditEntry]
        /// For the assign form: co-ordinators of the enquiry's service area.
        var coordinators: [Choice]
        /// For the ask-an-officer form: responders.
        var responders: [Choice]
        var viewerID: UUID
        /// A form sent back with errors: which action, what was typed, and the problems.
        var failed: (action: EnquiryAction, posted: EnquiryActionRoutes.Posted, errors: FormErrors)?

        func name(_ id: UUID?) -> String { id.flatMap { names[$0] } ?? "Unknown" }
    }

    static func query(_ loaded: EnquiryWorkflow.Loaded, actor: EnquiryActor, request: Request) async throws -> Model {
        let db = request.db
        let enquiry = loaded.enquiry
        let id = try enquiry.requireID()
        var entries: [EnquiryEntry] = []
        var questions: [ResponderQuestion] = []
        var audit: [AuditEntry] = []
        var coordinators: [Choice] = []
        var responders: [Choice] = []
        switch loaded.view {
        case .responder:
            questions = loaded.questions.filter { $0.$responder.id == actor.user.id }
        case .member, .officer:
            var entryQuery = EnquiryEntry.query(on: db).filter(\.$enquiry.$id == id).sort(\.$createdAt)
            if loaded.view == .member { entryQuery = entryQuery.filter(\.$kind != .note) }
            entries = try await entryQuery.all()
            if loaded.view == .officer {
                questions = loaded.questions
                audit = try await AuditEntry.query(on: db).filter(\.$enquiryID == id).sort(\.$sequence).all()
                let directory = try await request.people()
                coordinators = directory.coordinators(of: enquiry.$serviceArea.id).map { Choice(value: $0.id.uuidString, label: $0.name) }
                responders = directory.responders.filter { $0.id != actor.user.id }
                    .map { Choice(value: $0.id.uuidString, label: $0.name + ($0.jobTitle.map { ", \($0)" } ?? "")) }
            }
        }
        var people = Set([enquiry.$member.id, enquiry.$raisedBy.id] + [enquiry.$handler.id].compactMap { $0 })
        people.formUnion(entries.map(\.$author.id))
        people.formUnion(questions.flatMap { [$0.$askedBy.id, $0.$responder.id] })
        people.formUnion(audit.compactMap(\.actorID))
        let directory = try await request.people(naming: people)
        let names = Dictionary(uniqueKeysWithValues: people.compactMap { id in directory.name(id).map { (id, $0) } })
        return Model(
            enquiry: enquiry, view: loaded.view, standing: loaded.standing,
            actions: EnquiryLifecycle.available(from: enquiry.status, by: loaded.standing),
            reference: try await request.referenceData(), names: names, entries: entries, questions: questions, audit: audit,
            coordinators: coordinators, responders: responders, viewerID: actor.user.id, failed: nil)
    }
}

extension Date {
    /// "3 March 2026, 14:05" in the council's time zone.
    var councilText: String {
        var style = Date.FormatStyle(date: .long, time: .shortened)
        style.timeZone = TimeZone(identifier: "Europe/London")!
        style.locale = Locale(identifier: "en_GB")
        return formatted(style)
    }

    var councilDate: String {
        var style = Date.FormatStyle(date: .abbreviated, time: .omitted)
        style.timeZone = TimeZone(identifier: "Europe/London")!
        style.locale = Locale(identifier: "en_GB")
        return formatted(style)
    }
}
