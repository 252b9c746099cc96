import Fluent
import Foundation
import PortalCore
import SQLKit

/// Open enquiries of the same type close to a spot, so that a Member placing a pothole can see it
/// is already reported. Each says only its reference, type, status and the day it was raised,
/// which tell nothing of the resident or the casework; the reference links to the enquiry only
/// for someone who may open it.
enum NearbyEnquiries {
    static let radius: Double = 50
    static let limit = 10

    struct Nearby: Sendable, Codable, Equatable {
        let id: UUID
        let reference: String
        let type: String
        let status: String
        let raised: String
        let metres: Int
        /// The enquiry's address, for someone who may open it; nil otherwise.
        let link: String?
    }

    private struct Row: Decodable {
        let id: UUID
        let reference: String
        let type_id: UUID
        let status: String
        let created_at: Date
        let easting: Double
        let northing: Double
        let readable: Int
    }

    /// Open enquiries of `typeID` within 50 m of `point`, nearest first, leaving out `excluding`
    /// (the enquiry being edited). A box on the (easting, northing) index, then the exact distance.
    static func near(_ point: GridPoint, typeID: UUID, excluding: UUID? = nil, viewer: EnquiryAccess.Viewer, data: ReferenceData,
                     on db: any Database) async throws -> [Nearby] {
        func column(_ name: String) -> SQLColumn { SQLColumn(name, table: Enquiry.schema) }
        let readable: any SQLExpression = EnquiryAccess.visible(to: viewer).sql ?? SQLRaw("1 = 1")
        var select = db.sql.select()
            .columns(column("id"), column("reference"), column("type_id"), column("status"), column("created_at"), column("easting"), column("northing"))
            .column(SQLAlias(SQLQueryString("CASE WHEN \(readable) THEN 1 ELSE 0 END"), as: SQLIdentifier("readable")))
            .from(Enquiry.schema)
            .where(column("easting"), .greaterThanOrEqual, SQLBind(point.easting - radius))
            .where(column("easting"), .lessThanOrEqual, SQLBind(point.easting + radius))
            .where(column("northing"), .greaterThanOrEqual, SQLBind(point.northing - radius))
            .where(column("northing"), .lessThanOrEqual, SQLBind(point.northing + radius))
            .where(column("type_id"), .equal, SQLBind(typeID))
            .where(column("status"), .in, SQLGroupExpression(EnquiryStatus.allCases.filter(\.isOpen).map { SQLBind($0.rawValue) }))
        if let excluding { select = select.where(column("id"), .notEqual, SQLBind(excluding)) }
        let rows = try await select.limit(200).all(decoding: Row.self)
        return rows.compactMap { row -> (Double, Nearby)? in
            guard let at = GridPoint(easting: row.easting, northing: row.northing) else { return nil }
            let distance = at.distance(to: point)
            guard distance <= radius else { return nil }
            return (distance, Nearby(id: row.id, reference: row.reference, type: data.name(row.type_id) ?? "",
                                     status: EnquiryStatus(rawValue: row.status)?.label ?? row.status,
                                     raised: row.created_at.councilDate, metres: Int(distance.rounded()),
                                     link: row.readable == 1 ? "/enquiries/\(row.id.uuidString)" : nil))
        }
        .sorted { ($0.0, $0.1.reference) < ($1.0, $1.1.reference) }
        .prefix(limit).map(\.1)
    }
}
