import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// The administrator's partner organisations (`/admin/partners`): adding, editing, deactivating
/// and reactivating them and choosing the enquiry types each takes; webhook deliveries not yet
/// made, with a retry; and outcome links refused. Every change is in the audit trail.
enum PartnerAdminRoutes {
    struct Form: Content {
        var name: String?
        var email: String?
        var webhookURL: String?
        var webhookSecret: String?
        var residentDetails: String?
        var types: [String]?
        var version: String?

        enum CodingKeys: String, CodingKey {
            case name, email, webhookURL = "webhook-url", webhookSecret = "webhook-secret", residentDetails = "resident-details", types, version
        }

        init() {}

        init(_ partner: Partner, takes: [PartnerTake]) {
            name = partner.name
            email = partner.email
            webhookURL = partner.webhookUrl
            residentDetails = partner.sharesResidentDetails ? "on" : nil
            types = takes.map(\.value)
            version = String(partner.version)
        }

        var details: PartnerDetails.Form {
            PartnerDetails.Form(name: name, email: email, webhookURL: webhookURL, webhookSecret: webhookSecret,
                                sharesResidentDetails: residentDetails == "on")
        }
    }

    /// A partner as the list shows it.
    struct Listed: Sendable {
        let partner: Partner
        let takes: [String]
    }

    /// A webhook delivery not made yet: retrying, or failed.
    struct Undelivered: Sendable, Decodable {
        let id: UUID
        let enquiryId: UUID
        let reference: String
        let partnerName: String
        let state: String
        let attempts: Int
        let lastError: String?
        let nextAttemptAt: Date
    }

    struct ListModel {
        var csrfToken: String
        var partners: [Listed]
        var undelivered: [Undelivered]
        var refusals: [PartnerLinkRefusals.Row]
    }

    struct FormModel {
        var csrfToken: String
        /// The partner being edited; nil when adding one.
        var partner: Partner?
        var form: Form
        var typeChoices: [Choice]
        var errors: FormErrors
        var status: HTTPResponseStatus
    }

    @Sendable static func list(_ request: Request) async throws -> Response {
        request.render(PartnerAdminPages.list(try await query(csrfToken: request.csrfToken, data: try await request.referenceData(), on: request.db)))
    }

    static func query(csrfToken: String, data: ReferenceData, on db: any Database) async throws -> ListModel {
        let takes = try await Partners.takes(on: db)
        let partners = try await Partners.all(on: db).map { partner in
            Listed(partner: partner, takes: (takes[partner.id] ?? []).map { $0.label(data) }.sorted())
        }
        let undelivered = try await db.sql.raw("""
            SELECT r.id, r.enquiry_id, e.reference, p.name AS partner_name, r.state, r.attempts, r.last_error, r.next_attempt_at
            FROM partner_referrals r JOIN partners p ON p.id = r.partner_id JOIN enquiries e ON e.id = r.enquiry_id
            WHERE r.state = 'failed' OR (r.state = 'pending' AND r.attempts > 0)
            ORDER BY r.created_at DESC LIMIT 100
            """).all(decoding: Undelivered.self, keyDecodingStrategy: .convertFromSnakeCase)
        return ListModel(csrfToken: csrfToken, partners: partners, undelivered: undelivered, refusals: try await PartnerLinkRefusals.latest(on: db))
    }

    static func typeChoices(_ data: ReferenceData) -> [Choice] {
        data.types.flatMap { type in
            [Choice(value: type.id.uuidString, label: type.name, hint: type.subtypes.isEmpty ? nil : "Every sub-type")]
                + type.subtypes.map { Choice(value: PartnerTake(typeID: type.id, subtypeID: $0.id).value, label: "\(type.name): \($0.name)") }
        }
    }

    private static func formPage(_ request: Request, partner: Partner?, form: Form, errors: FormErrors = FormErrors(),
                                 status: HTTPResponseStatus = .ok) async throws -> Response {
        request.render(PartnerAdminPages.form(FormModel(csrfToken: request.csrfToken, partner: partner, form: form,
                                                        typeChoices: typeChoices(try await request.referenceData()), errors: errors, status: status)))
    }

    @Sendable static func new(_ request: Request) async throws -> Response {
        try await formPage(request, partner: nil, form: Form())
    }

    @Sendable static func edit(_ request: Request) async throws -> Response {
        let partner = try await find(request)
        return try await formPage(request, partner: partner, form: Form(partner, takes: try await Partners.takes(on: request.db)[partner.id] ?? []))
    }

