import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// Adding, downloading, renaming and removing an enquiry's documents, under the enquiry's own
/// access rules: a document someone may not see answers 404, like an enquiry they may not see.
enum DocumentRoutes {
    @Sendable static func upload(_ request: Request) async throws -> Response {
        let actor = try request.enquiryActor()
        let id = try EnquiryFormRoutes.enquiryID(request)
        let loaded = try await EnquiryWorkflow.load(id, for: actor, on: request.db)
        var model = try await EnquiryPage.query(loaded, actor: actor, request: request)
        guard !model.attachChoices.isEmpty else { throw Abort(.forbidden, reason: "Documents cannot be added to this enquiry now.") }
        let received = try await StreamedForm.receive(request, by: actor.user.id, requireFiles: true) { fields in (fields, id) }
        var problem = received.problem
        if problem == nil, let fields = received.outcome {
            let chosen = fields["attach-to"].flatMap { $0.isEmpty ? nil : $0 } ?? "enquiry"
            if let target = model.attachTargets().first(where: { $0.value == chosen }),
               DocumentAccess.canAdd(to: target.attachment, standing: loaded.standing, viewerID: actor.user.id, status: loaded.enquiry.status) {
                let files = received.files
                try await keep(files, attachedTo: target.attachment, enquiryID: id, by: actor.user.id, at: request.now, on: request.db)
                let names = files.map(\.name).joined(separator: ", ")
                return request.seeOther("/enquiries/\(id)#documents-heading",
                                        flash: files.count == 1 ? "\(names) has been added." : "\(files.count) documents have been added: \(names).")
            }
            try await DocumentStore.discard(received.files.map(\.id), on: request.db)
            problem = DocumentUpload.Problem(message: "Choose what to attach the documents to from the list", status: .unprocessableEntity)
        }
        let refused = problem ?? DocumentUpload.Problem(message: "Choose one or more files to add", status: .badRequest)
        if let infected = refused.infected {
            try await AuditTrail.record(action: "document_refused", enquiryID: id, actorID: actor.user.id,
                                        detail: "\(infected.name) was refused: the virus scanner found \(infected.signature)", at: request.now, on: request.db)
        }
        request.logger.notice("Upload refused: \(refused.message)")
        model.documentErrors.add("documents", refused.message)
        let response = request.render(EnquiryPage.page(model))
        response.status = refused.status
        return response
    }

    /// The enquiry's page with a problem about documents in its error summary: for a form whose
    /// action was done but whose files were refused.
    static func enquiryPage(_ id: UUID, explaining message: String, status: HTTPResponseStatus, actor: EnquiryActor,
                            request: Request) async throws -> Response {
        let loaded = try await EnquiryWorkflow.load(id, for: actor, on: request.db)
        var model = try await EnquiryPage.query(loaded, actor: actor, request: request)
        model.documentErrors.add("documents", message)
        let response = request.render(EnquiryPage.page(model))
        response.status = status
        return response
    }

    /// Makes an upload's files visible, all together, with an audit entry each.
    static func keep(_ files: [DocumentUpload.File], attachedTo attachment: DocumentAttachment, enquiryID: UUID, by userID: UUID,
                     at now: Date, on db: any Database) async throws {
        let (kind, attachedID): (String, UUID?) = switch attachment {
        case .enquiry: ("enquiry", nil)
        case .entry(let id, _, _): ("entry", id)
        case .question(let id, _): ("question", id)
        }
        try await db.transaction { db in
            try await AuditTrail.lockHead(on: db)
            for file in files {
                try await db.sql.update("documents")
                    .set("state", to: "kept").set("attached_kind", to: kind).set("attached_id", to: attachedID)
                    .set("size", to: file.size).set("kind", to: file.kind.rawValue).set("content_type", to: file.kind.contentType(name: file.name))
                    .set("sha256", to: file.sha256).set("scan", to: file.scan).set("added_at", to: now)
                    .where("id", .equal, file.id).where("state", .equal, "incoming")
                    .run()
                let scanNote = file.scan == "not_scanned" ? "; not checked for viruses: the scanner did not answer" : ""
                try await AuditTrail.record(action: "document_added", enquiryID: enquiryID, actorID: userID,
                                            changes: [FieldChange(field: "Document", before: "", after: file.name)],
                                            detail: "\(file.kind.label), \(DocumentSettings.size(file.size)), SHA-256 \(file.sha256)\(scanNote)", at: now, on: db)
            }
            try await db.sql.update(Enquiry.schema).set("last_activity_at", to: now).where("id", .equal, enquiryID).run()
        }
    }

