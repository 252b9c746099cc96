import Fluent
import Foundation
import PortalCore
import SQLKit
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
        var entries: [TimelineEntry]
        var questions: [ResponderQuestion]
        var audit: [AuditLine]
        /// For the assign form: co-ordinators of the enquiry's service area.
        var coordinators: [Choice]
        /// For the ask-an-officer form: responders.
        var responders: [Choice]
        var viewerID: UUID
        /// The council's working days, for deadlines.
        var clock: WorkingDayClock
        /// When the page is drawn: where its deadlines stand.
        var now: Date
        /// Documents this person may see, and where they may add more.
        var documents: [DocumentRow] = []
        var attachChoices: [Choice] = []
        var documentErrors = FormErrors()
        var documentSettings = DocumentSettings()
        /// The person's form token, for every form on the page.
        var csrfToken = ""
        /// Where its map is drawn, when the enquiry has a point (`EnquiryMapRoute`).
        var mapAddress: String?
        /// What was sent to the highways system, when anything was or can be.
        var highways: HighwaysPanel?
        /// Referrals to partner organisations (`PartnerReferralSection`).
        var partnerReferrals = PartnerReferralSection.Model()
        /// Who it is shared with (`SharingSection`).
        var sharing = SharingSection.Model()
        /// A form sent back with errors: which action, what was typed, and the problems.
        var failed: (action: EnquiryAction, posted: EnquiryActionRoutes.Posted, errors: FormErrors)?

        func name(_ id: UUID?) -> String { id.flatMap { names[$0] } ?? "Unknown" }
    }

    /// One item of the conversation, as the page shows it.
    struct TimelineEntry: Sendable {
        let id: UUID
        let kind: EnquiryEntry.Kind
        let authorID: UUID
        let body: String
        let createdAt: Date
    }

    /// One line of the audit trail, as the page shows it.
    struct AuditLine: Sendable {
        let actorID: UUID?
        let action: String
        let detail: String
        let recordedAt: String
        let changes: [FieldChange]
    }

    private struct EntryColumns: Decodable {
        let id: UUID
        let kind: String
        let author_id: UUID
        let body: String
        let created_at: Date
    }

    private struct AuditColumns: Decodable {
        let id: UUID
        let actor_id: UUID?
        let action: String
        let changes: String
        let detail: String
        let sealed: String
        let recorded_at: String
    }

    static func query(_ loaded: EnquiryWorkflow.Loaded, actor: EnquiryActor, request: Request) async throws -> Model {
        let db = request.db
        let enquiry = loaded.enquiry
        let id = try enquiry.requireID()
        var entries: [TimelineEntry] = []
        var questions: [ResponderQuestion] = []
        var audit: [AuditLine] = []
        var coordinators: [Choice] = []
        var responders: [Choice] = []
        switch loaded.view {
        case .responder:
            questions = loaded.questions.filter { $0.$responder.id == actor.user.id }
        case .member, .officer:
            var entryQuery = db.sql.select().columns("id", "kind", "author_id", "body", "created_at").from(EnquiryEntry.schema)
                .where("enquiry_id", .equal, id).orderBy("created_at")
            if loaded.view == .member { entryQuery = entryQuery.where("kind", .notEqual, EnquiryEntry.Kind.note.rawValue) }
            entries = try await entryQuery.all(decoding: EntryColumns.self).compactMap { row in
                EnquiryEntry.Kind(rawValue: row.kind).map { TimelineEntry(id: row.id, kind: $0, authorID: row.author_id, body: row.body, createdAt: row.created_at) }
            }
            if loaded.view == .officer {
                questions = loaded.questions
                let decoder = JSONDecoder()
                let rows = try await db.sql.select().columns("id", "actor_id", "action", "changes", "detail", "sealed", "recorded_at").from(AuditEntry.schema)
                    .where("enquiry_id", .equal, id).orderBy("sequence")
                    .all(decoding: AuditColumns.self)
                let kept = try await AuditSeals.values(of: rows.filter { !$0.sealed.isEmpty }.map(\.id), on: db)
                audit = rows.map { row in
                    let shown = AuditSeals.revealed(changes: (try? decoder.decode([FieldChange].self, from: Data(row.changes.utf8))) ?? [],
                                                    detail: row.detail, sealed: row.sealed, values: kept[row.id])
                    return AuditLine(actorID: row.actor_id, action: row.action, detail: shown.detail, recordedAt: row.recorded_at, changes: shown.changes)
                }
                let directory = try await request.people()
                coordinators = directory.coordinators(of: enquiry.$serviceArea.id).map { Choice(value: $0.id.uuidString, label: $0.name) }
                responders = directory.responders.filter { $0.id != actor.user.id }
                    .map { Choice(value: $0.id.uuidString, label: $0.name + ($0.jobTitle.map { ", \($0)" } ?? "")) }
            }
        }
        let documents = try await DocumentStore.visible(on: id, on: db)
        var people = Set([enquiry.$member.id, enquiry.$raisedBy.id] + [enquiry.$handler.id].compactMap { $0 })
        people.formUnion(entries.map(\.authorID))
        people.formUnion(questions.flatMap { [$0.$askedBy.id, $0.$responder.id] })
        people.formUnion(audit.compactMap(\.actorID))
        people.formUnion(documents.map(\.added_by_id))
        let directory = try await request.people(naming: people)
        let names = Dictionary(uniqueKeysWithValues: people.compactMap { id in directory.name(id).map { (id, $0) } })
        var model = Model(
            enquiry: enquiry, view: loaded.view, standing: loaded.standing,
            actions: EnquiryLifecycle.available(from: enquiry.status, by: loaded.standing),
            reference: try await request.referenceData(), names: names, entries: entries, questions: questions, audit: audit,
            coordinators: coordinators, responders: responders, viewerID: actor.user.id,
            clock: try await request.serviceLevels().clock, now: request.now, failed: nil)
        model.documentSettings = request.application.portal.documents
        model.csrfToken = request.csrfToken
        model.highways = try await HighwaysPanel.query(enquiry, view: loaded.view, on: db)
        model.partnerReferrals = try await PartnerReferralSection.query(loaded, on: db)
        model.sharing = try await SharingSection.query(loaded, actor: actor, at: request.now, on: db)
        if enquiry.point != nil { model.mapAddress = "/enquiries/\(id.uuidString)/map.svg?v=\(enquiry.version)" }
        model.documents = documents.filter { document in
            model.attachment(of: document).map { DocumentAccess.canSee($0, view: loaded.view, viewerID: actor.user.id) } ?? false
        }
        model.attachChoices = model.attachTargets().filter {
            DocumentAccess.canAdd(to: $0.attachment, standing: loaded.standing, viewerID: actor.user.id, status: enquiry.status)
        }.map { Choice(value: $0.value, label: $0.label) }
        return model
    }
}
