import Foundation
import OpenAPIVapor
import PortalAPI
import Vapor

/// The JSON API under `/api/v1`: the handlers the OpenAPI document describes, behind the
/// client's token and its rate limit, every error answered as problem details. A method the
/// document does not give an address is answered 405 with the methods it does (`Allow`); any
/// other address under `/api`, 404.
func registerAPI(_ app: Application) throws {
    let api = app.grouped(ApiProblemMiddleware(), ApiAuthentication())
    let serverURL = try Servers.Server1.url()
    try PortalAPIHandlers().registerHandlers(on: VaporTransport(routesBuilder: api), serverURL: serverURL)

    let methods: [HTTPMethod] = [.GET, .POST, .PUT, .PATCH, .DELETE, .OPTIONS, .TRACE, HTTPMethod(rawValue: "QUERY")]
    let problems = app.grouped(ApiProblemMiddleware())
    for (path, allowed) in ApiDocument.operations() {
        let components = (serverURL.path + path).split(separator: "/").map { part -> PathComponent in
            part.hasPrefix("{") && part.hasSuffix("}") ? .parameter(String(part.dropFirst().dropLast())) : .constant(String(part))
        }
        let allow = allowed.sorted().joined(separator: ", ")
        for method in methods where !allowed.contains(method.rawValue) {
            problems.on(method, components) { _ -> Response in
                throw ApiProblem(.methodNotAllowed, "This address answers \(allow) only.", headers: [("Allow", allow)])
            }
        }
    }
    for method in methods {
        problems.grouped("api").on(method, "**") { _ -> Response in
            throw ApiProblem(.notFound, "Nothing is found at this address. The API's description is at /api/v1/openapi.json.")
        }
    }
}

/// What the API's document says, for the routes around the generated ones.
enum ApiDocument {
    /// Each path of the document with its methods, upper-case.
    static func operations() -> [(path: String, methods: Set<String>)] {
        guard let data = APIDescription.json,
              let document = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let paths = document["paths"] as? [String: [String: Any]]
        else { return [] }
        return paths.keys.sorted().map { path in
            (path, Set((paths[path] ?? [:]).keys.map { $0.uppercased() }))
        }
    }
}
