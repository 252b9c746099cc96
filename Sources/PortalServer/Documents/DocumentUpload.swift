import Crypto
import Fluent
import Foundation
import NIOCore
import PortalCore
import Vapor

/// Receives a multipart form as it streams in: small text fields are kept, each file is written
/// to the database chunk by chunk as its bytes arrive, measured against the size limit, hashed,
/// recognised by its first bytes and then scanned. Until the caller keeps them the files stay
/// "incoming", invisible; on any problem every file of the upload is erased and the problem
/// explained, so an upload is kept whole or not at all.
struct DocumentUpload {
    struct File: Sendable {
        let id: UUID
        let name: String
        let size: Int
        let kind: DocumentKind
        let sha256: String
        let scan: String
    }

    /// Why an upload was refused, in words for the person, with the HTTP status to answer.
    struct Problem: Error, Sendable {
        let message: String
        let status: HTTPResponseStatus
        /// For the audit trail: a file refused because it carried a virus.
        var infected: (name: String, signature: String)? = nil
    }

    let settings: DocumentSettings
    let userID: UUID
    let db: any Database
    let group: any EventLoopGroup
    /// When each file began to arrive is read from here.
    let clock: PortalClock
    /// The enquiry the files join, given the form's text fields as they stand when the first file
    /// arrives (a new enquiry's form puts its file input after its other fields, so it can be
    /// created first); nil keeps no files and reads the rest of the upload only to discard it.
    let enquiry: @Sendable ([String: String]) async throws -> UUID?
    /// Whether an upload with no file at all is a mistake.
    var requireFiles = true

    init(settings: DocumentSettings, userID: UUID, db: any Database, group: any EventLoopGroup, clock: PortalClock, requireFiles: Bool = true,
         enquiry: @escaping @Sendable ([String: String]) async throws -> UUID?) {
        self.settings = settings
        self.userID = userID
        self.db = db
        self.group = group
        self.clock = clock
        self.requireFiles = requireFiles
        self.enquiry = enquiry
    }

    /// The part being read.
    private struct Part {
        var fileName: String?
        var document: UUID?
        var size = 0
        var seq = 0
        var pending = ByteBuffer()
        var prefix: [UInt8] = []
        var hasher = SHA256()
        var skipping = false
    }

    func receive(_ request: Request) async throws -> (fields: [String: String], files: [File]) {
        var received: [File] = []
        var incoming: [UUID] = []
        var part = Part()
        var target: UUID??
        let ceiling = settings.maxFileBytes * settings.maxFiles + 1024 * 1024
        let fields: [String: String]
        do {
            fields = try await StreamedForm.parts(
                request, ceiling: ceiling,
                tooLarge: Problem(message: "The upload is larger than \(DocumentSettings.size(ceiling)) in all; add fewer files at a time", status: .payloadTooLarge)
            ) { file, event, fields in
                switch event {
                case .bytes(var buffer):
                    guard !part.skipping else { return }
                    if target == nil { target = .some(try await enquiry(fields)) }
                    guard let enquiryID = target ?? nil else {
                        part.skipping = true
                        return
                    }
                    if part.fileName == nil { part.fileName = file.name }
                    try await write(&buffer, into: &part, incoming: &incoming, count: received.count, enquiryID: enquiryID)
                case .end:
                    defer { part = Part() }
                    guard !part.skipping else { return }
                    if part.fileName == nil { part.fileName = file.name }
                    if let done = try await finish(&part) { received.append(done) }
                }
            }
        } catch is StreamedForm.NotMultipart {
            throw Problem(message: "Choose one or more files to add", status: .badRequest)
        } catch {
            try? await DocumentStore.discard(incoming, on: db)
            if error is Problem { throw error }
            throw Problem(message: "The upload could not be read; it may have been interrupted. Nothing was kept: try again", status: .badRequest)
        }
        if received.isEmpty, requireFiles {
            throw Problem(message: "Choose one or more files to add", status: .badRequest)
        }
        return (fields, received)
    }

