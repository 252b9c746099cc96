import Foundation
import PortalCore
import Vapor

extension EnquiryPage.Model {
    /// What a document hangs on, as far as this page knows it; nil when it hangs on something this
    /// person cannot see (a note for a Member, another officer's question for a responder).
    func attachment(of document: DocumentRow) -> DocumentAttachment? {
        switch document.attached_kind {
        case "enquiry": return .enquiry
        case "entry":
            guard let entry = entries.first(where: { $0.id == document.attached_id }) else { return nil }
            return .entry(entry.id, isNote: entry.kind == .note, authorID: entry.authorID)
        case "question":
            guard let question = questions.first(where: { $0.id == document.attached_id }) else { return nil }
            return .question(question.id!, responderID: question.$responder.id)
        default: return nil
        }
    }

    struct AttachTarget {
        let value: String
        let label: String
        let attachment: DocumentAttachment
    }

    /// Everything on this page a document could hang on, newest conversation first.
    func attachTargets() -> [AttachTarget] {
        var targets = [AttachTarget(value: "enquiry", label: "The enquiry itself", attachment: .enquiry)]
        for entry in entries.reversed() where entry.kind != .reopened && entry.kind != .closed {
            targets.append(AttachTarget(value: "entry:\(entry.id.uuidString)", label: "\(entry.kind.label) of \(entry.createdAt.councilText)",
                                        attachment: .entry(entry.id, isNote: entry.kind == .note, authorID: entry.authorID)))
        }
        for question in questions.reversed() {
            targets.append(AttachTarget(value: "question:\(question.id!.uuidString)", label: "Question to \(name(question.$responder.id)) of \(question.askedAt.councilText)",
                                        attachment: .question(question.id!, responderID: question.$responder.id)))
        }
        return targets
    }

    func attachedLabel(_ document: DocumentRow) -> String {
        switch attachment(of: document) {
        case .enquiry, nil: return "The enquiry"
        case .entry(let id, _, _):
            guard let entry = entries.first(where: { $0.id == id }) else { return "The enquiry" }
            return "\(entry.kind.label), \(entry.createdAt.councilDate)"
        case .question(let id, _):
            guard let question = questions.first(where: { $0.id == id }) else { return "The enquiry" }
            return "Question to \(name(question.$responder.id))"
        }
    }
}

extension EnquiryPage {
    /// The enquiry's documents with download links, renaming and removal where allowed, and the
    /// form to add more (a plain multipart form: it works without JavaScript).
    static func documentsSection(_ model: Model) -> HTMLNode {
        let id = model.enquiry.id!.uuidString
        guard !model.documents.isEmpty || !model.attachChoices.isEmpty else { return .empty }
        return section(.aria("labelledby", "documents-heading")) {
            h2(.id("documents-heading")) { "Documents" }
            if model.documents.isEmpty {
                para(.class("secondary-text")) { "No documents yet." }
            } else {
                div(.class("table-scroll")) {
                    table(.class("table")) {
                        caption(.class("visually-hidden")) { "Documents on this enquiry" }
                        thead { tr {
                            th(.scopeCol) { "Name" }; th(.scopeCol) { "Size" }; th(.scopeCol) { "Added by" }
                            th(.scopeCol) { "Added" }; th(.scopeCol) { "Attached to" }
                        } }
                        tbody {
                            for document in model.documents {
                                let mayChange = DocumentAccess.canChange(addedBy: document.added_by_id, standing: model.standing, viewerID: model.viewerID)
                                    && model.enquiry.status != .closed
                                tr {
                                    td(.data("label", "Name")) {
                                        link("/enquiries/\(id)/documents/\(document.id.uuidString)", .attr("download", "")) { document.name }
                                        if mayChange { documentChanges(document, enquiryID: id, csrfToken: model.csrfToken) }
                                    }
                                    td(.data("label", "Size")) { DocumentSettings.size(document.size) }
                                    td(.data("label", "Added by")) { model.name(document.added_by_id) }
                                    td(.data("label", "Added")) { document.added_at.councilText }
                                    td(.data("label", "Attached to")) { model.attachedLabel(document) }
                                }
                            }
                        }
                    }
                }
            }
            if !model.attachChoices.isEmpty {
                let errors = model.documentErrors
                let settings = model.documentSettings
                htmlForm(.method("post"), .action("/enquiries/\(id)/documents?\(CSRFMiddleware.formField)=\(model.csrfToken)"),
                         .attr("enctype", "multipart/form-data"), .attr("novalidate"), .class("document-form")) {
                    h3 { "Add documents" }
                    if model.attachChoices.count > 1 {
                        selectField("attach-to", label: "Attach to", choices: model.attachChoices, selected: "enquiry", errors: errors, placeholder: nil)
                    } else {
                        input(.type("hidden"), .name("attach-to"), .value(model.attachChoices[0].value))
                    }
                    fileField("documents", label: "Files", errors: errors,
                              hint: "Up to \(settings.maxFiles) files, each up to \(settings.maxFileText): \(DocumentUpload.acceptedText(settings.allowed)).")
                    submitButton("Add the documents", style: "secondary")
                }
            }
        }
    }

    private static func documentChanges(_ document: DocumentRow, enquiryID: String, csrfToken: String) -> HTMLNode {
        let base = "/enquiries/\(enquiryID)/documents/\(document.id.uuidString)"
        return element("details", [.class("details")]) {
            element("summary", []) {
                "Rename or remove"
                span(.class("visually-hidden")) { " \(document.name)" }
            }
            div {
                htmlForm(.method("post"), .action("\(base)/rename")) {
                    csrfField(csrfToken)
                    textField("rename-\(document.id.uuidString)", label: "New name", value: document.name, errors: FormErrors()).renamed("name")
                    submitButton("Rename", style: "secondary")
                }
                htmlForm(.method("post"), .action("\(base)/remove")) {
                    csrfField(csrfToken)
                    submitButton("Remove this document", style: "warning")
                }
            }
        }
    }
}

