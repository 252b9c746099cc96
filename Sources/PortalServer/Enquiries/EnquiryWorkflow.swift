import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// The one place an enquiry changes. It checks the lifecycle table for the person's standing,
/// applies the change, and writes the audit entry, the notifications and what goes outside (to the
/// highways system, partners and webhooks) in the same transaction, after claiming the enquiry's
/// version so two changes can never interleave.
enum EnquiryWorkflow {
    struct Loaded: Sendable {
        let enquiry: Enquiry
        let standing: Set<Standing>
        let view: EnquiryAccess.View
        /// Its questions to officers, oldest first: they decide who is a responder to it.
        let questions: [ResponderQuestion]
    }

    /// The enquiry as this person may see it; "not found" when they may not see it at all.
    static func load(_ id: UUID, for actor: EnquiryActor, on db: any Database) async throws -> Loaded {
        guard let loaded = try await load([id], for: actor, on: db)[id] else { throw Abort(.notFound) }
        return loaded
    }

    /// These enquiries as this person may see them, in two reads whatever their number; those
    /// the person may not see at all, or that do not exist, are left out.
    static func load(_ ids: [UUID], for actor: EnquiryActor, on db: any Database) async throws -> [UUID: Loaded] {
        var found: [UUID: Loaded] = [:]
        for chunk in Array(Set(ids)).chunked(500) {
            let enquiries = try await db.sql.select().column(Enquiry.selectList).from(Enquiry.schema)
                .where(EnquiryList.column("id", in: Array(chunk))).all().map(Enquiry.hydrate)
            let questions = Dictionary(grouping: try await db.sql.select().column(ResponderQuestion.selectList).from(ResponderQuestion.schema)
                .where(EnquiryList.column("enquiry_id", in: Array(chunk))).orderBy("asked_at").all().map(ResponderQuestion.hydrate),
                by: \.$enquiry.id)
            // Shares matter only to a Member: nobody else can hold that standing.
            var shared: [UUID: Set<UUID>] = [:]
            if actor.viewer.roles.contains(.member) {
                for row in try await db.sql.select().columns("enquiry_id", "member_id").from("enquiry_shares")
                    .where(EnquiryList.column("enquiry_id", in: Array(chunk))).where("member_id", .equal, actor.viewer.memberID).all() {
                    shared[try row.decode(column: "enquiry_id", as: UUID.self), default: []].insert(try row.decode(column: "member_id", as: UUID.self))
                }
            }
            for enquiry in enquiries {
                let id = try enquiry.requireID()
                let asked = questions[id] ?? []
                let facts = EnquiryAccess.Facts(status: enquiry.status, memberID: enquiry.$member.id, raisedByID: enquiry.$raisedBy.id,
                                                serviceAreaID: enquiry.$serviceArea.id, askedResponderIDs: Set(asked.map(\.$responder.id)),
                                                sharedWithIDs: shared[id] ?? [])
                let standing = EnquiryAccess.standing(of: actor.viewer, towards: facts)
                guard let view = EnquiryAccess.view(for: standing) else { continue }
                found[id] = Loaded(enquiry: enquiry, standing: standing, view: view, questions: asked)
            }
        }
        return found
    }

    /// What a change came to: the enquiry as it now stands and what the change wrote.
    struct Performed: Sendable {
        let enquiry: Enquiry
        let written: EnquiryChange.Written
    }

    /// One change to make: to an enquiry as loaded, and the version the person's form was drawn
    /// from, when it matters that nothing changed since (editing details); otherwise the loaded
    /// version is used.
    struct Request: Sendable {
        let loaded: Loaded
        let change: EnquiryChange
        var expectedVersion: Int?
        /// A notice besides the change's own (word from an outside system for the co-ordinators).
        var alsoNotify: NotificationEvent?
    }

    /// Applies a change: the lifecycle table decides whether this person may make it now and
    /// what the status becomes; the change's own writes, the deadlines, the audit entry, the
    /// search index and the notifications follow in one transaction, and the enquiry is written
    /// only while its version is still the one the change was decided on.
    @discardableResult
    static func perform(_ change: EnquiryChange, on loaded: Loaded, by actor: EnquiryActor, expectedVersion: Int? = nil,
                        alsoNotify: NotificationEvent? = nil, at now: Date, on db: any Database) async throws -> Performed {
        try await perform([Request(loaded: loaded, change: change, expectedVersion: expectedVersion, alsoNotify: alsoNotify)], by: actor, at: now, on: db)[0]
    }