    private func write(_ buffer: inout ByteBuffer, into part: inout Part, incoming: inout [UUID], count: Int, enquiryID: UUID) async throws {
        if part.document == nil {
            if count >= settings.maxFiles {
                throw Problem(message: "Add at most \(settings.maxFiles) files at a time", status: .badRequest)
            }
            let name: String
            switch DocumentName.clean(part.fileName ?? "") {
            case .success(let clean): name = clean
            case .failure(let problem): throw Problem(message: problem.message, status: .badRequest)
            }
            part.fileName = name
            part.document = try await DocumentStore.begin(enquiryID: enquiryID, name: name, addedBy: userID, at: clock.now(), on: db)
            incoming.append(part.document!)
        }
        part.size += buffer.readableBytes
        if part.size > settings.maxFileBytes {
            throw Problem(message: "\(part.fileName ?? "The file") is larger than the \(settings.maxFileText) limit for one file", status: .payloadTooLarge)
        }
        if part.prefix.count < DocumentKind.sniffLength {
            part.prefix += buffer.getBytes(at: buffer.readerIndex, length: min(buffer.readableBytes, DocumentKind.sniffLength - part.prefix.count)) ?? []
        }
        buffer.withUnsafeReadableBytes { part.hasher.update(bufferPointer: $0) }
        part.pending.writeBuffer(&buffer)
        while part.pending.readableBytes >= DocumentStore.chunkSize {
            let slice = part.pending.readSlice(length: DocumentStore.chunkSize)!
            try await DocumentStore.append(slice, to: part.document!, seq: part.seq, on: db)
            part.seq += 1
            part.pending.discardReadBytes()
        }
    }

    private func finish(_ part: inout Part) async throws -> File? {
        guard let document = part.document else {
            // A file input left empty sends a part with no name and no bytes: nothing chosen.
            if (part.fileName ?? "").isEmpty { return nil }
            switch DocumentName.clean(part.fileName ?? "") {
            case .failure(let problem): throw Problem(message: problem.message, status: .badRequest)
            case .success(let name): throw Problem(message: "\(name) is empty", status: .badRequest)
            }
        }
        let name = part.fileName ?? ""
        if part.pending.readableBytes > 0 {
            try await DocumentStore.append(part.pending, to: document, seq: part.seq, on: db)
        }
        let kind: DocumentKind
        switch DocumentKind.recognise(prefix: part.prefix, name: name) {
        case .kind(let recognised) where settings.allowed.contains(recognised.family):
            kind = recognised
        case .misnamed(let recognised, let ext) where settings.allowed.contains(recognised.family):
            // Refused, not renamed: the name is what people see in the list and the audit trail,
            // so it must be the one the person chose, and a mismatch is worth their attention.
            let ending = ext.isEmpty ? "has no ending" : "ends “.\(ext)”"
            throw Problem(message: "\(name) is a \(recognised.label) but its name \(ending). Rename it to end “.\(recognised.extensions[0])” and add it again",
                          status: .unsupportedMediaType)
        default:
            throw Problem(message: "\(name) is not a kind of file the portal accepts. Accepted: \(Self.acceptedText(settings.allowed))", status: .unsupportedMediaType)
        }
        var scan = "no_scanner"
        if let scanner = settings.scanner {
            do {
                let verdict = try await VirusScanner(scanner: scanner, timeout: settings.scanTimeout, group: group)
                    .scan(DocumentStore.reader(document, on: db))
                switch verdict {
                case .clean: scan = "clean"
                case .infected(let signature):
                    throw Problem(message: "\(name) contains a virus (\(signature)) and was not kept", status: .unprocessableEntity,
                                  infected: (name, signature))
                }
            } catch let unavailable as VirusScanner.Unavailable {
                guard settings.keepUnscanned else {
                    throw Problem(message: "\(name) could not be checked for viruses because \(unavailable.description), so it was not kept. Try again in a few minutes", status: .serviceUnavailable)
                }
                scan = "not_scanned"
            }
        }
        let digest = part.hasher.finalize().map { String(format: "%02x", $0) }.joined()
        return File(id: document, name: name, size: part.size, kind: kind, sha256: digest, scan: scan)
    }

    static func acceptedText(_ families: Set<DocumentKind.Family>) -> String {
        let words: [DocumentKind.Family: String] = [
            .image: "images (JPEG, PNG, GIF, WebP)", .pdf: "PDF", .office: "Word, Excel, PowerPoint and OpenDocument files",
            .text: "plain text and CSV",
        ]
        return DocumentKind.Family.allCases.filter(families.contains).compactMap { words[$0] }.joined(separator: ", ")
    }
}