    /// The form's details and types, checked against each other and the council's types.
    private static func validate(_ form: Form, existing: Partner?, request: Request) async throws -> Result<(PartnerDetails, [PartnerTake]), FormErrors> {
        var errors = FormErrors()
        var details: PartnerDetails?
        switch PartnerDetails.validate(form.details, hasSecret: existing?.webhookSecret != nil) {
        case .success(let valid): details = valid
        case .failure(let found): errors = found
        }
        let data = try await request.referenceData()
        let known = Set(typeChoices(data).map(\.value))
        let posted = form.types ?? []
        var takes = Set(posted.compactMap(PartnerTake.init(value:)).filter { known.contains($0.value) })
        if takes.count != Set(posted).count { errors.add("types", "Choose enquiry types from the list") }
        // A whole type covers its sub-types.
        let wholeTypes = Set(takes.filter { $0.subtypeID == nil }.map(\.typeID))
        takes = takes.filter { $0.subtypeID == nil || !wholeTypes.contains($0.typeID) }
        if let name = details?.name,
           try await request.db.sql.select().column("id").from("partners").where("name", .equal, name)
            .where("id", .notEqual, existing?.id ?? UUID()).first() != nil {
            errors.add("name", "A partner with this name already exists")
        }
        guard errors.isEmpty, let details else { return .failure(errors) }
        return .success((details, takes.sorted { $0.value < $1.value }))
    }

    @Sendable static func create(_ request: Request) async throws -> Response {
        let form = try request.content.decode(Form.self)
        let (details, takes): (PartnerDetails, [PartnerTake])
        switch try await validate(form, existing: nil, request: request) {
        case .failure(let errors): return try await formPage(request, partner: nil, form: form, errors: errors)
        case .success(let valid): (details, takes) = valid
        }
        let id = UUID(), now = request.now
        let data = try await request.referenceData()
        try await request.db.transaction { db in
            try await db.sql.insert(into: "partners")
                .columns("id", "name", "email", "webhook_url", "webhook_secret", "shares_resident_details", "is_active", "version", "created_at", "updated_at")
                .values(SQLBind(id), SQLBind(details.name), SQLBind(details.email.value), SQLBind(details.webhookURL), SQLBind(details.newSecret),
                        SQLBind(details.sharesResidentDetails), SQLBind(true), SQLBind(1), SQLBind(now), SQLBind(now))
                .run()
            try await Partners.replaceTakes(of: id, with: takes, on: db)
            try await AuditTrail.record(action: "partner_added", enquiryID: nil, actorID: request.currentUser?.id,
                                        changes: audited(before: nil, after: details, takes: ([], takes), data: data), at: now, on: db)
        }
        return request.seeOther("/admin/partners", flash: "\(details.name) has been added.")
    }

    @Sendable static func update(_ request: Request) async throws -> Response {
        let partner = try await find(request)
        let form = try request.content.decode(Form.self)
        let (details, takes): (PartnerDetails, [PartnerTake])
        switch try await validate(form, existing: partner, request: request) {
        case .failure(let errors): return try await formPage(request, partner: partner, form: form, errors: errors)
        case .success(let valid): (details, takes) = valid
        }
        let version = RequestNumber.version(form.version) ?? -1
        let now = request.now
        let data = try await request.referenceData()
        let before = try await Partners.takes(on: request.db)[partner.id] ?? []
        // No webhook, no secret; a new secret replaces the old; otherwise the old one stays.
        let secret = details.webhookURL == nil ? nil : details.newSecret ?? partner.webhookSecret
        let saved = try await request.db.transaction { db -> Bool in
            let changed = try await db.sql.update("partners")
                .set("name", to: details.name).set("email", to: details.email.value).set("webhook_url", to: details.webhookURL)
                .set("webhook_secret", to: secret).set("shares_resident_details", to: details.sharesResidentDetails)
                .set("version", to: version + 1).set("updated_at", to: now)
                .where("id", .equal, partner.id).where("version", .equal, version)
                .returning("id").all()
            guard !changed.isEmpty else { return false }
            try await Partners.replaceTakes(of: partner.id, with: takes, on: db)
            var changes = audited(before: partner, after: details, takes: (before, takes), data: data)
            if secret != partner.webhookSecret { changes.append(FieldChange(field: "Webhook secret", before: partner.webhookSecret == nil ? "" : "set", after: secret == nil ? "" : "changed")) }
            try await AuditTrail.record(action: "partner_changed", enquiryID: nil, actorID: request.currentUser?.id, changes: changes, at: now, on: db)
            return true
        }
        guard saved else {
            var errors = FormErrors()
            errors.add("name", "Someone else changed this partner while you were editing. Their changes are shown below; make yours again and save.")
            let fresh = try await find(request)
            return try await formPage(request, partner: fresh, form: Form(fresh, takes: try await Partners.takes(on: request.db)[fresh.id] ?? []),
                                      errors: errors, status: .conflict)
        }
        return request.seeOther("/admin/partners", flash: "Changes to \(details.name) have been saved.")
    }

