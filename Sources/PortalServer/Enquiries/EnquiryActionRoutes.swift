import Fluent
import Foundation
import NIOConcurrencyHelpers
import PortalCore
import SQLKit
import Vapor

/// Every action on an enquiry page posts here: one route, one workflow, one audit trail.
/// An answer and a withdrawal (or two answers) raced, and the other landed first.
struct QuestionNoLongerOpen: AbortError {
    var status: HTTPResponseStatus { .conflict }
    var reason: String { "That question was answered or withdrawn a moment ago. Reload the page to see it." }
}

enum EnquiryActionRoutes {
    static let textLimit = 5000

    struct Posted: Content {
        var action: String?
        var body: String?
        var question: String?
        var responders: [String]?
        var coordinator: String?
        var worksArea: String?
        var type: String?
        var subtype: String?

        enum CodingKeys: String, CodingKey {
            case action, body, question, responders, coordinator, worksArea = "works-area", type, subtype
        }
    }

    @Sendable static func show(_ request: Request) async throws -> Response {
        let actor = try await request.enquiryActor()
        let loaded = try await EnquiryWorkflow.load(try EnquiryFormRoutes.enquiryID(request), for: actor, on: request.db)
        let model = try await EnquiryPage.query(loaded, actor: actor, request: request)
        return request.render(EnquiryPage.page(model, request: request))
    }

    /// Actions whose forms may carry documents, attached to what the action writes.
    static let documentActions: Set<EnquiryAction> = [.postUpdate, .complete, .replyToMember, .addNote, .askCoordinator, .answerQuestion]

    /// What an action came to: done (with what its documents hang on), or its form back with errors.
    enum Outcome: Sendable {
        case done(EnquiryAction, attachment: DocumentAttachment)
        case refused(EnquiryAction, Posted, FormErrors)
    }

    @Sendable static func act(_ request: Request) async throws -> Response {
        let actor = try await request.enquiryActor()
        let id = try EnquiryFormRoutes.enquiryID(request)
        let loaded = try await EnquiryWorkflow.load(id, for: actor, on: request.db)
        guard request.headers.contentType?.type == "multipart" else {
            let posted = try request.content.decode(Posted.self)
            return try await respond(to: try await perform(posted, loaded: loaded, actor: actor, request: request), loaded: loaded, actor: actor, request: request)
        }
        // The form's text comes before its files, so the action is done when the first file
        // begins, and the files then stream in, attached to what it wrote.
        let outcome = NIOLockedValueBox<Outcome?>(nil)
        let upload = DocumentUpload(settings: request.application.portal.documents, userID: actor.user.id, db: request.db,
                                    group: request.application.eventLoopGroup, clock: request.application.portal.clock, requireFiles: false) { fields in
            let done = try await perform(try StreamedForm.decode(Posted.self, from: fields), loaded: loaded, actor: actor, request: request)
            outcome.withLockedValue { $0 = done }
            if case .done = done { return id }
            return nil
        }
        do {
            let (fields, files) = try await upload.receive(request)
            if outcome.withLockedValue({ $0 }) == nil {
                let settled = try await perform(try StreamedForm.decode(Posted.self, from: fields), loaded: loaded, actor: actor, request: request)
                outcome.withLockedValue { $0 = settled }
            }
            if case .done(let action, let attachment) = outcome.withLockedValue({ $0 }), !files.isEmpty {
                // Files sent with an action follow the documents section's rules, judged on the
                // enquiry as the action left it: nothing on a closed enquiry, nothing by way of an
                // action that writes nothing to attach them to.
                let after = try await EnquiryWorkflow.load(id, for: actor, on: request.db)
                guard documentActions.contains(action),
                      DocumentAccess.canAdd(to: attachment, standing: after.standing, viewerID: actor.user.id, status: after.enquiry.status)
                else {
                    try await DocumentStore.discard(files.map(\.id), on: request.db)
                    let reason = after.enquiry.status == .closed ? "nothing can be added to a closed enquiry (reopen it first)"
                        : "\(action.label.lowercased()) does not carry documents; add them in the documents section"
                    return try await DocumentRoutes.enquiryPage(id, explaining: "\(confirmation(action)) Its documents were not added: \(reason).",
                                                                status: .unprocessableEntity, actor: actor, request: request)
                }
                try await DocumentRoutes.keep(files, attachedTo: attachment, enquiryID: id, by: actor.user.id, at: request.now, on: request.db)
            }
        } catch let problem as DocumentUpload.Problem {
            guard case .done(let action, _) = outcome.withLockedValue({ $0 }) else {
                if let refused = outcome.withLockedValue({ $0 }) { return try await respond(to: refused, loaded: loaded, actor: actor, request: request) }
                throw Abort(.badRequest, reason: problem.message)
            }
            return try await DocumentRoutes.enquiryPage(id, explaining: "\(confirmation(action)) Its documents were not added: \(problem.message). Add them below.",
                                                        status: problem.status, actor: actor, request: request)
        }
        guard let done = outcome.withLockedValue({ $0 }) else { throw Abort(.badRequest) }
        return try await respond(to: done, loaded: loaded, actor: actor, request: request)
    }

