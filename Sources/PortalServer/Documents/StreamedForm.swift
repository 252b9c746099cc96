import Foundation
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