    /// The audit trail's lines for a partner's details: each field that changed, before → after.
    /// The secret is never written there.
    private static func audited(before: Partner?, after: PartnerDetails, takes: (before: [PartnerTake], after: [PartnerTake]),
                                data: ReferenceData) -> [FieldChange] {
        let pairs: [(String, String, String)] = [
            ("Partner", before?.name ?? "", after.name),
            ("Email address", before?.email ?? "", after.email.value),
            ("Webhook address", before?.webhookUrl ?? "", after.webhookURL ?? ""),
            ("Resident's details shared", before.map { $0.sharesResidentDetails ? "yes" : "no" } ?? "", after.sharesResidentDetails ? "yes" : "no"),
            ("Enquiry types", takes.before.map { $0.label(data) }.sorted().joined(separator: "; "), takes.after.map { $0.label(data) }.sorted().joined(separator: "; ")),
        ]
        return pairs.filter { $0.1 != $0.2 }.map { FieldChange(field: $0.0, before: $0.1, after: $0.2) }
    }

    @Sendable static func deactivate(_ request: Request) async throws -> Response {
        try await setActive(false, request)
    }

    @Sendable static func reactivate(_ request: Request) async throws -> Response {
        try await setActive(true, request)
    }

    private static func setActive(_ active: Bool, _ request: Request) async throws -> Response {
        let partner = try await find(request)
        guard partner.isActive != active else { return request.seeOther("/admin/partners/\(partner.id)") }
        try await request.db.transaction { db in
            try await db.sql.update("partners").set("is_active", to: active).set("version", to: SQLRaw("version + 1")).set("updated_at", to: request.now)
                .where("id", .equal, partner.id).run()
            try await AuditTrail.record(action: active ? "partner_reactivated" : "partner_deactivated", enquiryID: nil, actorID: request.currentUser?.id,
                                        changes: [FieldChange(field: "Partner \(partner.name)", before: active ? "inactive" : "active", after: active ? "active" : "inactive")],
                                        at: request.now, on: db)
        }
        return request.seeOther("/admin/partners", flash: active
            ? "\(partner.name) has been reactivated: enquiries of its types are referred to it again."
            : "\(partner.name) has been deactivated: no more enquiries are referred to it. Links already sent still work.")
    }

    /// Sends a failed webhook again, with a new outcome link (the old one was forgotten when the
    /// delivery failed), unless its outcome has been recorded meanwhile.
    @Sendable static func retry(_ request: Request) async throws -> Response {
        guard let id = request.parameters.get("referralID", as: UUID.self) else { throw Abort(.notFound) }
        let now = request.now
        let token = SecureToken.make()
        let retried = try await request.db.transaction { db -> Bool in
            let ids = try await PartnerWebhooks.queue.retryFailed(at: now, also: [
                ("link_token", SQLBind(token)), ("token_hash", SQLBind(SecureToken.hash(token))),
                ("link_expires_at", SQLBind(now.addingTimeInterval(PartnerReferrals.linkLifetime))),
            ], on: db) { $0.where("id", .equal, id).where(SQLColumn("outcome_at"), .is, SQLLiteral.null) }
            guard !ids.isEmpty, let enquiryID = try await db.sql.select().column("enquiry_id").from("partner_referrals").where("id", .equal, id)
                .first()?.decode(column: "enquiry_id", as: UUID.self)
            else { return false }
            try await AuditTrail.record(action: "partner_referral_retried", enquiryID: enquiryID, actorID: request.currentUser?.id,
                                        detail: "The referral's webhook will be sent again, with a new outcome link", at: now, on: db)
            return true
        }
        return request.seeOther("/admin/partners", flash: retried
            ? "The referral will be sent again within a minute."
            : "That referral is not waiting to be retried: it may have been sent, retried already, or its outcome recorded.")
    }

    private static func find(_ request: Request) async throws -> Partner {
        guard let id = request.parameters.get("partnerID", as: UUID.self), let partner = try await Partners.find(id, on: request.db) else {
            throw Abort(.notFound)
        }
        return partner
    }
}
