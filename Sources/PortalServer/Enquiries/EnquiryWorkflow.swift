import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// The one place an enquiry changes. It checks the lifecycle table for the person's standing,
/// applies the change, and writes the audit entry in the same transaction, after claiming the
/// enquiry's version so two changes can never interleave.
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
        let sql = db.sql
        guard let enquiry = try await sql.raw("SELECT \(Enquiry.selectList) FROM enquiries WHERE id = \(bind: id)").first().map(Enquiry.hydrate)
        else { throw Abort(.notFound) }
        let questions = try await sql.raw("""
            SELECT \(ResponderQuestion.selectList) FROM responder_questions WHERE enquiry_id = \(bind: id) ORDER BY asked_at
            """).all().map(ResponderQuestion.hydrate)
        let asked = questions.map(\.$responder.id)
        let facts = EnquiryAccess.Facts(status: enquiry.status, memberID: enquiry.$member.id, raisedByID: enquiry.$raisedBy.id,
                                        serviceAreaID: enquiry.$serviceArea.id, askedResponderIDs: Set(asked))
        let standing = EnquiryAccess.standing(of: actor.viewer, towards: facts)
        guard let view = EnquiryAccess.view(for: standing) else { throw Abort(.notFound) }
        return Loaded(enquiry: enquiry, standing: standing, view: view, questions: questions)
    }

    /// What a change came to: the enquiry as it now stands and what the change wrote.
    struct Performed: Sendable {
        let enquiry: Enquiry
        let written: EnquiryChange.Written
    }

    /// Applies a change: the lifecycle table decides whether this person may make it now and
    /// what the status becomes; the change's own writes, the deadlines, the audit entry, the
    /// search index and the notifications follow in one transaction, after the enquiry's version
    /// is claimed. `expectedVersion` is the version the person's form was drawn from, when it
    /// matters that nothing changed since (editing details); otherwise the loaded version is used.
    @discardableResult
    static func perform(_ change: EnquiryChange, on loaded: Loaded, by actor: EnquiryActor, expectedVersion: Int? = nil,
                        at now: Date, on db: any Database) async throws -> Performed {
        let action = change.action
        let enquiry = loaded.enquiry
        let newStatus: EnquiryStatus
        switch EnquiryLifecycle.apply(action, to: enquiry.status, by: loaded.standing) {
        case .success(let status): newStatus = status
        case .failure(let refusal): throw ActionRefused(refusal: refusal)
        }
        let id = try enquiry.requireID()
        let version = expectedVersion ?? enquiry.version
        // A version is bounded where it is read (`RequestNumber`); an overflow here still only
        // means the form was not drawn from this enquiry.
        let (nextVersion, overflowed) = version.addingReportingOverflow(1)
        guard !overflowed else { throw EditConflict() }
        let before = enquiry.auditedFields
        let serviceLevelBefore = ServiceLevelTracking.Before(enquiry)
        let written = try await db.transaction { db -> EnquiryChange.Written in
            let claimed = try await db.sql.update(Enquiry.schema)
                .set("version", to: nextVersion)
                .where("id", .equal, id).where("version", .equal, version)
                .returning("id").all()
            guard !claimed.isEmpty else { throw EditConflict() }
            enquiry.version = nextVersion
            enquiry.lastActivityAt = now
            let oldStatus = enquiry.status
            enquiry.status = newStatus
            if newStatus != oldStatus {
                switch newStatus {
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
            let (detail, written) = try await apply(change, to: enquiry, by: actor, at: now, on: db)
            ServiceLevelTracking.record(action, before: serviceLevelBefore, on: enquiry, at: now,
                                        settings: try await ServiceLevelSettings.load(on: db))
            try await enquiry.update(on: db)
            let changes = AuditTrail.changes(from: before, to: enquiry.auditedFields)
            try await AuditTrail.record(action: action.rawValue, enquiryID: id, actorID: actor.user.id, changes: changes,
                                        detail: detail, at: now, on: db)
            try await SearchIndex.reindex([id], on: db)
            if let event = NotificationEvent.caused(by: action) {
                try await EnquiryNotifications.record(event, on: enquiry, questionsBefore: loaded.questions, by: actor.user, at: now, on: db)
            }
            if let cause = OutsideSystems.Cause(action) {
                try await OutsideSystems.queue(for: enquiry, because: cause, at: now, on: db)
            }
            return written
        }
        return Performed(enquiry: enquiry, written: written)
    }

    /// The change's own writes, inside `perform`'s transaction: fields, an entry in the
    /// conversation, questions to officers. Returns the audit line's detail and what was written.
    private static func apply(_ change: EnquiryChange, to enquiry: Enquiry, by actor: EnquiryActor, at now: Date,
                              on db: any Database) async throws -> (detail: String, written: EnquiryChange.Written) {
        let me = actor.user.id
        /// An entry in the conversation (none for empty optional text), and whether the Member now
        /// waits for a reply (nil leaves it as it was).
        func entry(_ kind: EnquiryEntry.Kind, _ text: String, awaitingReply: Bool?) async throws -> (String, EnquiryChange.Written) {
            if let awaitingReply { enquiry.awaitingReply = awaitingReply }
            guard !text.isEmpty else { return ("", .nothing) }
            let entry = EnquiryEntry(enquiryID: try enquiry.requireID(), kind: kind, authorID: me, body: text, at: now)
            try await entry.create(on: db)
            return ("", .entry(try entry.requireID(), kind))
        }
        switch change {
        case .take: enquiry.$handler.id = me
        case .assign(let coordinator): enquiry.$handler.id = coordinator
        case .postUpdate(let text): return try await entry(.update, text, awaitingReply: false)
        case .complete(let text): return try await entry(.finalResponse, text, awaitingReply: false)
        case .addNote(let text): return try await entry(.note, text, awaitingReply: nil)
        case .awaitWorks(let note): return try await entry(.update, note, awaitingReply: nil)
        case .resumeWork, .submit: break
        case .close(let note): return try await entry(.closed, note, awaitingReply: false)
        case .reopen(let reason): return try await entry(.reopened, reason, awaitingReply: nil)
        case .askCoordinator(let text): return try await entry(.memberQuestion, text, awaitingReply: true)
        case .requestUpdate(let text): return try await entry(.updateRequest, text.isEmpty ? "Please send an update." : text, awaitingReply: true)
        case .replyToMember(let text): return try await entry(.reply, text, awaitingReply: false)
        case .askResponders(let responders, let question):
            var asked: [UUID] = []
            for responder in Set(responders).sorted(by: { $0.uuidString < $1.uuidString }) {
                let row = ResponderQuestion(enquiryID: try enquiry.requireID(), askedByID: me, responderID: responder, question: question, at: now)
                try await row.create(on: db)
                asked.append(try row.requireID())
            }
            return ("Asked \(asked.count) officer(s): \(question)", .questions(asked))
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
            return ((answering ? "Answered: " : "Withdrawn: ") + text, .questions([question]))
        case .assignWorksArea(let worksArea): enquiry.$worksArea.id = worksArea
        case .convertType(let type, let subtype):
            enquiry.$type.id = type
            enquiry.$subtype.id = subtype
        case .editDraft(let valid), .editDetails(let valid): enquiry.apply(valid)
        }
        return ("", .nothing)
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