    /// Applies many changes by one person at one moment, each to a different enquiry, all or
    /// none (an outside system's updates). Each is decided and applied as it would be alone; what
    /// they write together (the conversation, the audit trail, the search index, the
    /// notifications) goes in a few statements for them all, and each enquiry in one.
    @discardableResult
    static func perform(_ requests: [Request], by actor: EnquiryActor, at now: Date, on db: any Database) async throws -> [Performed] {
        guard !requests.isEmpty else { return [] }
        struct Decided {
            let request: Request
            let id: UUID
            let status: EnquiryStatus
            let version: Int
            let nextVersion: Int
        }
        var seen = Set<UUID>()
        let decided = try requests.map { request -> Decided in
            let enquiry = request.loaded.enquiry
            let status: EnquiryStatus
            switch EnquiryLifecycle.apply(request.change.action, to: enquiry.status, by: request.loaded.standing) {
            case .success(let next): status = next
            case .failure(let refusal): throw ActionRefused(refusal: refusal)
            }
            let id = try enquiry.requireID()
            guard seen.insert(id).inserted else { throw AuditError("One enquiry was given two changes to make at once") }
            let version = request.expectedVersion ?? enquiry.version
            // A version is bounded where it is read (`RequestNumber`); an overflow here still only
            // means the form was not drawn from this enquiry.
            let (nextVersion, overflowed) = version.addingReportingOverflow(1)
            guard !overflowed else { throw EditConflict() }
            return Decided(request: request, id: id, status: status, version: version, nextVersion: nextVersion)
        }
        return try await db.transaction { db -> [Performed] in
            try await AuditTrail.lockHead(on: db)
            let settings = try await ServiceLevelSettings.load(on: db)
            var entries: [[any SQLExpression]] = []
            var audit: [AuditTrail.Record] = []
            var causes: [EnquiryNotifications.Cause] = []
            var performed: [Performed] = []
            var writes: [ColumnWrites.Row] = []
            for decision in decided {
                let (change, loaded) = (decision.request.change, decision.request.loaded)
                let action = change.action
                let enquiry = loaded.enquiry
                let before = enquiry.auditedFields
                let serviceLevelBefore = ServiceLevelTracking.Before(enquiry)
                enquiry.version = decision.nextVersion
                enquiry.lastActivityAt = now
                let oldStatus = enquiry.status
                enquiry.status = decision.status
                if decision.status != oldStatus {
                    switch decision.status {
                    case .submitted: enquiry.submittedAt = now
                    case .completed: enquiry.completedAt = now
                    case .closed: enquiry.closedAt = now
                    case .inProgress where action == .reopen:
                        enquiry.reopenCount += 1
                        enquiry.completedAt = nil
                        enquiry.closedAt = nil
                    default: break
                    }
                }
                let applied = try await apply(change, to: enquiry, by: actor, at: now, on: db)
                if let entry = applied.entry {
                    entries.append([SQLBind(entry.id), SQLBind(decision.id), SQLBind(entry.kind.rawValue), SQLBind(actor.user.id), SQLBind(entry.body), SQLBind(now)])
                }
                ServiceLevelTracking.record(action, before: serviceLevelBefore, on: enquiry, at: now, settings: settings,
                                            answeredMember: applied.entry.map { ServiceLevelTracking.responseKinds.contains($0.kind) } ?? false)
                writes.append(.init(id: decision.id, version: decision.version, columns: try enquiry.changedColumns()))
                audit.append(.init(action: action.rawValue, enquiryID: decision.id, actorID: actor.user.id,
                                   changes: AuditTrail.changes(from: before, to: enquiry.auditedFields), detail: applied.detail,
                                   detailIsPersonal: applied.detailIsPersonal))
                if let event = change.notificationEvent {
                    causes.append(.init(event: event, enquiry: enquiry, questionsBefore: loaded.questions))
                }
                if let event = decision.request.alsoNotify {
                    causes.append(.init(event: event, enquiry: enquiry, questionsBefore: loaded.questions))
                }
                performed.append(Performed(enquiry: enquiry, written: applied.written))
            }
            try await BulkInsert.rows(into: EnquiryEntry.schema, columns: ["id", "enquiry_id", "kind", "author_id", "body", "created_at"], rows: entries, on: db)
            if EnquirySearch.isPostgres(db) {
                // The search document is a column of the enquiry there: written with the rest of
                // the row, rather than the row written twice.
                let documents = try await SearchIndex.documents(of: performed.map(\.enquiry), on: db)
                try await SearchIndex.writePostgresTexts(documents, on: db)
                let weighted = Dictionary(uniqueKeysWithValues: documents.map { ($0.enquiryID, SearchIndex.postgresDocument($0)) })
                for index in writes.indices {
                    guard let document = weighted[writes[index].id] else { throw AuditError("No search document for an enquiry being changed") }
                    writes[index].columns.append(("search_document", document))
                }
            }
            // The columns each change set, written only while no other change has claimed the version.
            try await ColumnWrites.write(writes, to: Enquiry.schema, on: db)
            if !EnquirySearch.isPostgres(db) { try await SearchIndex.reindex(decided.map(\.id), on: db) }
            try await AuditTrail.record(audit, at: now, on: db)
            try await EnquiryNotifications.record(causes, by: actor.user, at: now, on: db)
            try await WebhookEvents.queue(zip(decided, performed).compactMap { WebhookEvents.Happened($0.request.change, $1.enquiry) }, at: now, on: db)
            for (decision, done) in zip(decided, performed) {
                if let cause = OutsideSystems.Cause(decision.request.change.action) {
                    try await OutsideSystems.queue(for: done.enquiry, because: cause, at: now, on: db)
                }
            }
            return performed
        }
    }

