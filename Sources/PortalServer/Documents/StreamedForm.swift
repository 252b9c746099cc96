import Foundation
import Vapor

/// Helpers for forms that stream files: their text fields decoded as the plain form would be,
/// and a box for what the form's action came to, set from inside the upload as it streams.
enum StreamedForm {
    static func decode<Form: Decodable>(_ type: Form.Type, from fields: [String: String]) throws -> Form {
        var components = URLComponents()
        components.queryItems = fields.map { URLQueryItem(name: $0.key, value: $0.value) }
        return try URLEncodedFormDecoder().decode(Form.self, from: components.percentEncodedQuery ?? "")
    }

    final class Outcome<Value: Sendable>: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: Value?
        var value: Value? { lock.withLock { stored } }
        func set(_ value: Value) { lock.withLock { stored = value } }
    }
}
