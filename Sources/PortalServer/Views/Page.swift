import PortalCore
import Vapor

/// The sections of the navigation; a page names the one it belongs to.
enum NavSection: Sendable {
    case home, users, signIn
}

/// A whole page: its title, the section it belongs to and its main content. The layout around it
/// (skip link, header, navigation by role, footer) is drawn by `Layout`.
struct Page {
    var title: String
    var section: NavSection = .home
    var status: HTTPResponseStatus = .ok
    /// A form page with errors prefixes the title with "Error:", as screen-reader users expect.
    var hasErrors = false
    var content: [HTMLNode]

    init(title: String, section: NavSection = .home, status: HTTPResponseStatus = .ok, hasErrors: Bool = false,
         @HTMLBuilder content: () -> [HTMLNode]) {
        self.title = title
        self.section = section
        self.status = status
        self.hasErrors = hasErrors
        self.content = content()
    }
}

extension Request {
    func render(_ page: Page) -> Response {
        let html = Layout.document(page: page, request: self).render()
        var headers = HTTPHeaders()
        headers.contentType = .html
        let response = Response(status: page.status, headers: headers, body: .init(string: html))
        if storage[FlashTakenKey.self] == true {
            response.cookies[Flash.cookieName] = application.portal.cookie("", expired: true)
        }
        return response
    }

    func seeOther(_ location: String, flash: String? = nil) -> Response {
        let response = Response(status: .seeOther)
        response.headers.replaceOrAdd(name: .location, value: location)
        if let flash { response.cookies[Flash.cookieName] = application.portal.cookie(flash) }
        return response
    }
}

/// A one-line confirmation shown once on the next page ("User added"), carried in a short cookie.
enum Flash {
    static let cookieName = "portal_flash"

    static func take(from request: Request) -> String? {
        guard let text = request.cookies[cookieName]?.string, !text.isEmpty else { return nil }
        request.storage[FlashTakenKey.self] = true
        return String(text.prefix(200))
    }
}

struct FlashTakenKey: StorageKey { typealias Value = Bool }
