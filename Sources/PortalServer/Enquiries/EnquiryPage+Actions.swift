import Foundation
import PortalCore
import Vapor

extension EnquiryPage {
    /// The forms for what this person may do now, each in a disclosure so the page stays short.
    static func actionSection(_ model: Model) -> HTMLNode {
        let actions = model.actions.filter { ![.answerQuestion, .editDraft, .editDetails, .submit].contains($0) && !$0.isPortalOnly }
        let id = model.enquiry.id!.uuidString
        let canEdit = model.actions.contains(.editDraft) || model.actions.contains(.editDetails)
        guard !actions.isEmpty || canEdit else { return .empty }
        let data = model.reference
        return section(.aria("labelledby", "actions-heading"), .class("actions")) {
            h2(.id("actions-heading")) { "What you can do" }
            if model.actions.contains(.editDraft) {
                para { link("/enquiries/\(id)/edit", .class("button")) { "Continue editing and submit" } }
            } else if model.actions.contains(.editDetails) {
                para { link("/enquiries/\(id)/edit", .class("button button-secondary")) { "Edit details" } }
            }
            for action in actions {
                switch action {
                case .take:
                    actionForm(.take, model: model, open: true, button: model.enquiry.$handler.id == nil ? "Take this enquiry" : "Take it over") { _, _ in .empty }
                case .assign:
                    actionForm(.assign, model: model, button: "Assign") { posted, errors in
                        selectField("assign-coordinator", label: "Co-ordinator", choices: model.coordinators.filter { $0.value != model.viewerID.uuidString },
                                    selected: posted?.coordinator, errors: errors).renamed("coordinator")
                    }
                case .postUpdate, .complete, .addNote, .replyToMember, .askCoordinator, .reopen:
                    actionForm(action, model: model, button: buttonText(action)) { posted, errors in
                        textArea("\(action.rawValue)-body", label: bodyLabel(action), value: posted?.body, errors: errors, hint: bodyHint(action)).renamed("body")
                    }
                case .requestUpdate, .close, .awaitWorks:
                    let confirming = action == .close && model.enquiry.status == .completed
                    actionForm(action, model: model, button: confirming ? "Confirm and close" : buttonText(action),
                               summaryText: confirming ? "Confirm it is done and close" : nil) { posted, errors in
                        textArea("\(action.rawValue)-body", label: bodyLabel(action) + " (optional)", value: posted?.body, errors: errors, hint: bodyHint(action), rows: 3).renamed("body")
                    }
                case .resumeWork:
                    actionForm(.resumeWork, model: model, open: true, button: "Resume work") { _, _ in .empty }
                case .askResponder:
                    actionForm(.askResponder, model: model, button: "Send question") { posted, errors in
                        checkboxes("ask_responder-responders", legend: "Officers to ask", choices: model.responders,
                                   checked: Set(posted?.responders ?? []), errors: errors, hint: "They will see the question, the enquiry's details and its location, but not the resident's contact details.").renamed("responders")
                        textArea("ask_responder-body", label: "Question", value: posted?.body, errors: errors).renamed("body")
                    }
                case .withdrawQuestion:
                    let open = model.questions.filter { $0.state == .open }
                    for question in open {
                        actionForm(.withdrawQuestion, model: model, button: "Withdraw question to \(model.name(question.$responder.id))",
                                   summaryText: "Withdraw the question to \(model.name(question.$responder.id))", question: question.id) { posted, errors in
                            // Ids must be unique on the page: only the form that came back with an error
                            // keeps the id its error message links to.
                            let failedHere = posted?.question == question.id?.uuidString
                            textArea(failedHere ? "withdraw_question-body" : "withdraw-\(question.id!.uuidString.prefix(8))", label: "Reason",
                                     value: failedHere ? posted?.body : nil, errors: failedHere ? errors : FormErrors(),
                                     hint: "For example, it duplicates another question. The officer sees the reason.", rows: 3).renamed("body")
                        }
                    }
                case .assignWorksArea:
                    let areas = data.worksAreas.filter { $0.serviceAreaID == model.enquiry.$serviceArea.id }
                    if !areas.isEmpty {
                        actionForm(.assignWorksArea, model: model, button: "Save works area") { posted, errors in
                            selectField("assign_works_area-works-area", label: "Works area", choices: areas.map { Choice(value: $0.id.uuidString, label: $0.name) },
                                        selected: posted?.worksArea ?? model.enquiry.$worksArea.id?.uuidString, errors: errors, placeholder: "None").renamed("works-area")
                        }
                    }
                case .convertType:
                    actionForm(.convertType, model: model, button: "Convert") { posted, errors in
                        selectField("convert_type-type", label: "New type", choices: data.types.map { Choice(value: $0.id.uuidString, label: $0.name) },
                                    selected: posted?.type ?? model.enquiry.$type.id.uuidString, errors: errors).renamed("type")
                        groupedSelectField("convert_type-subtype", label: "Sub-type", groups: data.types.map { ($0.name, $0.subtypes.map { Choice(value: $0.id.uuidString, label: $0.name) }) },
                                           selected: posted?.subtype, errors: errors, placeholder: "None").renamed("subtype")
                    }
                case .answerQuestion, .editDraft, .editDetails, .submit, .closeAfterFollowUp, .handOver, .closeAtHandover:
                    HTMLNode.empty
                }
            }
        }
    }

