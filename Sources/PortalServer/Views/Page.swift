import PortalCore
import Vapor

/// The sections of the navigation; a page names the one it belongs to.
enum NavSection: Sendable {
    case home, enquiries, queue, questions, search, reports, notifications, users, calendar, signIn, accessibility
}

/// A whole page: its title, the section it belongs to and its main content. The layout around it
/// (skip link, header, navigation by role, footer) is drawn by `Layout`.
struct Page {
    var title: String
    var section: NavSection = .home
    var status: HTTPResponseStatus = .ok
    /// A form page with errors prefixes the title with "Error:", as screen-reader users expect.
    var hasErrors = false
    /// The page has a map the browser may draw with Leaflet (`MapScript`).
    var hasMap = false
    var content: [HTMLNode]

    init(title: String, section: NavSection = .home, status: HTTPResponseStatus = .ok, hasErrors: Bool = false, hasMap: Bool = false,
         @HTMLBuilder content: () -> [HTMLNode]) {
        self.title = title
        self.section = section
        self.status = status
        self.hasErrors = hasErrors
        self.hasMap = hasMap
        self.content = content()
    }
}

extension Request {
    /// The response for a page. The page is drawn into it, inside the frame, on its way out
    /// (`PageMiddleware`), where the frame reads what it shows of the person signed in.
    func render(_ page: Page) -> Response {
        var headers = HTTPHeaders()
        headers.contentType = .html
        let response = Response(status: page.status, headers: headers)
        response.storage[PendingPageKey.self] = page
        return response
    }

    func seeOther(_ location: String, flash: String? = nil) -> Response {
        let response = Response(status: .seeOther)
        response.headers.replaceOrAdd(name: .location, value: location)
        if let flash { response.cookies[Flash.cookieName] = application.portal.cookie(Flash.encode(flash)) }
        return response
    }

    /// The signed-in person's unread notifications, for the frame of a page; 0 for nobody.
    func unreadNotifications() async throws -> Int {
        guard let user = currentUser else { return 0 }
        return try await Notifications.unreadCount(of: user.id, on: db)
    }
}

private struct PendingPageKey: StorageKey { typealias Value = Page }

extension Response {
    /// Draws the page `Request.render` left in this response, if there is one, with the frame
    /// around it.
    func drawPage(for request: Request, unreadNotifications: Int) {
        guard let page = storage[PendingPageKey.self] else { return }
        storage[PendingPageKey.self] = nil
        let frame = Frame(request, unreadNotifications: unreadNotifications)
        body = .init(buffer: Layout.document(page: page, frame: frame).renderBytes())
        if frame.flashTaken { cookies[Flash.cookieName] = request.application.portal.cookie("", expired: true) }
    }

    var carriesPage: Bool { storage[PendingPageKey.self] != nil }
}

/// A one-line confirmation shown once on the next page ("User added"), carried in a short cookie.
enum Flash {
    static let cookieName = "portal_flash"

    /// Cookie values may not hold spaces, quotes or semicolons, and a message can quote a name
    /// with any of them, so the text travels as URL-safe base64.
    static func encode(_ text: String) -> String {
        Data(String(text.prefix(300)).utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ value: String) -> String? {
        var base64 = value.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).flatMap { String(data: $0, encoding: .utf8) }
    }
}
