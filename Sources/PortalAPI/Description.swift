import Foundation

/// The API's OpenAPI document, as the portal serves it at `/api/v1/openapi.json`.
public enum APIDescription {
    /// The document's bytes, or nil when the portal was installed without its resources.
    public static let json: Data? = Bundle.module.url(forResource: "openapi", withExtension: "json").flatMap { try? Data(contentsOf: $0) }
}
