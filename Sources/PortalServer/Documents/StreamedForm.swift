import Foundation
import Vapor

/// Forms that stream files: their text fields decoded as the plain form would be.
enum StreamedForm {
    static func decode<Form: Decodable>(_ type: Form.Type, from fields: [String: String]) throws -> Form {
        var components = URLComponents()
        components.queryItems = fields.map { URLQueryItem(name: $0.key, value: $0.value) }
        return try URLEncodedFormDecoder().decode(Form.self, from: components.percentEncodedQuery ?? "")
    }
}