    /// The document as an attachment, streamed a chunk at a time, never shown inline.
    @Sendable static func download(_ request: Request) async throws -> Response {
        let (_, document, _) = try await visibleDocument(request)
        let headers: HTTPHeaders = [
            "Content-Type": document.content_type ?? "application/octet-stream",
            "Content-Disposition": contentDisposition(document.name),
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        ]
        let reader = DocumentStore.reader(document.id, on: request.db)
        return Response(status: .ok, headers: headers, body: .init(managedAsyncStream: { writer in
            while let chunk = try await reader() { try await writer.writeBuffer(chunk) }
        }, count: document.size))
    }

    struct RenameForm: Content { var name: String? }

    @Sendable static func rename(_ request: Request) async throws -> Response {
        let (loaded, document, actor) = try await visibleDocument(request)
        guard DocumentAccess.canChange(addedBy: document.added_by_id, standing: loaded.standing, viewerID: actor.user.id),
              loaded.enquiry.status != .closed
        else { throw Abort(.forbidden, reason: "Only the person who added a document, or a co-ordinator, may rename it.") }
        let form = try request.content.decode(RenameForm.self)
        switch DocumentName.clean(form.name ?? "") {
        case .failure(let problem):
            return try await enquiryPage(document.enquiry_id, explaining: "\(document.name) was not renamed: \(problem.message)",
                                         status: .unprocessableEntity, actor: actor, request: request)
        case .success(let name):
            try await request.db.transaction { db in
                try await AuditTrail.lockHead(on: db)
                try await db.sql.update("documents").set("name", to: name).where("id", .equal, document.id).run()
                try await AuditTrail.record(action: "document_renamed", enquiryID: document.enquiry_id, actorID: actor.user.id,
                                            changes: [FieldChange(field: "Document name", before: document.name, after: name)], at: request.now, on: db)
            }
            return request.seeOther("/enquiries/\(document.enquiry_id)#documents-heading", flash: "\(document.name) is now called \(name).")
        }
    }

    /// Removes a document: its bytes are erased; its name, size and hash stay in the audit trail.
    @Sendable static func remove(_ request: Request) async throws -> Response {
        let (loaded, document, actor) = try await visibleDocument(request)
        guard DocumentAccess.canChange(addedBy: document.added_by_id, standing: loaded.standing, viewerID: actor.user.id),
              loaded.enquiry.status != .closed
        else { throw Abort(.forbidden, reason: "Only the person who added a document, or a co-ordinator, may remove it.") }
        try await request.db.transaction { db in
            try await AuditTrail.lockHead(on: db)
            try await db.sql.delete(from: "document_chunks").where("document_id", .equal, document.id).run()
            try await db.sql.update("documents").set("state", to: "removed").set("removed_by_id", to: actor.user.id)
                .set("removed_at", to: request.now).where("id", .equal, document.id).run()
            try await AuditTrail.record(action: "document_removed", enquiryID: document.enquiry_id, actorID: actor.user.id,
                                        changes: [FieldChange(field: "Document", before: document.name, after: "")],
                                        detail: "Its contents were erased", at: request.now, on: db)
        }
        return request.seeOther("/enquiries/\(document.enquiry_id)#documents-heading", flash: "\(document.name) has been removed.")
    }

    /// The enquiry and the document, if this person may see both; otherwise 404.
    private static func visibleDocument(_ request: Request) async throws -> (EnquiryWorkflow.Loaded, DocumentRow, EnquiryActor) {
        let actor = try request.enquiryActor()
        let id = try EnquiryFormRoutes.enquiryID(request)
        guard let documentID = request.parameters.get("documentID").flatMap(UUID.init(uuidString:)) else { throw Abort(.notFound) }
        let loaded = try await EnquiryWorkflow.load(id, for: actor, on: request.db)
        guard let document = try await DocumentStore.find(documentID, on: id, on: request.db) else { throw Abort(.notFound) }
        let attachment: DocumentAttachment?
        switch document.attached_kind {
        case "enquiry": attachment = .enquiry
        case "entry":
            let entry = try await EnquiryEntry.find(document.attached_id, on: request.db)
            attachment = entry.map { .entry($0.id!, isNote: $0.kind == .note, authorID: $0.$author.id) }
        case "question":
            attachment = loaded.questions.first { $0.id == document.attached_id }.map { .question($0.id!, responderID: $0.$responder.id) }
        default: attachment = nil
        }
        guard let attachment, DocumentAccess.canSee(attachment, view: loaded.view, viewerID: actor.user.id) else { throw Abort(.notFound) }
        return (loaded, document, actor)
    }

    /// `attachment`, with an ASCII name for old clients and the exact name in RFC 5987 form.
    static func contentDisposition(_ name: String) -> String {
        let ascii = String(name.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0 != "\"" && $0 != "\\" ? Character($0) : "_" })
        let encoded = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._~"))) ?? ascii
        return "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)"
    }
}