    /// What a change wrote of its own: the audit line's detail, an entry for the conversation
    /// (written with the others of its batch), and what the person is shown was written.
    private struct Applied {
        var detail = ""
        /// The detail quotes someone's words (a question, an answer), which the trail seals.
        var detailIsPersonal = false
        var entry: (id: UUID, kind: EnquiryEntry.Kind, body: String)?
        var written = EnquiryChange.Written.nothing
    }

    /// The change's own writes, inside `perform`'s transaction: fields, an entry in the
    /// conversation, questions to officers.
    private static func apply(_ change: EnquiryChange, to enquiry: Enquiry, by actor: EnquiryActor, at now: Date,
                              on db: any Database) async throws -> Applied {
        let me = actor.user.id
        /// An entry in the conversation (none for empty optional text), and whether the Member now
        /// waits for a reply (nil leaves it as it was).
        func entry(_ kind: EnquiryEntry.Kind, _ text: String, awaitingReply: Bool?) -> Applied {
            if let awaitingReply { enquiry.awaitingReply = awaitingReply }
            guard !text.isEmpty else { return Applied() }
            let id = UUID()
            return Applied(entry: (id, kind, text), written: .entry(id, kind))
        }
        switch change {
        case .take: enquiry.$handler.id = me
        case .assign(let coordinator): enquiry.$handler.id = coordinator
        case .postUpdate(let text): return entry(.update, text, awaitingReply: false)
        case .complete(let text): return entry(.finalResponse, text, awaitingReply: false)
        case .addNote(let text): return entry(.note, text, awaitingReply: nil)
        case .awaitWorks(let note): return entry(.update, note, awaitingReply: note.isEmpty ? nil : false)
        case .resumeWork, .submit: break
        case .close(let note): return entry(.closed, note, awaitingReply: false)
        case .closeAfterFollowUp(let lastDay):
            return entry(.closed, FollowUpWindow.closingWords(lastDay: lastDay), awaitingReply: false)
        case .handOver(let reason):
            // An internal note: the officers read why it came to them; the trail says it too.
            var applied = entry(.note, reason, awaitingReply: false)
            applied.detail = reason
            return applied
        case .closeAtHandover(let reason):
            var applied = entry(.closed, reason, awaitingReply: false)
            applied.detail = reason
            return applied
        case .reopen(let reason): return entry(.reopened, reason, awaitingReply: nil)
        case .askCoordinator(let text): return entry(.memberQuestion, text, awaitingReply: true)
        case .requestUpdate(let text): return entry(.updateRequest, text.isEmpty ? "Please send an update." : text, awaitingReply: true)
        case .replyToMember(let text): return entry(.reply, text, awaitingReply: false)
        case .askResponders(let responders, let question):
            var asked: [UUID] = []
            for responder in Set(responders).sorted(by: { $0.uuidString < $1.uuidString }) {
                let row = ResponderQuestion(enquiryID: try enquiry.requireID(), askedByID: me, responderID: responder, question: question, at: now)
                try await row.create(on: db)
                asked.append(try row.requireID())
            }
            return Applied(detail: "Asked \(asked.count) officer(s): \(question)", detailIsPersonal: true, written: .questions(asked))
        case .answerQuestion(let question, let text), .withdrawQuestion(let question, let text):
            // Claim the question, so an answer and a withdrawal at the same moment cannot both land.
            let answering = change.action == .answerQuestion
            let claimed = try await db.sql.update(ResponderQuestion.schema)
                .set("state", to: answering ? ResponderQuestion.State.answered.rawValue : ResponderQuestion.State.withdrawn.rawValue)
                .set(answering ? "answer" : "withdrawn_reason", to: text)
                .set(answering ? "answered_at" : "withdrawn_at", to: now)
                .where("id", .equal, question).where("enquiry_id", .equal, try enquiry.requireID())
                .where("state", .equal, ResponderQuestion.State.open.rawValue)
                .returning("id").all()
            guard !claimed.isEmpty else { throw QuestionNoLongerOpen() }
            return Applied(detail: (answering ? "Answered: " : "Withdrawn: ") + text, detailIsPersonal: true, written: .questions([question]))
        case .assignWorksArea(let worksArea): enquiry.$worksArea.id = worksArea
        case .convertType(let type, let subtype):
            enquiry.$type.id = type
            enquiry.$subtype.id = subtype
        case .editDraft(let valid), .editDetails(let valid): enquiry.apply(valid)
        }
        return Applied()
    }

