import Fluent
import Foundation
import PortalCore
import SQLKit

/// What a partner organisation is told of an enquiry referred to it: what the Member wrote for the
/// officer, where, about which asset, how urgent, and when it was raised. Never the Member's
/// conversation with the council, its internal notes or its questions to officers; the resident's
/// name and contact details only for a partner that shares them under an agreement.
struct PartnerReferralFacts: Codable, Sendable, Equatable {
    struct Asset: Codable, Sendable, Equatable {
        let reference: String
        let label: String
    }

    struct Resident: Codable, Sendable, Equatable {
        let name: String?
        let address: String?
        let phone: String?
        let email: String?
    }

    let reference: String
    let type: String
    let subtype: String?
    let subject: String
    let details: String
    let location: String?
    let gridReference: String?
    let easting: Double?
    let northing: Double?
    let latitude: Double?
    let longitude: Double?
    let asset: Asset?
    let district: String?
    let division: String?
    let parish: String?
    /// "Normal" or "Urgent".
    let urgency: String
    let raisedAt: Date
    let resident: Resident?

    /// The enquiry's facts as they stand in the database (inside the caller's transaction, so a
    /// change just written is seen), in one query.
    static func load(_ enquiryID: UUID, withResident: Bool, on db: any Database) async throws -> PartnerReferralFacts? {
        guard let row = try await db.sql.raw("""
            SELECT e.reference, e.subject, e.details, e.location, e.easting, e.northing, e.latitude, e.longitude,
                   e.asset_reference, e.asset_label, e.urgency, e.submitted_at, e.created_at,
                   e.resident_name, e.resident_address, e.resident_phone, e.resident_email,
                   t.name AS type_name, s.name AS subtype_name, d.name AS district_name, v.name AS division_name, p.name AS parish_name
            FROM enquiries e
            JOIN enquiry_types t ON t.id = e.type_id
            LEFT JOIN enquiry_subtypes s ON s.id = e.subtype_id
            LEFT JOIN districts d ON d.id = e.district_id
            LEFT JOIN divisions v ON v.id = e.division_id
            LEFT JOIN parishes p ON p.id = e.parish_id
            WHERE e.id = \(bind: enquiryID)
            """).first()
        else { return nil }
        let read = RowReader(row, on: db.sql)
        func optional(_ column: String) throws -> String? { try read.optionalString(column).flatMap { $0.isEmpty ? nil : $0 } }
        func number(_ column: String) throws -> Double? { try read.isNull(column) ? nil : read.double(column) }
        let point: GridPoint? = try number("easting").flatMap { easting in try number("northing").flatMap { GridPoint(easting: easting, northing: $0) } }
        let asset = try optional("asset_reference").map { Asset(reference: $0, label: try optional("asset_label") ?? $0) }
        let resident = withResident
            ? Resident(name: try optional("resident_name"), address: try optional("resident_address"),
                       phone: try optional("resident_phone"), email: try optional("resident_email"))
            : nil
        return PartnerReferralFacts(
            reference: try read.string("reference"), type: try read.string("type_name"), subtype: try optional("subtype_name"),
            subject: try read.string("subject"), details: try read.string("details"), location: try optional("location"),
            gridReference: point.flatMap(GridReference.text), easting: point?.easting, northing: point?.northing,
            latitude: try number("latitude"), longitude: try number("longitude"), asset: asset,
            district: try optional("district_name"), division: try optional("division_name"), parish: try optional("parish_name"),
            urgency: (Urgency(rawValue: try read.string("urgency")) ?? .normal).label,
            raisedAt: try read.optionalDate("submitted_at") ?? read.date("created_at"), resident: resident)
    }

    /// The facts as labelled lines, for the email and the pages.
    var rows: [(String, String)] {
        var rows: [(String, String)] = [
            ("Reference", reference),
            ("Type", [type, subtype].compactMap { $0 }.joined(separator: ": ")),
            ("Subject", subject),
            ("Details", details.isEmpty ? "Not given" : details),
            ("Location", location ?? "Not given"),
        ]
        if let easting, let northing, let point = GridPoint(easting: easting, northing: northing) {
            rows.append(("Grid reference", gridReference.map { "\($0) (easting and northing \(point.text))" } ?? point.text))
        }
        if let latitude, let longitude, let point = GeoPoint(latitude: latitude, longitude: longitude) {
            rows.append(("Latitude and longitude", point.text))
        }
        if let asset { rows.append(("Asset", asset.label == asset.reference ? asset.reference : "\(asset.label) (\(asset.reference))")) }
        let place = [parish, division, district].compactMap { $0 }
        if !place.isEmpty { rows.append(("Parish, division and district", place.joined(separator: ", "))) }
        rows.append(("Urgency", urgency))
        rows.append(("Raised", raisedAt.councilDate))
        if let resident {
            let contact = [resident.name, resident.address, resident.phone, resident.email].compactMap { $0 }
            rows.append(("Resident", contact.isEmpty ? "Not given" : contact.joined(separator: ", ")))
        }
        return rows
    }

    /// The facts as an email's text: one line each, the details as written.
    var text: String {
        rows.map { label, value in value.contains("\n") ? "\(label):\n\(value)" : "\(label): \(value)" }.joined(separator: "\n")
    }
}
