import PortalCore
import Vapor

/// The frame of every page, after the GOV.UK Design System's patterns: a skip link, a header with
/// the council and service name, navigation for the roles the person holds, and one `main`.
enum Layout {
    static let serviceName = "Member Portal"

    static func document(page: Page, frame: Frame) -> HTMLNode {
        let council = frame.council
        let title = (page.hasErrors ? "Error: " : "") + "\(page.title) – \(serviceName) – \(council)"
        return .group([
            .raw("<!DOCTYPE html>"),
            element("html", [.attr("lang", "en-GB")]) {
                element("head", []) {
                    HTMLNode.void("meta", [.attr("charset", "utf-8")])
                    HTMLNode.void("meta", [.name("viewport"), .attr("content", "width=device-width, initial-scale=1")])
                    element("title", []) { title }
                    HTMLNode.void("link", [.attr("rel", "stylesheet"), .href(Stylesheet.path)])
                    // No icon yet: an empty one stops browsers asking for /favicon.ico on every page.
                    HTMLNode.void("link", [.attr("rel", "icon"), .href("data:,")])
                    element("script", [.attr("src", Stylesheet.scriptPath), .attr("defer")])
                    if page.hasMap, let map = frame.map { mapHead(map) }
                }
                element("body", []) {
                    link("#main-content", .class("skip-link")) { "Skip to main content" }
                    header(person: frame.person, council: council, section: page.section)
                    div(.class("width-container")) {
                        element("main", [.id("main-content"), .class("main"), .attr("tabindex", "-1")]) {
                            if let flash = frame.flash {
                                div(.class("notification-banner"), .attr("role", "status")) { para { flash } }
                            }
                            page.content
                        }
                    }
                    element("footer", [.class("footer")]) {
                        div(.class("width-container")) {
                            para { "\(serviceName) for \(council)." }
                            // The same two links on every page: where to get help and the statement.
                            ul(.class("footer-links")) {
                                li { link("/accessibility#contact") { "Get help" } }
                                li { link("/accessibility") { "Accessibility statement" } }
                            }
                        }
                    }
                    if let person = frame.person { sessionWarning(person) }
                }
            },
        ])
    }

    /// Leaflet, its clustering where installed, the portal's map script, and the tile server the
    /// script reads from the page.
    @HTMLBuilder static func mapHead(_ map: MapSettings) -> [HTMLNode] {
        HTMLNode.void("link", [.attr("rel", "stylesheet"), .href("/leaflet/leaflet.css")])
        if map.hasClustering {
            HTMLNode.void("link", [.attr("rel", "stylesheet"), .href("/leaflet/MarkerCluster.css")])
            HTMLNode.void("link", [.attr("rel", "stylesheet"), .href("/leaflet/MarkerCluster.Default.css")])
        }
        element("script", [.attr("src", "/leaflet/leaflet.js"), .attr("defer")])
        if map.hasClustering { element("script", [.attr("src", "/leaflet/leaflet.markercluster.js"), .attr("defer")]) }
        element("script", [.attr("src", MapScript.path), .attr("defer")])
        if let tiles = map.tiles {
            HTMLNode.void("meta", [.name("map-tiles"), .attr("content", tiles)])
            HTMLNode.void("meta", [.name("map-attribution"), .attr("content", map.attribution)])
        }
    }

    /// The warning before a session ends (WCAG 2.2.1), closed until the page's script opens it
    /// (`SessionRoutes`). The script first asks the server after `data-check-after` seconds: the
    /// earliest the warning could be due, as the session was seen at most `touchInterval` ago.
    private static func sessionWarning(_ person: Frame.Person) -> HTMLNode {
        let minutes = Int(SessionLifetime.warning / 60)
        return element("dialog", [.id("session-warning"), .class("session-warning"), .aria("labelledby", "session-warning-title"),
                                  .aria("describedby", "session-warning-text"), .attr("data-check-after", String(Int(person.checkAfter))),
                                  .attr("data-warning", String(Int(SessionLifetime.warning)))]) {
            h2(.id("session-warning-title"), .class("session-warning-title")) { "You will be signed out soon" }
            para(.id("session-warning-text")) {
                "To protect residents' information you will be signed out "
                span(.class("session-warning-when")) { "in \(minutes) minutes" }
                "."
            }
            para(.class("session-warning-fixed"), .attr("hidden")) {
                "A session lasts at most 12 hours after signing in. Send or copy what you are writing, then sign in again."
            }
            htmlForm(.method("post"), .action("/session/extend"), .class("session-warning-stay")) {
                csrfField(person.csrfToken)
                input(.type("hidden"), .name("next"), .value(person.returnPath))
                button(.type("submit"), .class("button")) { "Stay signed in" }
            }
            htmlForm(.method("post"), .action("/sign-out")) {
                csrfField(person.csrfToken)
                button(.type("submit"), .class("button button-secondary")) { "Sign out now" }
            }
        }
    }

