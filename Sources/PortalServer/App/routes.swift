import PortalCore
import Vapor

/// Every route of the portal in one place, grouped by who may use it.
func registerRoutes(_ app: Application) {
    app.get("health", use: HealthRoute.check)
    app.get("assets", ":file") { request -> Response in
        guard let file = request.parameters.get("file"), let asset = Stylesheet.response(for: file) else { throw Abort(.notFound) }
        return asset
    }

    app.get("leaflet", "**", use: LeafletFiles.serve)

    // Outside the session loader: asking how long is left is not activity (SessionRoutes).
    app.get("session", use: SessionRoutes.status)

    let web = app.grouped(SessionLoader(), CSRFMiddleware())
    web.get("sign-in", use: SignInRoutes.show)
    web.post("sign-in", use: SignInRoutes.submit)
    web.get("password-reset", use: PasswordResetRoutes.ask)
    web.post("password-reset", use: PasswordResetRoutes.send)
    web.get("password-reset", ":token", use: PasswordResetRoutes.show)
    web.post("password-reset", ":token", use: PasswordResetRoutes.reset)
    web.get("accessibility", use: AccessibilityStatement.show)
    // A partner's single-use outcome link: no account, like a password reset link.
    web.get("partner-outcome", ":token", use: PartnerOutcomeRoutes.show)
    web.post("partner-outcome", ":token", use: PartnerOutcomeRoutes.submit)

    let signedIn = web.grouped(RoleGuard(nil))
    signedIn.get(use: HomeRoutes.show)
    signedIn.post("sign-out", use: SignInRoutes.signOut)
    signedIn.post("session", "extend", use: SessionRoutes.extend)

    signedIn.get("enquiries", use: DashboardRoutes.show)
    signedIn.get("enquiries", "new", use: EnquiryFormRoutes.new)
    signedIn.on(.POST, "enquiries", body: .stream, use: EnquiryFormRoutes.create)
    signedIn.get("enquiries", ":enquiryID", use: EnquiryActionRoutes.show)
    signedIn.get("enquiries", ":enquiryID", "edit", use: EnquiryFormRoutes.edit)
    signedIn.get("enquiries", ":enquiryID", "map.svg", use: EnquiryMapRoute.show)
    signedIn.post("enquiries", ":enquiryID", "edit", use: EnquiryFormRoutes.update)
    signedIn.on(.POST, "enquiries", ":enquiryID", "act", body: .stream, use: EnquiryActionRoutes.act)
    // Uploads stream: the body is read as it arrives, never collected (DocumentUpload).
    signedIn.on(.POST, "enquiries", ":enquiryID", "documents", body: .stream, use: DocumentRoutes.upload)
    signedIn.get("enquiries", ":enquiryID", "documents", ":documentID", use: DocumentRoutes.download)
    signedIn.post("enquiries", ":enquiryID", "documents", ":documentID", "rename", use: DocumentRoutes.rename)
    signedIn.post("enquiries", ":enquiryID", "documents", ":documentID", "remove", use: DocumentRoutes.remove)
    signedIn.post("enquiries", ":enquiryID", "highways", use: HighwaysRoutes.send)
    signedIn.post("enquiries", ":enquiryID", "partner-referrals", ":referralID", "outcome", use: PartnerOutcomeRoutes.recordByOfficer)
    signedIn.post("enquiries", ":enquiryID", "sharing", use: SharingRoutes.share)
    signedIn.post("enquiries", ":enquiryID", "sharing", ":memberID", "stop", use: SharingRoutes.stop)
    web.grouped(RoleGuard([.coordinator, .administrator])).get("queue", use: QueueRoutes.show)
    web.grouped(RoleGuard([.responder])).get("questions", use: QuestionRoutes.show)
    let reports = web.grouped(RoleGuard([.coordinator, .administrator])).grouped("reports")
    reports.get(use: ReportRoutes.index)
    reports.get("heat-map", use: HeatMapRoutes.show)
    reports.get("heat-map", "export.csv", use: HeatMapRoutes.csv)
    reports.get(":kind", use: ReportRoutes.show)
    reports.get(":kind", "export.csv", use: ReportRoutes.csv)
    signedIn.get("search", use: SearchRoutes.show)
    signedIn.get("places", "locate", use: PlaceRoutes.locate)
    signedIn.get("places", "nearest-asset", use: PlaceRoutes.nearestAsset)
    signedIn.get("places", "addresses", use: PlaceRoutes.addresses)
    signedIn.get("places", "boundaries", use: PlaceRoutes.boundaries)
    signedIn.get("places", "assets", use: PlaceRoutes.assets)
    signedIn.get("places", "nearby-enquiries", use: PlaceRoutes.nearbyEnquiries)
    signedIn.get("search", "export.csv", use: SearchExport.csv)
    signedIn.get("search", "map", use: EnquiryMap.show)
    signedIn.get("search", "map.json", use: EnquiryMap.json)
    signedIn.post("search", "saved", use: SearchRoutes.save)
    signedIn.post("search", "saved", ":savedID", "remove", use: SearchRoutes.remove)
    signedIn.get("notifications", use: NotificationRoutes.show)
    signedIn.get("notifications", "settings", use: NotificationRoutes.settings)
    signedIn.post("notifications", "settings", use: NotificationRoutes.saveSettings)

    let adminPages = web.grouped(RoleGuard(.administrator)).grouped("admin")
    adminPages.get("calendar", use: CalendarAdminRoutes.show)
    adminPages.post("calendar", use: CalendarAdminRoutes.saveSettings)
    adminPages.post("calendar", "closures", use: CalendarAdminRoutes.addClosure)
    adminPages.post("calendar", "follow-up", use: FollowUpAdminRoutes.save)
    adminPages.get("retention", use: RetentionAdminRoutes.show)
    adminPages.post("retention", use: RetentionAdminRoutes.save)
    adminPages.get("elections", use: ElectionAdminRoutes.show)
    adminPages.post("elections", use: ElectionAdminRoutes.record)
    adminPages.post("elections", "parties", use: ElectionAdminRoutes.addParty)
    adminPages.get("elections", ":electionID", "handover", use: HandoverRoutes.show)
    adminPages.post("elections", ":electionID", "handover", "decisions", use: HandoverRoutes.decide)
    adminPages.post("elections", ":electionID", "handover", "urgent-areas", use: HandoverRoutes.saveAreas)
    adminPages.post("elections", ":electionID", "handover", "apply", use: HandoverRoutes.apply)
    adminPages.post("calendar", "closures", ":closureID", "remove", use: CalendarAdminRoutes.removeClosure)
    adminPages.get("email", use: OutboxRoutes.show)
    adminPages.post("email", "retry", use: OutboxRoutes.retry)
    adminPages.post("email", "settings", use: OutboxRoutes.saveSettings)
    adminPages.get("accessibility", use: AccessibilityAdminRoutes.show)
    adminPages.post("accessibility", use: AccessibilityAdminRoutes.save)
    adminPages.get("service-levels", use: ServiceLevelAdminRoutes.show)
    adminPages.post("service-levels", use: ServiceLevelAdminRoutes.save)
    adminPages.post("service-levels", ":levelID", "remove", use: ServiceLevelAdminRoutes.remove)
    adminPages.get("integrations", use: HighwaysAdminRoutes.show)
    adminPages.post("integrations", "highways", use: HighwaysAdminRoutes.saveSettings)
    adminPages.post("integrations", "highways", "test", use: HighwaysAdminRoutes.test)
    adminPages.post("integrations", "services", use: HighwaysAdminRoutes.addService)
    adminPages.post("integrations", "services", ":serviceID", use: HighwaysAdminRoutes.saveService)
    adminPages.post("integrations", "services", ":serviceID", "remove", use: HighwaysAdminRoutes.removeService)
    adminPages.post("integrations", "statuses", use: HighwaysAdminRoutes.saveStatuses)
    adminPages.post("integrations", "sends", ":sendID", "retry", use: HighwaysAdminRoutes.retrySend)
    adminPages.post("integrations", "sends", ":sendID", "mark-sent", use: HighwaysAdminRoutes.markSent)
    adminPages.get("places", use: PlaceAdminRoutes.show)
    // Files to import stream in up to their limit (StreamedForm.receiveFile), never collected whole.
    adminPages.on(.POST, "places", ":form", body: .stream, use: PlaceAdminRoutes.load)
    adminPages.get("partners", use: PartnerAdminRoutes.list)
    adminPages.get("partners", "new", use: PartnerAdminRoutes.new)
    adminPages.post("partners", use: PartnerAdminRoutes.create)
    adminPages.get("partners", ":partnerID", use: PartnerAdminRoutes.edit)
    adminPages.post("partners", ":partnerID", use: PartnerAdminRoutes.update)
    adminPages.post("partners", ":partnerID", "deactivate", use: PartnerAdminRoutes.deactivate)
    adminPages.post("partners", ":partnerID", "reactivate", use: PartnerAdminRoutes.reactivate)
    adminPages.post("partners", "referrals", ":referralID", "retry", use: PartnerAdminRoutes.retry)
    adminPages.get("webhooks", use: WebhookAdminRoutes.list)
    adminPages.post("webhooks", use: WebhookAdminRoutes.create)
    adminPages.get("webhooks", ":subscriptionID", use: WebhookAdminRoutes.show)
    adminPages.post("webhooks", ":subscriptionID", "pause", use: WebhookAdminRoutes.pause)
    adminPages.post("webhooks", ":subscriptionID", "resume", use: WebhookAdminRoutes.resume)
    adminPages.post("webhooks", ":subscriptionID", "delete", use: WebhookAdminRoutes.delete)
    adminPages.post("webhooks", ":subscriptionID", "deliveries", ":deliveryID", "retry", use: WebhookAdminRoutes.retry)
    adminPages.get("subject-access", use: SubjectAccessRoutes.show)
    adminPages.post("subject-access", use: SubjectAccessRoutes.search)
    adminPages.post("subject-access", "export", use: SubjectAccessRoutes.export)
    adminPages.post("subject-access", "erase", use: SubjectAccessRoutes.confirmErase)
    adminPages.post("subject-access", "erase", "confirm", use: SubjectAccessRoutes.erase)
    adminPages.get("api", use: ApiAdminRoutes.show)
    adminPages.post("api", use: ApiAdminRoutes.create)
    adminPages.post("api", ":clientID", "revoke", use: ApiAdminRoutes.revoke)

    let admin = web.grouped(RoleGuard(.administrator)).grouped("admin", "users")
    admin.get(use: UserAdminRoutes.list)
    admin.get("new", use: UserAdminRoutes.new)
    admin.post(use: UserAdminRoutes.create)
    admin.get(":userID", use: UserAdminRoutes.edit)
    admin.post(":userID", use: UserAdminRoutes.update)
    admin.post(":userID", "deactivate", use: UserAdminRoutes.deactivate)
    admin.post(":userID", "reactivate", use: UserAdminRoutes.reactivate)
}

/// Lets through a signed-in person holding the role (any signed-in person when the role is nil).
/// Someone not signed in is sent to sign in; someone without the role is refused with 403.
struct RoleGuard: AsyncMiddleware {
    /// Any one of these roles lets the person through; empty means any signed-in person.
    let roles: Set<Role>

    init(_ role: Role?) { self.roles = role.map { [$0] } ?? [] }
    init(_ roles: Set<Role>) { self.roles = roles }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let user = request.currentUser else { throw Abort(.unauthorized) }
        if !roles.isEmpty, roles.isDisjoint(with: user.roles.roles) { throw Abort(.forbidden) }
        return try await next.respond(to: request)
    }
}
