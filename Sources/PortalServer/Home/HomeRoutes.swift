import Fluent
import PortalCore
import SQLKit
import Vapor

/// The first page after sign-in: one panel for each role the person holds, showing what the
/// portal holds for them today.
enum HomeRoutes {
    struct Model {
        var user: CurrentUser
        var division: String?
        var coordinatedAreas: [(name: String, glossary: String)]
        var userCounts: [Role: Int]
        var serviceAreaCount: Int
        var memberCounts: [EnquiryStatus: Int] = [:]
        var queueCounts: [EnquiryStatus: Int] = [:]
        var waitingForReply = 0
        var overdue = 0
        var atRisk = 0
        var openQuestions = 0
        var unreadNotifications = 0
        /// Reports to the highways system that need an administrator.
        var stuckHighways = 0
    }

    @Sendable static func show(_ request: Request) async throws -> Response {
        let user = try request.requireUser()
        let model = try await query(for: user, clock: try await request.serviceLevels().clock, now: request.now, on: request.db)
        return request.render(HomePage.page(model))
    }

    static func query(for user: CurrentUser, clock: WorkingDayClock, now: Date, on db: any Database) async throws -> Model {
        var model = Model(user: user, division: nil, coordinatedAreas: [], userCounts: [:], serviceAreaCount: 0)
        if user.roles.contains(.member) {
            if let divisionID = user.divisionID { model.division = try await Division.find(divisionID, on: db)?.name }
            let own = EnquiryAccess.condition(for: [.owner], of: EnquiryAccess.Viewer(id: user.id, roles: user.roles))
            model.memberCounts = try await EnquiryList.counts(where: own.sql,
                                                              detail: false, on: db).byStatus
        }
        if user.roles.contains(.responder) {
            model.openQuestions = try await ResponderQuestion.query(on: db).filter(\.$responder.$id == user.id).filter(\.$state == .open).count()
        }
        if user.roles.contains(.coordinator) {
            model.coordinatedAreas = try await ServiceArea.query(on: db)
                .join(CoordinatorArea.self, on: \CoordinatorArea.$serviceArea.$id == \ServiceArea.$id)
                .filter(CoordinatorArea.self, \.$user.$id == user.id)
                .sort(\.$name)
                .all()
                .map { ($0.name, $0.glossary) }
            let areaIDs = try await CoordinatorArea.query(on: db).filter(\.$user.$id == user.id).all(\.$serviceArea.$id)
            if !areaIDs.isEmpty {
                // The co-ordinator's own areas (an administrator's queue covers more); the counted
                // statuses are past draft.
                let coordinating = EnquiryAccess.Viewer(id: user.id, roles: user.roles, coordinatedAreas: Set(areaIDs))
                let counts = try await EnquiryList.counts(
                    where: EnquiryAccess.condition(for: [.coordinator], of: coordinating).without(.notDraft).sql,
                    deadlines: EnquiryList.DeadlineBounds(clock: clock, now: now), statuses: QueueRoutes.counted, on: db)
                model.queueCounts = counts.byStatus
                model.waitingForReply = counts.awaitingReply
                model.overdue = counts.overdue
                model.atRisk = counts.atRisk
            }
            model.unreadNotifications = try await Notifications.unreadCount(of: user.id, on: db)
        }
        if user.roles.contains(.administrator) {
            let rows = try await db.sql.raw("""
                SELECT SUM(CASE WHEN is_member THEN 1 ELSE 0 END) AS members,
                       SUM(CASE WHEN is_coordinator THEN 1 ELSE 0 END) AS coordinators,
                       SUM(CASE WHEN is_responder THEN 1 ELSE 0 END) AS responders,
                       SUM(CASE WHEN is_administrator THEN 1 ELSE 0 END) AS administrators
                FROM users WHERE is_active = \(bind: true)
                """).first()
            for role in Role.allCases {
                let column = role == .member ? "members" : role == .coordinator ? "coordinators" : role == .responder ? "responders" : "administrators"
                model.userCounts[role] = (try? rows?.decode(column: column, as: Int?.self)) ?? 0
            }
            model.serviceAreaCount = try await ServiceArea.query(on: db).filter(\.$isActive == true).count()
            model.stuckHighways = try await HighwaysAdminRoutes.stuckCount(at: now, on: db)
        }
        return model
    }
}

/// A large number with what it counts, linking to the list behind it.
func countCard(_ count: Int, _ text: String, href: String) -> HTMLNode {
    link(href, .class("card card-link")) {
        span(.class("count")) { String(count) }
        span { text }
    }
}

