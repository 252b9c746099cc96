import Foundation
@testable import PortalServer
import Testing
import Vapor
import VaporTesting

/// A browser for tests: keeps cookies between requests, and fills in the CSRF token from the last
/// page it saw, as a person's browser would when they submit a form.
final class TestBrowser: @unchecked Sendable {
    let app: Application
    var cookies: [String: String] = [:]
    var lastPage = ""
    /// Sent with unsafe requests, as browsers do; tests of cross-site requests change it.
    var fetchSite: String? = "same-origin"

    init(_ app: Application) { self.app = app }

    struct Page {
        let status: HTTPStatus
        let headers: HTTPHeaders
        let body: String
        var bytes: [UInt8] = []

        var location: String? { headers.first(name: .location) }
        /// The visible text of `main`, tags removed, for readable assertions.
        var mainText: String {
            guard let start = body.range(of: "<main"), let end = body.range(of: "</main>") else { return "" }
            return String(body[start.lowerBound..<end.upperBound])
                .replacingOccurrences(of: "<[^>]+>", with: " ", options: .regularExpression)
                .replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&amp;", with: "&")
                .replacingOccurrences(of: "\\s+", with: " ", options: .regularExpression)
        }
    }

    @discardableResult
    func get(_ path: String, headers extra: HTTPHeaders = [:]) async throws -> Page {
        try await send(.GET, path, headers: extra, body: nil)
    }

    /// Posts a form. The page's CSRF token is added unless the form already names `_csrf`.
    @discardableResult
    func post(_ path: String, _ fields: [(String, String)], headers extra: HTTPHeaders = [:]) async throws -> Page {
        var fields = fields
        if !fields.contains(where: { $0.0 == "_csrf" }), let token = csrfToken { fields.append(("_csrf", token)) }
        let body = fields.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
        var headers = extra
        headers.contentType = .urlEncodedForm
        if let fetchSite { headers.replaceOrAdd(name: "Sec-Fetch-Site", value: fetchSite) }
        return try await send(.POST, path, headers: headers, body: body)
    }

    /// Posts a multipart form with files, as a browser sends the document upload form: the CSRF
    /// token goes in the address, as that form's action carries it.
    @discardableResult
    func upload(_ path: String, fields: [(String, String)] = [], files: [(name: String, data: [UInt8])], field: String = "documents",
                boundary: String = "----portal-test-\(UUID().uuidString)") async throws -> Page {
        var body = ByteBuffer()
        for (name, value) in fields {
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n")
        }
        for file in files {
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field)\"; filename=\"\(file.name)\"\r\n")
            body.writeString("Content-Type: application/octet-stream\r\n\r\n")
            body.writeBytes(file.data)
            body.writeString("\r\n")
        }
        body.writeString("--\(boundary)--\r\n")
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=\(boundary)")
        if let fetchSite { headers.replaceOrAdd(name: "Sec-Fetch-Site", value: fetchSite) }
        let separator = path.contains("?") ? "&" : "?"
        return try await send(.POST, path + (csrfToken.map { "\(separator)_csrf=\($0)" } ?? ""), headers: headers, buffer: body)
    }

    var csrfToken: String? {
        guard let match = lastPage.range(of: #"name="_csrf" value="([^"]+)""#, options: .regularExpression) else { return nil }
        return String(lastPage[match]).replacingOccurrences(of: #"name="_csrf" value=""#, with: "").replacingOccurrences(of: "\"", with: "")
    }

    @discardableResult
    func signIn(_ email: String, password: String = "demo") async throws -> Page {
        try await get("/sign-in")
        let page = try await post("/sign-in", [("email", email), ("password", password)])
        if page.status == .seeOther { try await get(page.location ?? "/") }
        return page
    }

    /// This browser, signed in.
    func signedIn(_ email: String) async throws -> TestBrowser {
        _ = try await signIn(email)
        return self
    }

    private func send(_ method: HTTPMethod, _ path: String, headers extra: HTTPHeaders, body: String?) async throws -> Page {
        try await send(method, path, headers: extra, buffer: body.map { ByteBuffer(string: $0) })
    }

    private func send(_ method: HTTPMethod, _ path: String, headers extra: HTTPHeaders, buffer: ByteBuffer?) async throws -> Page {
        var headers = extra
        if !cookies.isEmpty {
            headers.replaceOrAdd(name: .cookie, value: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))
        }
        let response = try await app.testing().sendRequest(method, path, headers: headers, body: buffer)
        for header in response.headers[.setCookie] {
            let pair = header.split(separator: ";", maxSplits: 1)[0].split(separator: "=", maxSplits: 1)
            let name = String(pair[0]), value = pair.count > 1 ? String(pair[1]) : ""
            if value.isEmpty || header.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
        let text = String(buffer: response.body)
        if response.headers.contentType == .html { lastPage = text }
        return Page(status: response.status, headers: response.headers, body: text, bytes: Array(response.body.readableBytesView))
    }

    private func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._*"))) ?? text
    }
}