    private static func header(person: Frame.Person?, council: String, section: NavSection) -> HTMLNode {
        element("header", [.class("header")]) {
            div(.class("width-container header-inner")) {
                link("/", .class("header-brand")) {
                    span(.class("header-council")) { council }
                    span(.class("header-service")) { serviceName }
                }
                if let person {
                    let roles = person.roles
                    nav(.aria("label", "Main"), .class("header-nav")) {
                        ul {
                            navItem("Home", href: "/", current: section == .home)
                            if roles.contains(.member) || roles.isOfficer {
                                navItem(roles.contains(.member) ? "Your enquiries" : "Raised for Members", href: "/enquiries", current: section == .enquiries)
                            }
                            if roles.contains(.coordinator) || roles.contains(.administrator) {
                                navItem("Queue", href: "/queue", current: section == .queue)
                            }
                            if roles.contains(.responder) {
                                navItem("Questions", href: "/questions", current: section == .questions)
                            }
                            navItem("Search", href: "/search", current: section == .search)
                            if roles.contains(.coordinator) || roles.contains(.administrator) {
                                navItem("Reports", href: "/reports", current: section == .reports)
                            }
                            navItem(person.unreadNotifications > 0 ? "Notifications (\(person.unreadNotifications))" : "Notifications",
                                    href: "/notifications", current: section == .notifications)
                            if roles.contains(.administrator) {
                                navItem("Users", href: "/admin/users", current: section == .users)
                                navItem("Working days", href: "/admin/calendar", current: section == .calendar)
                            }
                            li {
                                htmlForm(.method("post"), .action("/sign-out"), .class("inline-form")) {
                                    csrfField(person.csrfToken)
                                    button(.type("submit"), .class("link-button")) { "Sign out" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private static func navItem(_ text: String, href: String, current: Bool) -> HTMLNode {
        li {
            element("a", [.href(href)] + (current ? [.aria("current", "page")] : [])) { text }
        }
    }
}

/// What the frame of a page shows of its request, read once as the page is drawn.
struct Frame {
    /// The person signed in, as the header and the session warning show them.
    struct Person {
        var roles: RoleSet
        var unreadNotifications: Int
        var csrfToken: String
        /// Seconds until the page's script first asks how long the session has left: the earliest
        /// the warning could be due, as the session was seen at most `touchInterval` ago.
        var checkAfter: TimeInterval
        /// Where "Stay signed in" comes back to without the script: this page, when it can be asked for again.
        var returnPath: String
    }

    var council: String
    var flash: String?
    /// A flash cookie was sent, so the page's response clears it, shown or not.
    var flashTaken: Bool
    var person: Person?
    /// Leaflet and the tile server, where Leaflet is installed.
    var map: MapSettings?

    init(_ request: Request, unreadNotifications: Int) {
        let cookie = request.cookies[Flash.cookieName]?.string ?? ""
        council = request.application.portal.councilName
        map = request.application.portal.map.leafletDirectory == nil ? nil : request.application.portal.map
        flash = cookie.isEmpty ? nil : Flash.decode(cookie)
        flashTaken = !cookie.isEmpty
        if let signedIn = request.signedIn {
            let untilFixedEnd = signedIn.fixedEnd.timeIntervalSince(request.now)
            person = Person(
                roles: signedIn.user.roles, unreadNotifications: unreadNotifications, csrfToken: signedIn.csrfToken,
                checkAfter: max(0, min(SessionLifetime.idle - SessionLifetime.touchInterval, untilFixedEnd) - SessionLifetime.warning),
                returnPath: request.method == .GET && LocalPath.isSafe(request.url.string) ? request.url.string : "/")
        }
    }
}
