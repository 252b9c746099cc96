import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// What the council decides about its email, set by an administrator on the email page.
struct CouncilMailSettings: Sendable, Equatable {
    /// Whether emails about an enquiry carry the resident's name, address and contact details.
    /// Off unless the council switches it on: email is not a secure channel.
    var residentDetails: Bool
    /// When the daily digest goes, in minutes after local midnight.
    var digestAt: Int
    var version: Int

    static let standard = CouncilMailSettings(residentDetails: false, digestAt: 7 * 60, version: 1)

    static func load(on db: any Database) async throws -> CouncilMailSettings {
        guard let row = try await db.sql.select().columns("resident_details", "digest_at", "version").from("council_mail_settings")
            .where("id", .equal, 1).first()
        else { return .standard }
        return CouncilMailSettings(residentDetails: try row.decode(column: "resident_details", as: Bool.self),
                                   digestAt: try row.decode(column: "digest_at", as: Int.self),
                                   version: try row.decode(column: "version", as: Int.self))
    }
}

extension OutboxRoutes {
    struct SettingsForm: Content {
        var residentDetails: String?
        var digestAt: String?
        /// As posted: read with `RequestNumber.version`.
        var version: String?

        enum CodingKeys: String, CodingKey {
            case residentDetails = "resident-details", digestAt = "digest-at", version
        }
    }

    /// Saves the council's email settings, refusing to overwrite another administrator's change.
    @Sendable static func saveSettings(_ request: Request) async throws -> Response {
        let form = try request.content.decode(SettingsForm.self)
        var errors = FormErrors()
        let digestText = (form.digestAt ?? "").trimmingWhitespace()
        let digestAt = WorkingDayForm.minutes(digestText)
        if digestAt == nil { errors.add("digest-at", digestText.isEmpty ? "Enter the time of the daily email" : "Enter the time of the daily email as hours and minutes, like 07:00") }
        guard let digestAt, errors.isEmpty else { return try await respond(request, settingsForm: form, errors: errors) }
        let residentDetails = form.residentDetails == "on"
        let before = try await CouncilMailSettings.load(on: request.db)
        let version = RequestNumber.version(form.version) ?? -1
        let saved = try await request.db.transaction { db -> Bool in
            let claimed = try await db.sql.update("council_mail_settings")
                .set("resident_details", to: residentDetails).set("digest_at", to: digestAt).set("version", to: version + 1)
                .where("id", .equal, 1).where("version", .equal, version)
                .returning("id").all()
            guard !claimed.isEmpty else { return false }
            let changes = AuditTrail.changes(
                from: ["Resident details in email": before.residentDetails ? "Yes" : "No", "Daily email at": WorkingDayForm.text(before.digestAt)],
                to: ["Resident details in email": residentDetails ? "Yes" : "No", "Daily email at": WorkingDayForm.text(digestAt)])
            try await AuditTrail.record(action: "mail_settings", enquiryID: nil, actorID: request.currentUser?.id, changes: changes, at: request.now, on: db)
            return true
        }
        guard saved else {
            errors.add("digest-at", "Someone else changed the email settings while you were editing. Their settings are shown below; make your change again.")
            return try await respond(request, errors: errors, status: .conflict)
        }
        return request.seeOther("/admin/email", flash: "The email settings have been saved.")
    }
}
