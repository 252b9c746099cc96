import Foundation
import PortalCore
import Vapor

/// The table of enquiries shared by the Member's dashboard and the co-ordinators' queues.
/// `ownEnquiries`: the Member's own, which they confirm or reopen (not those shared with them).
func enquiryTable(_ rows: [EnquiryRow], caption text: String, forMember: Bool, ownEnquiries: Bool = true) -> HTMLNode {
    div(.class("table-scroll")) {
        table(.class("table enquiry-table")) {
            caption(.class("visually-hidden")) { text }
            thead { tr {
                th(.scopeCol) { "Reference" }
                th(.scopeCol) { "Subject" }
                if !forMember { th(.scopeCol) { "Member" } }
                th(.scopeCol) { forMember ? "Service area" : "Type" }
                th(.scopeCol) { forMember ? "Parish" : "District / works area" }
                th(.scopeCol) { "Status" }
                th(.scopeCol) { forMember ? "Deadline or closing" : "Deadline" }
                th(.scopeCol) { "Last activity" }
            } }
            tbody {
                for row in rows {
                    tr {
                        td(.data("label", "Reference")) { link("/enquiries/\(row.id.uuidString)") { row.reference } }
                        th(.scopeRow, .data("label", "Subject")) {
                            row.subject
                            if row.urgent { " " ; span(.class("tag tag-red")) { "Urgent" } }
                            if let asset = row.asset { span(.class("row-detail")) { asset } }
                        }
                        if !forMember { td(.data("label", "Member")) { row.member } }
                        td(.data("label", forMember ? "Service area" : "Type")) { forMember ? row.serviceArea : row.type }
                        td(.data("label", forMember ? "Parish" : "District / works area")) {
                            forMember ? (row.parish ?? "–") : [row.district, row.worksArea].compactMap { $0 }.joined(separator: " / ")
                        }
                        td(.data("label", "Status")) {
                            EnquiryPage.statusTag(row.status, forMember: forMember)
                            if !forMember, row.awaitingReply { " " ; span(.class("tag tag-red")) { "Member waiting" } }
                            if row.reopened > 0, row.status.isOpen { " " ; span(.class("tag tag-grey")) { "Reopened" } }
                        }
                        td(.data("label", forMember ? "Deadline or closing" : "Deadline")) {
                            if let last = row.followUpUntil {
                                span(.class("follow-up-date")) {
                                    switch (forMember, ownEnquiries) {
                                    case (true, true): "Closes itself after \(last.shortText) unless you confirm or reopen it"
                                    case (true, false): "Closes itself after \(last.shortText) unless its Member confirms or reopens it"
                                    case (false, _): "Closes itself after \(last.shortText)"
                                    }
                                }
                            } else {
                                deadlineTag(row.deadline)
                            }
                        }
                        td(.data("label", "Last activity")) { row.lastActivity.councilDate }
                    }
                }
            }
        }
    }
}

/// An enquiry's next deadline in words and colour, with the date; a dash when nothing is due.
func deadlineTag(_ deadline: DeadlineSummary?) -> HTMLNode {
    guard let deadline else { return span(.class("secondary-text")) { "–" } }
    return .group([
        span(.class(deadline.tagClass)) { deadline.words },
        .text(" "),
        span(.class("deadline-date")) { "(\(deadline.due.shortText))" },
    ])
}

/// Tabs as links, each with its count; the current one marked for assistive technology.
func tabLinks(_ tabs: [(key: String, label: String, count: Int)], current: String, path: String, label text: String) -> HTMLNode {
    nav(.class("tabs"), .aria("label", text)) {
        ul(.class("tabs-list")) {
            for tab in tabs {
                li(.class("tabs-item")) {
                    element("a", [.href("\(path)?tab=\(tab.key)"), .class("tabs-link")] + (tab.key == current ? [.aria("current", "page")] : [])) {
                        "\(tab.label) "
                        span(.class("tabs-count")) { "(\(tab.count))" }
                    }
                }
            }
        }
    }
}

func pagination(total: Int, page: Int, pageSize: Int, link makeLink: (Int) -> String) -> HTMLNode {
    let pages = max(1, (total + pageSize - 1) / pageSize)
    guard pages > 1 else { return .empty }
    return nav(.aria("label", "Pages"), .class("pagination")) {
        if page > 1 { link(makeLink(page - 1)) { "Previous page" } }
        span { "Page \(page) of \(pages)" }
        if page < pages { link(makeLink(page + 1)) { "Next page" } }
    }
}

extension EnquiryList.Filters {
    /// This filter set as a query string with another page number.
    func link(_ path: String, page: Int) -> String {
        var items: [URLQueryItem] = [.init(name: "page", value: String(page))]
        let pairs: [(String, String?)] = [("tab", tab), ("q", q), ("parish", parish), ("status", status), ("district", district),
                                          ("type", type), ("works-area", worksArea), ("sort", sort)]
        for (name, value) in pairs { if let value, !value.isEmpty { items.append(.init(name: name, value: value)) } }
        var components = URLComponents()
        components.path = path
        components.queryItems = items
        return components.string ?? path
    }
}