    /// One action's form in a disclosure (open when it came back with errors), or bare when `open`.
    static func actionForm(_ action: EnquiryAction, model: Model, open: Bool = false, button: String,
                           summaryText: String? = nil, question: UUID? = nil,
                           @HTMLBuilder fields: (EnquiryActionRoutes.Posted?, FormErrors) -> [HTMLNode]) -> HTMLNode {
        let failed = model.failed?.action == action ? model.failed : nil
        let errors = failed?.errors ?? FormErrors()
        // Updates, responses, replies, notes, questions and answers may carry documents: their
        // forms are multipart, streamed, with the token in the address (EnquiryActionRoutes.act).
        let withDocuments = EnquiryActionRoutes.documentActions.contains(action)
        let address = "/enquiries/\(model.enquiry.id!.uuidString)/act"
        let attributes: [HTMLAttribute] = [.method("post"), .novalidate, .class("action-form")]
            + (withDocuments ? [.action("\(address)?\(CSRFMiddleware.formField)=\(model.csrfToken)"), .attr("enctype", "multipart/form-data")] : [.action(address)])
        let body = element("form", attributes) {
            csrfField(model.csrfToken)
            input(.type("hidden"), .name("action"), .value(action.rawValue))
            if let question { input(.type("hidden"), .name("question"), .value(question.uuidString)) }
            fields(failed?.posted, errors)
            if withDocuments {
                fileField("\(action.rawValue)-\(question?.uuidString.prefix(8) ?? "documents")", label: "Documents (optional)", errors: errors,
                          hint: "Up to \(model.documentSettings.maxFiles) files, each up to \(model.documentSettings.maxFileText).").renamed("documents")
            }
            submitButton(button, style: action == .withdrawQuestion || action == .close ? "secondary" : "")
        }
        if open { return body }
        return element("details", [.class("details action")] + (failed != nil ? [.attr("open")] : [])) {
            summary { summaryText ?? action.label }
            body
        }
    }

    private static func buttonText(_ action: EnquiryAction) -> String {
        switch action {
        case .postUpdate: "Send update"
        case .complete: "Complete the enquiry"
        case .addNote: "Add note"
        case .replyToMember: "Send reply"
        case .askCoordinator: "Send question"
        case .reopen: "Reopen"
        case .requestUpdate: "Request an update"
        case .close: "Close the enquiry"
        case .awaitWorks: "Move to awaiting works"
        default: action.label
        }
    }

    private static func bodyLabel(_ action: EnquiryAction) -> String {
        switch action {
        case .postUpdate: "Update for the Member"
        case .complete: "Final response"
        case .addNote: "Note"
        case .replyToMember: "Reply"
        case .askCoordinator: "Your question"
        case .reopen: "Why is it being reopened?"
        case .requestUpdate: "Message"
        case .close: "Comment"
        case .awaitWorks: "Message to the Member"
        default: "Message"
        }
    }

    private static func bodyHint(_ action: EnquiryAction) -> String? {
        switch action {
        case .complete: "The Member sees this and is asked to confirm the enquiry is done. Complete only when the work, including any works on the ground, is done."
        case .addNote: "Only officers see notes."
        case .reopen: "For example: the resident needs more information, there is new information, or a document must be added."
        case .awaitWorks: "For long-term enquiries whose answer is known but whose works on the ground are pending."
        default: nil
        }
    }
}

extension HTMLNode {
    /// Gives the form control inside a component the posted name `name`, keeping its id (which is
    /// unique on a page with many action forms, so labels and error links stay right).
    func renamed(_ name: String) -> HTMLNode {
        switch self {
        case .element(let tag, let attributes, let children):
            return .element(tag, attributes.map { renameAttribute($0, tag: tag, to: name) }, children.map { $0.renamed(name) })
        case .void(let tag, let attributes):
            return .void(tag, attributes.map { renameAttribute($0, tag: tag, to: name) })
        case .group(let nodes):
            return .group(nodes.map { $0.renamed(name) })
        case .text, .raw:
            return self
        }
    }

    private func renameAttribute(_ attribute: HTMLAttribute, tag: String, to name: String) -> HTMLAttribute {
        guard attribute.name == "name", ["input", "select", "textarea"].contains(tag), let value = attribute.value else { return attribute }
        return HTMLAttribute("name", value.hasSuffix("[]") ? "\(name)[]" : name)
    }
}