    struct NewEnquiry: Sendable {
        let valid: EnquiryForm.Valid
        let memberID: UUID
        let channel: EnquiryChannel
        let submit: Bool
        var raiserFollows = false
        let submissionKey: String?
    }

    /// Creates an enquiry (a draft, or submitted at once). A form sent twice by the same person
    /// with the same submission key returns the enquiry the first one made. The key is stored
    /// under its author, so another person's form with the same key makes their own enquiry and
    /// can never lead to someone else's.
    static func create(_ new: NewEnquiry, by actor: EnquiryActor, at now: Date, on db: any Database) async throws -> Enquiry {
        let key = new.submissionKey.map { "\(actor.user.id.uuidString):\($0)" }
        func earlier() async throws -> Enquiry? {
            guard let key else { return nil }
            return try await Enquiry.query(on: db).filter(\.$submissionKey == key).filter(\.$raisedBy.$id == actor.user.id).first()
        }
        if let existing = try await earlier() { return existing }
        do {
            return try await db.transaction { db in
                try await AuditTrail.lockHead(on: db)
                let enquiry = Enquiry()
                enquiry.reference = try await nextReference(at: now, on: db)
                enquiry.$member.id = new.memberID
                enquiry.$raisedBy.id = actor.user.id
                enquiry.channel = new.channel
                enquiry.raiserFollows = new.raiserFollows
                enquiry.apply(new.valid)
                enquiry.status = new.submit ? .submitted : .draft
                enquiry.awaitingReply = false
                enquiry.reopenCount = 0
                enquiry.version = 1
                enquiry.submissionKey = key
                enquiry.createdAt = now
                enquiry.raisedMonth = CouncilTime.month(of: now)
                enquiry.submittedAt = new.submit ? now : nil
                enquiry.lastActivityAt = now
                if new.submit {
                    ServiceLevelTracking.record(nil, before: .init(nil), on: enquiry, at: now,
                                                settings: try await ServiceLevelSettings.load(on: db))
                }
                try await enquiry.create(on: db)
                let detail = new.memberID == actor.user.id ? "" : "Raised on the Member's behalf by \(actor.user.name) (\(new.channel.label.lowercased()))"
                try await AuditTrail.record(action: new.submit ? "create_and_submit" : "create_draft", enquiryID: try enquiry.requireID(),
                                            actorID: actor.user.id, changes: AuditTrail.changes(from: [:], to: enquiry.auditedFields),
                                            detail: detail, at: now, on: db)
                try await SearchIndex.reindex([try enquiry.requireID()], on: db)
                if new.submit {
                    try await EnquiryNotifications.record(.newEnquiry, on: enquiry, questionsBefore: [], by: actor.user, at: now, on: db)
                    try await OutsideSystems.queue(for: enquiry, because: .submitted, at: now, on: db)
                    try await WebhookEvents.queue([.init(.enquiryCreated, enquiry)], at: now, on: db)
                }
                return enquiry
            }
        } catch {
            // Two copies of one form racing: the loser finds the winner's enquiry.
            if let existing = try await earlier() { return existing }
            throw error
        }
    }

    /// The next reference of the year (Europe/London), counted in the database so every app
    /// instance draws from one sequence.
    static func nextReference(at date: Date, on db: any Database) async throws -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/London")!
        let year = calendar.component(.year, from: date)
        try await db.sql.raw("""
            INSERT INTO enquiry_counters (id, year, last_number) VALUES (\(bind: UUID()), \(bind: year), 0)
            ON CONFLICT (year) DO NOTHING
            """).run()
        guard let row = try await db.sql.raw("""
            UPDATE enquiry_counters SET last_number = last_number + 1 WHERE year = \(bind: year) RETURNING last_number
            """).first()
        else { throw AuditError("The reference counter is missing") }
        return EnquiryReference.make(year: year, number: try row.decode(column: "last_number", as: Int.self))
    }
}
