import Foundation
import MultipartKit
import NIOConcurrencyHelpers
import Vapor

/// Forms that stream files: a new enquiry, an action on one, documents added on their own. Their
/// text fields come before their files, so what the form does is decided as soon as the first
/// file begins (or at the end, when there is none), and the files then stream into the enquiry
/// it names, never collected in memory. Every such form goes through `receive`.
enum StreamedForm {
    static func decode<Form: Decodable>(_ type: Form.Type, from fields: [String: String]) throws -> Form {
        var components = URLComponents()
        components.queryItems = fields.map { URLQueryItem(name: $0.key, value: $0.value) }
        return try URLEncodedFormDecoder().decode(Form.self, from: components.percentEncodedQuery ?? "")
    }

    /// What a streamed form came to.
    struct Received<Outcome: Sendable>: Sendable {
        /// What `decide` made of the fields; nil if the upload failed before they were read.
        let outcome: Outcome?
        /// The files received, still waiting to be kept (`DocumentRoutes.keep`) or discarded.
        let files: [DocumentUpload.File]
        /// Why the files were refused, if they were: none of them is kept, and the outcome stands.
        let problem: DocumentUpload.Problem?
    }

    /// Reads a multipart form. `decide` is called once, with the text fields, and returns what
    /// the form came to and the enquiry its files join (nil keeps none).
    static func receive<Outcome: Sendable>(
        _ request: Request, by userID: UUID, requireFiles: Bool = false,
        decide: @escaping @Sendable ([String: String]) async throws -> (outcome: Outcome, enquiryID: UUID?)
    ) async throws -> Received<Outcome> {
        let decided = NIOLockedValueBox<Outcome?>(nil)
        let portal = request.application.portal
        let upload = DocumentUpload(settings: portal.documents, userID: userID, db: request.db, group: request.application.eventLoopGroup,
                                    clock: portal.clock, requireFiles: requireFiles) { fields in
            let (outcome, enquiryID) = try await decide(fields)
            decided.withLockedValue { $0 = outcome }
            return enquiryID
        }
        do {
            let (fields, files) = try await upload.receive(request)
            if let outcome = decided.withLockedValue({ $0 }) { return Received(outcome: outcome, files: files, problem: nil) }
            return Received(outcome: try await decide(fields).outcome, files: files, problem: nil)
        } catch let problem as DocumentUpload.Problem {
            return Received(outcome: decided.withLockedValue { $0 }, files: [], problem: problem)
        }
    }
}

extension StreamedForm {
    /// A file part of a form: the input it was sent from, and its name as the browser gave it
    /// (empty for a file input left empty).
    struct FilePart: Sendable {
        let field: String?
        let name: String
    }

    enum FileEvent {
        /// More of the file's bytes, as they arrived.
        case bytes(ByteBuffer)
        /// The file is complete.
        case end
    }

    /// The body is not a multipart form.
    struct NotMultipart: Error {}

    /// The multipart reading every streamed form shares: the body is parsed as its bytes arrive
    /// and never collected. Text fields are kept (up to 10,000 bytes each); each file's bytes go to
    /// `file` as they come, with the text fields sent before it, and then its end. The first error
    /// `file` throws ends the files (the rest of the body is read and dropped) and is thrown once
    /// the body is read; a body over `ceiling` bytes is read no further and `tooLarge` is thrown.
    static func parts(_ request: Request, ceiling: Int, tooLarge: @autoclosure () -> any Error,
                      file: (FilePart, FileEvent, [String: String]) async throws -> Void) async throws -> [String: String] {
        guard let type = request.headers.contentType, type.type == "multipart", type.subType == "form-data",
              let boundary = type.parameters["boundary"], !boundary.isEmpty
        else { throw NotMultipart() }
        let parser = MultipartParser(boundary: boundary)
        let events = Events()
        parser.onHeader = { name, value in events.list.append(.header(name.lowercased(), value)) }
        parser.onBody = { buffer in events.list.append(.body(buffer)) }
        parser.onPartComplete = { events.list.append(.end) }

        var fields: [String: String] = [:]
        var fieldName: String?, fileName: String?, text = ""
        var failure: (any Error)?
        var total = 0
        for try await chunk in request.body {
            total += chunk.readableBytes
            if total > ceiling { throw failure ?? tooLarge() }
            try parser.execute(chunk)
            let batch = events.list
            events.list.removeAll(keepingCapacity: true)
            for event in batch {
                switch event {
                case .header(let name, let value):
                    if name == "content-disposition" {
                        fieldName = parameter("name", in: value)
                        fileName = parameter("filename", in: value)
                    }
                case .body(var buffer):
                    if let fileName {
                        guard failure == nil, buffer.readableBytes > 0 else { continue }
                        do { try await file(FilePart(field: fieldName, name: fileName), .bytes(buffer), fields) } catch { failure = error }
                    } else if text.utf8.count + buffer.readableBytes <= 10_000 {
                        text += buffer.readString(length: buffer.readableBytes) ?? ""
                    }
                case .end:
                    if let fileName {
                        if failure == nil {
                            do { try await file(FilePart(field: fieldName, name: fileName), .end, fields) } catch { failure = error }
                        }
                    } else if let fieldName {
                        fields[fieldName] = text
                    }
                    fieldName = nil
                    fileName = nil
                    text = ""
                }
            }
        }
        if let failure { throw failure }
        return fields
    }

