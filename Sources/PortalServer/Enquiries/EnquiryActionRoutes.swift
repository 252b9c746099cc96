import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// Every action on an enquiry page posts here: one route turns the form into an `EnquiryChange`,
/// and one workflow applies it.
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
        let actor = try request.enquiryActor()
        let loaded = try await EnquiryWorkflow.load(try EnquiryFormRoutes.enquiryID(request), for: actor, on: request.db)
        let model = try await EnquiryPage.query(loaded, actor: actor, request: request)
        return request.render(EnquiryPage.page(model))
    }

    /// Actions whose forms may carry documents, attached to what the action writes.
    static let documentActions: Set<EnquiryAction> = [.postUpdate, .complete, .replyToMember, .addNote, .askCoordinator, .answerQuestion]

    /// What an action came to: done (with what its documents hang on), or its form back with errors.
    enum Outcome: Sendable {
        case done(EnquiryAction, attachment: DocumentAttachment)
        case refused(EnquiryAction, Posted, FormErrors)
    }

    @Sendable static func act(_ request: Request) async throws -> Response {
        let actor = try request.enquiryActor()
        let id = try EnquiryFormRoutes.enquiryID(request)
        let loaded = try await EnquiryWorkflow.load(id, for: actor, on: request.db)
        guard request.headers.contentType?.type == "multipart" else {
            let posted = try request.content.decode(Posted.self)
            return try await respond(to: try await perform(posted, loaded: loaded, actor: actor, request: request), loaded: loaded, actor: actor, request: request)
        }
        // The form's text comes before its files, so the action is done when the first file
        // begins, and the files then stream in, attached to what it wrote.
        let received = try await StreamedForm.receive(request, by: actor.user.id) { fields in
            let outcome = try await perform(try StreamedForm.decode(Posted.self, from: fields), loaded: loaded, actor: actor, request: request)
            if case .done = outcome { return (outcome, id) }
            return (outcome, nil)
        }
        guard let outcome = received.outcome else { throw Abort(.badRequest, reason: received.problem?.message) }
        guard case .done(let action, let attachment) = outcome else { return try await respond(to: outcome, loaded: loaded, actor: actor, request: request) }
        if let problem = received.problem {
            return try await DocumentRoutes.enquiryPage(id, explaining: "\(confirmation(action)) Its documents were not added: \(problem.message). Add them below.",
                                                        status: problem.status, actor: actor, request: request)
        }
        if !received.files.isEmpty {
            // Files sent with an action follow the documents section's rules, judged on the
            // enquiry as the action left it: nothing on a closed enquiry, nothing by way of an
            // action that writes nothing to attach them to.
            let after = try await EnquiryWorkflow.load(id, for: actor, on: request.db)
            guard documentActions.contains(action),
                  DocumentAccess.canAdd(to: attachment, standing: after.standing, viewerID: actor.user.id, status: after.enquiry.status)
            else {
                try await DocumentStore.discard(received.files.map(\.id), on: request.db)
                let reason = after.enquiry.status == .closed ? "nothing can be added to a closed enquiry (reopen it first)"
                    : "\(action.label.lowercased()) does not carry documents; add them in the documents section"
                return try await DocumentRoutes.enquiryPage(id, explaining: "\(confirmation(action)) Its documents were not added: \(reason).",
                                                            status: .unprocessableEntity, actor: actor, request: request)
            }
            try await DocumentRoutes.keep(received.files, attachedTo: attachment, enquiryID: id, by: actor.user.id, at: request.now, on: request.db)
        }
        return try await respond(to: outcome, loaded: loaded, actor: actor, request: request)
    }

    private static func respond(to outcome: Outcome, loaded: EnquiryWorkflow.Loaded, actor: EnquiryActor, request: Request) async throws -> Response {
        switch outcome {
        case .done(let action, _):
            return request.seeOther("/enquiries/\(try loaded.enquiry.requireID())", flash: confirmation(action))
        case .refused(let action, let posted, let errors):
            var model = try await EnquiryPage.query(loaded, actor: actor, request: request)
            model.failed = (action, posted, errors)
            let response = request.render(EnquiryPage.page(model))
            response.status = .unprocessableEntity
            return response
        }
    }

    /// Checks and performs one posted action, retrying once on the fresh enquiry if someone else
    /// acted at the same moment.
    static func perform(_ posted: Posted, loaded: EnquiryWorkflow.Loaded, actor: EnquiryActor, request: Request) async throws -> Outcome {
        guard let action = posted.action.flatMap(EnquiryAction.init(rawValue:)) else { throw Abort(.badRequest, reason: "Choose an action.") }
        var errors = FormErrors()
        let change = try await change(action, posted: posted, loaded: loaded, actor: actor, request: request, errors: &errors)
        guard let change, errors.isEmpty else { return .refused(action, posted, errors) }
        let performed: EnquiryWorkflow.Performed
        do {
            performed = try await EnquiryWorkflow.perform(change, on: loaded, by: actor, at: request.now, on: request.db)
        } catch is EditConflict {
            let fresh = try await EnquiryWorkflow.load(try loaded.enquiry.requireID(), for: actor, on: request.db)
            performed = try await EnquiryWorkflow.perform(change, on: fresh, by: actor, at: request.now, on: request.db)
        }
        let attachment: DocumentAttachment
        switch (change, performed.written) {
        case (.answerQuestion(let question, _), _): attachment = .question(question, responderID: actor.user.id)
        case (_, .entry(let id, let kind)): attachment = .entry(id, isNote: kind == .note, authorID: actor.user.id)
        default: attachment = .enquiry
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
        case .closeAfterFollowUp, .closeAtHandover: "The enquiry has been closed."
        case .handOver: "The enquiry has been handed over to officers."
        }
    }

    /// Checks the action's own fields and returns the change to make, or records errors.
    private static func change(
        _ action: EnquiryAction, posted: Posted, loaded: EnquiryWorkflow.Loaded, actor: EnquiryActor, request: Request,
        errors: inout FormErrors
    ) async throws -> EnquiryChange? {
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
        switch action {
        case .take:
            return .take
        case .assign:
            let coordinators = try await UserNames.coordinators(of: loaded.enquiry.$serviceArea.id, on: request.db).map(\.id)
            // Read afresh, not from the directory: assigning must see who covers the area now.
            guard let chosen = posted.coordinator.flatMap(UUID.init(uuidString:)), coordinators.contains(chosen) else {
                errors.add("assign-coordinator", "Select a co-ordinator of this service area")
                return nil
            }
            return .assign(coordinator: chosen)
        case .postUpdate: return text(required: "Write the update for the Member").map { .postUpdate($0) }
        case .complete: return text(required: "Write the final response for the Member").map { .complete(finalResponse: $0) }
        case .addNote: return text(required: "Write the note").map { .addNote($0) }
        case .awaitWorks: return text(required: nil).map { .awaitWorks(note: $0) }
        case .resumeWork: return .resumeWork
        case .close: return text(required: nil).map { .close(note: $0) }
        case .reopen: return text(required: "Say why the enquiry is being reopened").map { .reopen(reason: $0) }
        case .askCoordinator: return text(required: "Write your question").map { .askCoordinator($0) }
        case .requestUpdate: return text(required: nil).map { .requestUpdate($0) }
        case .replyToMember: return text(required: "Write your reply").map { .replyToMember($0) }
        case .askResponder:
            let known = Set(try await UserNames.responders(on: request.db).map(\.id))
            let chosen = (posted.responders ?? []).compactMap(UUID.init(uuidString:))
            if chosen.isEmpty || chosen.count != (posted.responders ?? []).count || !Set(chosen).isSubset(of: known) {
                errors.add("ask_responder-responders", "Select at least one officer from the list")
            }
            guard let text = text(required: "Write your question"), errors.isEmpty else { return nil }
            return .askResponders(chosen, question: text)
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
            return action == .answerQuestion ? .answerQuestion(questionID, answer: text) : .withdrawQuestion(questionID, reason: text)
        case .assignWorksArea:
            let data = try await request.referenceData()
            let value = (posted.worksArea ?? "").trimmingWhitespace()
            guard !value.isEmpty else { return .assignWorksArea(nil) }
            guard let id = UUID(uuidString: value), data.worksAreas.contains(where: { $0.id == id && $0.serviceAreaID == loaded.enquiry.$serviceArea.id }) else {
                errors.add("assign_works_area-works-area", "Select a works area of this service area")
                return nil
            }
            return .assignWorksArea(id)
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
            if typeID == loaded.enquiry.$type.id, subtype == loaded.enquiry.$subtype.id {
                errors.add("convert_type-type", "The enquiry is already of that type")
                return nil
            }
            return .convertType(typeID, subtype: subtype)
        case .editDraft, .editDetails, .submit:
            throw Abort(.badRequest, reason: "Use the edit form for that.")
        case .closeAfterFollowUp:
            throw Abort(.badRequest, reason: "Only the portal closes an enquiry when its follow-up window ends.")
        case .handOver, .closeAtHandover:
            throw Abort(.badRequest, reason: "An enquiry is handed over after an election from the election's handover page.")
        }
    }
}