    private static func respond(to outcome: Outcome, loaded: EnquiryWorkflow.Loaded, actor: EnquiryActor, request: Request) async throws -> Response {
        switch outcome {
        case .done(let action, _):
            return request.seeOther("/enquiries/\(try loaded.enquiry.requireID())", flash: confirmation(action))
        case .refused(let action, let posted, let errors):
            var model = try await EnquiryPage.query(loaded, actor: actor, request: request)
            model.failed = (action, posted, errors)
            let response = request.render(EnquiryPage.page(model, request: request))
            response.status = .unprocessableEntity
            return response
        }
    }

    /// Checks and performs one posted action, retrying once on the fresh enquiry if someone else
    /// acted at the same moment.
    static func perform(_ posted: Posted, loaded: EnquiryWorkflow.Loaded, actor: EnquiryActor, request: Request) async throws -> Outcome {
        guard let action = posted.action.flatMap(EnquiryAction.init(rawValue:)) else { throw Abort(.badRequest, reason: "Choose an action.") }
        var errors = FormErrors()
        let written = NIOLockedValueBox<(id: UUID, kind: EnquiryEntry.Kind)?>(nil)
        let change = try await prepare(action, posted: posted, loaded: loaded, actor: actor, request: request, errors: &errors, written: written)
        guard let change, errors.isEmpty else { return .refused(action, posted, errors) }
        do {
            try await EnquiryWorkflow.perform(action, on: loaded, by: actor, at: request.now, on: request.db, change: change)
        } catch is EditConflict {
            let fresh = try await EnquiryWorkflow.load(try loaded.enquiry.requireID(), for: actor, on: request.db)
            try await EnquiryWorkflow.perform(action, on: fresh, by: actor, at: request.now, on: request.db, change: change)
        }
        let attachment: DocumentAttachment
        if action == .answerQuestion, let question = posted.question.flatMap(UUID.init(uuidString:)) {
            attachment = .question(question, responderID: actor.user.id)
        } else if let entry = written.withLockedValue({ $0 }) {
            attachment = .entry(entry.id, isNote: entry.kind == .note, authorID: actor.user.id)
        } else {
            attachment = .enquiry
        }
        return .done(action, attachment: attachment)
    }

    static func confirmation(_ action: EnquiryAction) -> String {
        switch action {
        case .take: "You have taken this enquiry."
        case .assign: "The enquiry has been assigned."
        case .postUpdate: "Your update has been sent to the Member."
        case .complete: "The enquiry is complete. The Member has been asked to confirm."
        case .addNote: "Your note has been added. Members do not see notes."
        case .awaitWorks: "The enquiry is now awaiting works."
        case .resumeWork: "The enquiry is back in progress."
        case .close: "The enquiry has been closed."
        case .reopen: "The enquiry has been reopened."
        case .askCoordinator: "Your question has been sent to the co-ordinator."
        case .requestUpdate: "Your request for an update has been sent."
        case .replyToMember: "Your reply has been sent to the Member."
        case .askResponder: "Your question has been sent."
        case .answerQuestion: "Your answer has been sent to the co-ordinator."
        case .withdrawQuestion: "The question has been withdrawn."
        case .assignWorksArea: "The works area has been saved."
        case .convertType: "The enquiry's type has been changed."
        case .editDraft, .editDetails, .submit: "Saved."
        }
    }