    private enum Event {
        case header(String, String)
        case body(ByteBuffer)
        case end
    }

    private final class Events {
        var list: [Event] = []
    }

    /// A form carrying one file that is read whole, such as a file to import: its bytes are
    /// gathered as they arrive, up to `limit`, and the reading stops as soon as there are more.
    /// The text fields sent before the file come back whatever became of it.
    static func receiveFile(_ request: Request, limit: Int) async -> (fields: [String: String], file: Result<(name: String, data: Data), DocumentUpload.Problem>) {
        let tooLarge = DocumentUpload.Problem(message: "The file is larger than \(DocumentSettings.size(limit)), the most that can be read at once",
                                              status: .payloadTooLarge)
        var gathered = ByteBuffer()
        var name: String?
        var complete = false
        var before: [String: String] = [:]
        do {
            let fields = try await parts(request, ceiling: limit + 64 * 1024, tooLarge: tooLarge) { part, event, fields in
                before = fields
                // A file input left empty sends a part with no name and no bytes.
                guard !part.name.isEmpty else { return }
                guard !complete else { throw DocumentUpload.Problem(message: "Choose one file at a time", status: .badRequest) }
                name = part.name
                switch event {
                case .bytes(var buffer):
                    guard gathered.readableBytes + buffer.readableBytes <= limit else { throw tooLarge }
                    gathered.writeBuffer(&buffer)
                case .end:
                    complete = true
                }
            }
            guard let name else { return (fields, .failure(DocumentUpload.Problem(message: "Choose a file", status: .badRequest))) }
            guard gathered.readableBytes > 0 else { return (fields, .failure(DocumentUpload.Problem(message: "\(name) is empty", status: .badRequest))) }
            return (fields, .success((name, Data(gathered.readableBytesView))))
        } catch is NotMultipart {
            return (before, .failure(DocumentUpload.Problem(message: "Choose a file", status: .badRequest)))
        } catch let problem as DocumentUpload.Problem {
            return (before, .failure(problem))
        } catch {
            return (before, .failure(DocumentUpload.Problem(
                message: "The upload could not be read; it may have been interrupted", status: .badRequest)))
        }
    }

    /// A parameter of a Content-Disposition value: `name="file"; filename="a.pdf"`.
    static func parameter(_ key: String, in header: String) -> String? {
        var index = header.startIndex
        while let range = header.range(of: key + "=", range: index..<header.endIndex) {
            let before = range.lowerBound == header.startIndex ? ";" : header[header.index(before: range.lowerBound)]
            index = range.upperBound
            guard before == ";" || before == " " else { continue }
            var value = ""
            if header[index...].first == "\"" {
                var cursor = header.index(after: index)
                while cursor < header.endIndex, header[cursor] != "\"" {
                    if header[cursor] == "\\", header.index(after: cursor) < header.endIndex { cursor = header.index(after: cursor) }
                    value.append(header[cursor])
                    cursor = header.index(after: cursor)
                }
            } else {
                value = String(header[index...].prefix { $0 != ";" })
            }
            return value
        }
        return nil
    }
}
