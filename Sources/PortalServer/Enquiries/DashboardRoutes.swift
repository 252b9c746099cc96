import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// "Your enquiries": a Member's own, or for an officer, those they raised for Members.
enum DashboardRoutes {
    enum Tab: String, CaseIterable {
        case open, pending, closed, drafts
        /// Other Members' enquiries shared with this Member (`EnquirySharing`).
        case shared

        var label: String {
            switch self {
            case .open: "Open"
            case .pending: "Awaiting your confirmation"
            case .closed: "Closed"
            case .drafts: "Drafts"
            case .shared: "Shared with you"
            }
        }

        var statuses: [EnquiryStatus] {
            switch self {
            case .open: [.submitted, .inProgress, .awaitingWorks]
            case .pending: [.completed]
            case .closed: [.closed]
            case .drafts: [.draft]
            case .shared: [.submitted, .inProgress, .awaitingWorks, .completed, .closed]
            }
        }
    }

    struct Model {
        var tab: Tab
        var asMember: Bool
        var listing: EnquiryList.Listing
        var reference: ReferenceData
    }

    @Sendable static func show(_ request: Request) async throws -> Response {
        let filters = try request.query.decode(EnquiryList.Filters.self)
        return request.render(page(try await query(filters, page: try request.pageNumber(filters.page), context: try await request.enquiryListContext())))
    }

    static func query(_ filters: EnquiryList.Filters, page: Int, context: EnquiryList.Context) async throws -> Model {
        let (actor, data, clock, now, db) = (context.actor, context.reference, context.clock, context.now, context.db)
        let asMember = actor.user.roles.contains(.member)
        var tab = filters.tab.flatMap(Tab.init(rawValue:)) ?? .open
        if tab == .shared, !asMember { tab = .open }
        // A Member's own enquiries, or those an officer raised for Members, by the access rule;
        // and for a Member, those shared with them.
        let own = EnquiryAccess.condition(for: [asMember ? .owner : .raiser], of: actor.viewer).sql ?? SQLRaw("1 = 1")
        let shared = EnquiryAccess.condition(for: [.sharedWith], of: actor.viewer).sql ?? SQLRaw("1 = 1")
        let counts = try await EnquiryList.counts(where: own, detail: false, on: db)
        let sharedCount = asMember ? try await EnquiryList.counts(where: shared, detail: false, on: db).byStatus.values.reduce(0, +) : 0
        func count(_ tab: Tab) -> Int { tab == .shared ? sharedCount : tab.statuses.reduce(0) { $0 + (counts.byStatus[$1] ?? 0) } }
        let tabs = Tab.allCases.filter { $0 != .shared || asMember }.map { tab in (tab.rawValue, tab.label, count(tab)) }
        let scope = [EnquiryList.column("status", in: tab.statuses.map(\.rawValue)), tab == .shared ? shared : own]
        let (rows, total) = try await EnquiryList.rows(scope: scope, filters: filters, page: page, data: data, clock: clock, now: now, on: db,
                                                       knownTotal: count(tab), people: context.people)
        return Model(tab: tab, asMember: asMember, listing: .init(filters: filters, page: page, tabs: tabs, rows: rows, total: total), reference: data)
    }

    static func page(_ model: Model) -> Page {
        let (tab, filters, data, rows, total, asMember) = (model.tab, model.listing.filters, model.reference, model.listing.rows, model.listing.total, model.asMember)
        let title = asMember ? "Your enquiries" : "Enquiries you raised for Members"
        return Page(title: title, section: .enquiries) {
            h1 { title }
            link("/enquiries/new", .class("button")) { asMember ? "New enquiry" : "Raise an enquiry for a Member" }
            tabLinks(model.listing.tabs, current: tab.rawValue, path: "/enquiries", label: "Enquiries by status")
            htmlForm(.method("get"), .action("/enquiries"), .class("filters"), .attr("role", "search")) {
                input(.type("hidden"), .name("tab"), .value(tab.rawValue))
                div(.class("filters-row")) {
                    textField("q", label: "Reference or words", value: filters.q, errors: FormErrors(), FieldOptions(type: "search"))
                    groupedSelectField("parish", label: "Parish", groups: data.districts.map { d in
                        (d.name, data.parishes.filter { $0.districtID == d.id }.map { Choice(value: $0.id.uuidString, label: $0.name) })
                    }, selected: filters.parish, errors: FormErrors(), placeholder: "Any parish")
                    if tab == .open {
                        selectField("status", label: "Status", choices: tab.statuses.map { Choice(value: $0.rawValue, label: $0.label) },
                                    selected: filters.status, errors: FormErrors(), placeholder: "Any open status")
                    }
                    div(.class("form-group")) { submitButton("Filter", style: "secondary") }
                }
            }
            para(.attr("role", "status")) {
                total == 1 ? "1 enquiry" : "\(total) enquiries"
                if total > 0 {
                    " · "
                    link(filters.link("/enquiries", page: 1) + "&print=1", .class("no-print")) { "Printable list for a meeting" }
                    " · "
                    link("/search/map?scope=mine", .class("no-print")) { "Map of your enquiries" }
                }
            }
            if rows.isEmpty {
                para(.class("secondary-text")) {
                    switch tab {
                    case .drafts: "You have no drafts."
                    case .shared: "No other Member has shared an enquiry with you."
                    default: "No enquiries here."
                    }
                }
            } else {
                enquiryTable(rows, caption: "\(title): \(tab.label)", forMember: true, ownEnquiries: tab != .shared)
                if filters.print == nil {
                    pagination(total: total, page: model.listing.page, pageSize: EnquiryList.pageSize) { filters.link("/enquiries", page: $0) }
                }
            }
        }
    }
}