enum HomePage {
    static func page(_ model: HomeRoutes.Model) -> Page {
        Page(title: "Home") {
            span(.class("caption")) { model.user.roles.labels }
            h1 { "Welcome, \(model.user.name)" }
            if model.user.roles.contains(.member) {
                section(.aria("labelledby", "member-heading")) {
                    h2(.id("member-heading")) { "Your enquiries" }
                    if let division = model.division {
                        para { "You represent \(division)." }
                    }
                    div(.class("cards")) {
                        countCard(model.memberCounts[.submitted, default: 0] + model.memberCounts[.inProgress, default: 0] + model.memberCounts[.awaitingWorks, default: 0],
                                  "open", href: "/enquiries?tab=open")
                        countCard(model.memberCounts[.completed, default: 0], "awaiting your confirmation", href: "/enquiries?tab=pending")
                        countCard(model.memberCounts[.draft, default: 0], model.memberCounts[.draft, default: 0] == 1 ? "draft" : "drafts", href: "/enquiries?tab=drafts")
                    }
                    para { link("/enquiries/new", .class("button")) { "New enquiry" } }
                }
            }
            if model.user.roles.contains(.coordinator) {
                section(.aria("labelledby", "coordinator-heading")) {
                    h2(.id("coordinator-heading")) { "Service areas you co-ordinate" }
                    div(.class("cards")) {
                        countCard(model.queueCounts[.submitted, default: 0], "new", href: "/queue?tab=new")
                        countCard(model.queueCounts[.inProgress, default: 0], "in progress", href: "/queue?tab=in_progress")
                        countCard(model.queueCounts[.awaitingWorks, default: 0], "awaiting works", href: "/queue?tab=awaiting_works")
                        countCard(model.waitingForReply, "Members waiting for a reply", href: "/queue?tab=waiting")
                        countCard(model.overdue, "overdue", href: "/queue?tab=overdue")
                        countCard(model.atRisk, "at risk: due within \(DeadlineStanding.atRiskWithin) working days", href: "/queue?tab=at_risk")
                    }
                    if model.unreadNotifications > 0 {
                        para { link("/notifications") { model.unreadNotifications == 1 ? "1 unread notification" : "\(model.unreadNotifications) unread notifications" } }
                    }
                    if model.coordinatedAreas.isEmpty {
                        para { "You are not yet assigned to a service area. Ask your portal administrator to add one." }
                    } else {
                        summaryList(model.coordinatedAreas.map { ($0.name, $0.glossary) })
                    }
                }
            }
            if model.user.roles.contains(.responder) {
                section(.aria("labelledby", "responder-heading")) {
                    h2(.id("responder-heading")) { "Questions for you" }
                    para {
                        if model.openQuestions == 0 { "No questions are waiting for you." } else {
                            link("/questions") { model.openQuestions == 1 ? "1 question is waiting for your answer" : "\(model.openQuestions) questions are waiting for your answer" }
                        }
                    }
                }
            }
            if model.user.roles.contains(.administrator) {
                section(.aria("labelledby", "admin-heading")) {
                    h2(.id("admin-heading")) { "Administration" }
                    div(.class("cards")) {
                        for role in Role.allCases {
                            div(.class("card")) {
                                let count = model.userCounts[role] ?? 0
                                let noun = role == .member ? "Member" : role.label.lowercased()
                                span(.class("count")) { String(count) }
                                "active \(noun)\(count == 1 ? "" : "s")"
                            }
                        }
                        div(.class("card")) {
                            span(.class("count")) { String(model.serviceAreaCount) }
                            "service areas"
                        }
                        div(.class("card")) {
                            span(.class("count")) { String(model.stuckHighways) }
                            link("/admin/integrations#stuck-heading") { "report\(model.stuckHighways == 1 ? "" : "s") to highways stuck" }
                        }
                    }
                    ul(.class("list")) {
                        li { link("/admin/users") { "Manage users and their roles" } }
                        li { link("/admin/calendar") { "Working days, bank holidays and closure days" } }
                        li { link("/admin/service-levels") { "Service levels" } }
                        li { link("/admin/integrations") { "Integrations: the highways system" } }
                        li { link("/admin/places") { "Places: boundaries, asset layers and the address gazetteer" } }
                        li { link("/admin/partners") { "Partner organisations and referrals to them" } }
                        li { link(WebhookAdminRoutes.path) { "Webhooks: council systems that hear of enquiries' events" } }
                        li { link("/admin/elections") { "Elections, terms of office and parties" } }
                        li { link("/admin/retention") { "Retention of residents' data, and what the next run would erase" } }
                        li { link("/admin/email") { "Email sent and waiting" } }
                        li { link(ApiAdminRoutes.path) { "API clients: the council's other systems and their tokens" } }
                        li { link("/admin/accessibility") { "Accessibility statement details" } }
                        li { link(SubjectAccessRoutes.path) { "Subject access and erasure requests: find, download or erase a person's enquiries" } }
                    }
                }
            }
        }
    }
}
