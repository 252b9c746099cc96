import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// The co-ordinators' queues for their service areas (an administrator's cover every area).
enum QueueRoutes {
    enum Tab: String, CaseIterable {
        case new, inProgress = "in_progress", awaitingWorks = "awaiting_works", waiting, reopened, completed, overdue
        case atRisk = "at_risk"

        var label: String {
            switch self {
            case .new: "New"
            case .inProgress: "In progress"
            case .awaitingWorks: "Awaiting works"
            case .waiting: "Member waiting for a reply"
            case .reopened: "Reopened"
            case .completed: "Completed, awaiting the Member"
            case .overdue: "Overdue"
            case .atRisk: "At risk"
            }
        }
    }

    /// The statuses every queue draws from: what is still in the council's hands, and completed
    /// enquiries awaiting the Member. Overdue and at-risk enquiries are open ones.
    static let counted: [EnquiryStatus] = [.submitted, .inProgress, .awaitingWorks, .completed]

    struct Model {
        var tab: Tab
        var listing: EnquiryList.Listing
        /// The service areas it covers, in words, and the works areas it may filter by.
        var areaNames: String
        var worksAreas: [ReferenceData.WorksAreaInfo]
        var reference: ReferenceData
    }

    @Sendable static func show(_ request: Request) async throws -> Response {
        let filters = try request.query.decode(EnquiryList.Filters.self)
        return request.render(page(try await query(filters, page: try request.pageNumber(filters.page), context: try await request.enquiryListContext())))
    }

    static func query(_ filters: EnquiryList.Filters, page: Int, context: EnquiryList.Context) async throws -> Model {
        let (actor, data, clock, now, db) = (context.actor, context.reference, context.clock, context.now, context.db)
        var filters = filters
        let tab = filters.tab.flatMap(Tab.init(rawValue:)) ?? .new
        // Deadline queues read soonest deadline first unless asked otherwise.
        if [.overdue, .atRisk].contains(tab), filters.sort == nil { filters.sort = "due" }
        let bounds = EnquiryList.DeadlineBounds(clock: clock, now: now)
        let allAreas = actor.user.roles.contains(.administrator)
        // Every queue's statuses are past draft, so the rule's "not a draft" goes without saying.
        let access = EnquiryAccess.asOfficer(actor.viewer).without(.notDraft).sql
        var scope: [any SQLExpression] = access.map { [$0] } ?? []
        switch tab {
        case .new: scope.append(EnquiryList.column("status", is: EnquiryStatus.submitted.rawValue))
        case .inProgress: scope.append(EnquiryList.column("status", is: EnquiryStatus.inProgress.rawValue))
        case .awaitingWorks: scope.append(EnquiryList.column("status", is: EnquiryStatus.awaitingWorks.rawValue))
        case .completed: scope.append(EnquiryList.column("status", is: EnquiryStatus.completed.rawValue))
        case .waiting:
            scope.append(EnquiryList.column("awaiting_reply", is: true))
            scope.append(EnquiryList.column("status", in: [EnquiryStatus.submitted, .inProgress, .awaitingWorks, .completed].map(\.rawValue)))
        case .reopened:
            scope.append(SQLBinaryExpression(SQLColumn("reopen_count"), .greaterThan, SQLBind(0)))
            scope.append(EnquiryList.column("status", in: [EnquiryStatus.inProgress, .awaitingWorks].map(\.rawValue)))
        case .overdue: scope.append(bounds.overdue)
        case .atRisk: scope.append(bounds.atRisk)
        }
        let counts = try await EnquiryList.counts(where: access,
                                                  deadlines: bounds, statuses: Self.counted, on: db)
        func count(_ tab: Tab) -> Int {
            switch tab {
            case .new: counts.byStatus[.submitted] ?? 0
            case .inProgress: counts.byStatus[.inProgress] ?? 0
            case .awaitingWorks: counts.byStatus[.awaitingWorks] ?? 0
            case .completed: counts.byStatus[.completed] ?? 0
            case .waiting: counts.awaitingReply
            case .reopened: counts.reopened
            case .overdue: counts.overdue
            case .atRisk: counts.atRisk
            }
        }
        let (rows, total) = try await EnquiryList.rows(scope: scope, filters: filters, page: page, data: data, clock: clock, now: now, on: db,
                                                       knownTotal: count(tab), people: context.people)
        let tabs: [(String, String, Int)] = Tab.allCases.map { ($0.rawValue, $0.label, count($0)) }
        let worksAreas = data.worksAreas.filter { allAreas || actor.coordinatedAreas.contains($0.serviceAreaID) }
        let areaNames = allAreas ? "all service areas" : actor.coordinatedAreas.compactMap { data.name($0) }.sorted().joined(separator: ", ")
        return Model(tab: tab, listing: .init(filters: filters, page: page, tabs: tabs, rows: rows, total: total), areaNames: areaNames,
                     worksAreas: worksAreas, reference: data)
    }

    static func page(_ model: Model) -> Page {
        let (tab, filters, data, rows, total, worksAreas) = (model.tab, model.listing.filters, model.reference, model.listing.rows, model.listing.total, model.worksAreas)
        return Page(title: "Queue: \(tab.label)", section: .queue) {
            span(.class("caption")) { model.areaNames }
            h1 { "Enquiry queue" }
            para { link("/search/map?scope=officer&status=in_progress") { "Map of the enquiries in progress" } }
            tabLinks(model.listing.tabs, current: tab.rawValue, path: "/queue", label: "Queues")
            htmlForm(.method("get"), .action("/queue"), .class("filters"), .attr("role", "search")) {
                input(.type("hidden"), .name("tab"), .value(tab.rawValue))
                div(.class("filters-row")) {
                    textField("q", label: "Reference or words", value: filters.q, errors: FormErrors(), FieldOptions(type: "search"))
                    if !worksAreas.isEmpty {
                        selectField("works-area", label: "Works area", choices: worksAreas.map { Choice(value: $0.id.uuidString, label: $0.name) },
                                    selected: filters.worksArea, errors: FormErrors(), placeholder: "Any")
                    }
                    selectField("district", label: "District", choices: data.districts.map { Choice(value: $0.id.uuidString, label: $0.name) },
                                selected: filters.district, errors: FormErrors(), placeholder: "Any")
                    selectField("type", label: "Type", choices: data.types.map { Choice(value: $0.id.uuidString, label: $0.name) },
                                selected: filters.type, errors: FormErrors(), placeholder: "Any")
                    selectField("sort", label: "Sort by", choices: [Choice(value: "recent", label: "Most recent activity"), Choice(value: "due", label: "Deadline, soonest first"), Choice(value: "oldest", label: "Oldest activity first"),
                                                                     Choice(value: "raised", label: "Date raised"), Choice(value: "reference", label: "Reference")],
                                selected: filters.sort, errors: FormErrors(), placeholder: nil)
                    div(.class("form-group")) { submitButton("Filter", style: "secondary") }
                }
            }
            para(.attr("role", "status")) { total == 1 ? "1 enquiry" : "\(total) enquiries" }
            if rows.isEmpty {
                para(.class("secondary-text")) { "No enquiries in this queue." }
            } else {
                enquiryTable(rows, caption: "Queue: \(tab.label)", forMember: false)
                pagination(total: total, page: model.listing.page, pageSize: EnquiryList.pageSize) { filters.link("/queue", page: $0) }
            }
        }
    }
}