    /// Checks the action's own fields and returns the change to make, or records errors.
    private static func prepare(
        _ action: EnquiryAction, posted: Posted, loaded: EnquiryWorkflow.Loaded, actor: EnquiryActor, request: Request,
        errors: inout FormErrors, written: NIOLockedValueBox<(id: UUID, kind: EnquiryEntry.Kind)?>
    ) async throws -> (@Sendable (Enquiry, any Database, Date) async throws -> String)? {
        let me = actor.user.id
        let body = (posted.body ?? "").trimmingWhitespace()
        func text(required: String?) -> String? {
            if let problem = FormErrors.characterProblem(body, name: "the text", multiLine: true) {
                errors.add("\(action.rawValue)-body", problem)
                return nil
            }
            if body.isEmpty {
                if let required { errors.add("\(action.rawValue)-body", required) }
                return required == nil ? "" : nil
            }
            if body.count > textLimit {
                errors.add("\(action.rawValue)-body", "Write \(textLimit) characters or fewer (you have \(body.count))")
                return nil
            }
            return body
        }
        func entry(_ kind: EnquiryEntry.Kind, _ text: String, awaitingReply: Bool?) -> @Sendable (Enquiry, any Database, Date) async throws -> String {
            { enquiry, db, now in
                if !text.isEmpty {
                    let entry = EnquiryEntry(enquiryID: try enquiry.requireID(), kind: kind, authorID: me, body: text, at: now)
                    try await entry.create(on: db)
                    let writtenID = try entry.requireID()
                    written.withLockedValue { $0 = (writtenID, kind) }
                }
                if let awaitingReply { enquiry.awaitingReply = awaitingReply }
                return ""
            }
        }
        switch action {
        case .take:
            return { enquiry, _, _ in enquiry.$handler.id = me; return "" }
        case .assign:
            let coordinators = try await UserNames.coordinators(of: loaded.enquiry.$serviceArea.id, on: request.db).map(\.id)
            // Read afresh, not from the directory: assigning must see who covers the area now.
            guard let chosen = posted.coordinator.flatMap(UUID.init(uuidString:)), coordinators.contains(chosen) else {
                errors.add("assign-coordinator", "Select a co-ordinator of this service area")
                return nil
            }
            return { enquiry, _, _ in enquiry.$handler.id = chosen; return "" }
        case .postUpdate:
            guard let text = text(required: "Write the update for the Member") else { return nil }
            return entry(.update, text, awaitingReply: false)
        case .complete:
            guard let text = text(required: "Write the final response for the Member") else { return nil }
            return entry(.finalResponse, text, awaitingReply: false)
        case .addNote:
            guard let text = text(required: "Write the note") else { return nil }
            return entry(.note, text, awaitingReply: nil)
        case .awaitWorks:
            guard let text = text(required: nil) else { return nil }
            return entry(.update, text, awaitingReply: nil)
        case .resumeWork:
            return { _, _, _ in "" }
        case .close:
            guard let text = text(required: nil) else { return nil }
            return entry(.closed, text, awaitingReply: false)
        case .reopen:
            guard let text = text(required: "Say why the enquiry is being reopened") else { return nil }
            return entry(.reopened, text, awaitingReply: nil)
        case .askCoordinator:
            guard let text = text(required: "Write your question") else { return nil }
            return entry(.memberQuestion, text, awaitingReply: true)
        case .requestUpdate:
            guard let text = text(required: nil) else { return nil }
            return entry(.updateRequest, text.isEmpty ? "Please send an update." : text, awaitingReply: true)
        case .replyToMember:
            guard let text = text(required: "Write your reply") else { return nil }
            return entry(.reply, text, awaitingReply: false)
        case .askResponder:
            let known = Set(try await UserNames.responders(on: request.db).map(\.id))
            let chosen = (posted.responders ?? []).compactMap(UUID.init(uuidString:))
            if chosen.isEmpty || chosen.count != (posted.responders ?? []).count || !Set(chosen).isSubset(of: known) {
                errors.add("ask_responder-responders", "Select at least one officer from the list")
            }
            guard let text = text(required: "Write your question") else { return nil }
            guard errors.isEmpty else { return nil }
            let responders = Array(Set(chosen)).sorted { $0.uuidString < $1.uuidString }
            return { enquiry, db, now in
                for responder in responders {
                    try await ResponderQuestion(enquiryID: try enquiry.requireID(), askedByID: me, responderID: responder, question: text, at: now).create(on: db)
                }
                return "Asked \(responders.count) officer(s): \(text)"
            }
        case .answerQuestion, .withdrawQuestion:
            guard let questionID = posted.question.flatMap(UUID.init(uuidString:)),
                  let question = try await ResponderQuestion.find(questionID, on: request.db),
                  question.$enquiry.id == loaded.enquiry.id, question.state == .open,
                  action == .withdrawQuestion || question.$responder.id == me
            else {
                errors.add("\(action.rawValue)-body", "That question is no longer open")
                return nil
            }
            guard let text = text(required: action == .answerQuestion ? "Write your answer" : "Say why the question is withdrawn") else { return nil }
            return { _, db, now in
                // Claim the question, so an answer and a withdrawal at the same moment cannot both land.
                let answering = action == .answerQuestion
                let claimed = try await db.sql.update(ResponderQuestion.schema)
                    .set("state", to: answering ? ResponderQuestion.State.answered.rawValue : ResponderQuestion.State.withdrawn.rawValue)
                    .set(answering ? "answer" : "withdrawn_reason", to: text)
                    .set(answering ? "answered_at" : "withdrawn_at", to: now)
                    .where("id", .equal, questionID).where("state", .equal, ResponderQuestion.State.open.rawValue)
                    .returning("id").all()
                guard !claimed.isEmpty else { throw QuestionNoLongerOpen() }
                return (action == .answerQuestion ? "Answered: " : "Withdrawn: ") + text
            }
        case .assignWorksArea:
            let data = try await request.referenceData()
            let value = (posted.worksArea ?? "").trimmingWhitespace()
            var chosen: UUID?
            if !value.isEmpty {
                guard let id = UUID(uuidString: value), data.worksAreas.contains(where: { $0.id == id && $0.serviceAreaID == loaded.enquiry.$serviceArea.id }) else {
                    errors.add("assign_works_area-works-area", "Select a works area of this service area")
                    return nil
                }
                chosen = id
            }
            let worksArea = chosen
            return { enquiry, _, _ in enquiry.$worksArea.id = worksArea; return "" }
        case .convertType:
            let data = try await request.referenceData()
            guard let typeID = posted.type.flatMap(UUID.init(uuidString:)), let type = data.types.first(where: { $0.id == typeID }) else {
                errors.add("convert_type-type", "Select the new type")
                return nil
            }
            let subtypeText = (posted.subtype ?? "").trimmingWhitespace()
            var subtype: UUID?
            if type.subtypes.isEmpty {
                if !subtypeText.isEmpty { errors.add("convert_type-subtype", "\(type.name) has no sub-types; choose “None”") }
            } else if let id = UUID(uuidString: subtypeText), type.subtypes.contains(where: { $0.id == id }) {
                subtype = id
            } else {
                errors.add("convert_type-subtype", "Select a sub-type of \(type.name)")
            }
            if type.needsLocation, (loaded.enquiry.location ?? "").isEmpty {
                errors.add("convert_type-type", "\(type.name) needs a location; edit the details to add one first")
            }
            guard errors.isEmpty else { return nil }
            let newSubtype = subtype
            if typeID == loaded.enquiry.$type.id, subtype == loaded.enquiry.$subtype.id {
                errors.add("convert_type-type", "The enquiry is already of that type")
                return nil
            }
            return { enquiry, _, _ in
                enquiry.$type.id = typeID
                enquiry.$subtype.id = newSubtype
                return ""
            }
        case .editDraft, .editDetails, .submit:
            throw Abort(.badRequest, reason: "Use the edit form for that.")
        }
    }
}
