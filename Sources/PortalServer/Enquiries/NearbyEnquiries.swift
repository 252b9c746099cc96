import Fluent
import Foundation
import PortalCore
import SQLKit

/// Open enquiries of the same type close to a spot, so that a Member placing a pothole can see it
/// is already reported. Each says only its reference, type, status and the day it was raised,
/// which tell nothing of the resident or the casework. How far away it is, and a link to it, only
/// for someone who may open it: otherwise asking from a few points would pin another Member's
/// enquiry to the metre.
enum NearbyEnquiries {
    static let radius: Double = 50
    static let limit = 10

    struct Nearby: Sendable, Codable, Equatable {
        let reference: String
        let type: String
        let status: String
        let raised: String
        /// Metres from the spot, for someone who may open it; nil otherwise ("within 50 m").
        let metres: Int?
        /// The enquiry's address, for someone who may open it; nil otherwise.
        let link: String?
    }

    /// The list as the form's map asks for it, with the sentence that heads it.
    struct Answer: Sendable, Codable {
        let summary: String
        let enquiries: [Nearby]

        init(_ enquiries: [Nearby]) {
            self.enquiries = enquiries
            summary = enquiries.isEmpty ? "" : EnquiryFormPage.nearbyHeading(enquiries.count)
        }
    }

    /// Open enquiries of `typeID` within 50 m of `point`, nearest first, leaving out `excluding`
    /// (the enquiry being edited). A box on the (easting, northing) index, then the exact distance.
    static func near(_ point: GridPoint, typeID: UUID, excluding: UUID? = nil, viewer: EnquiryAccess.Viewer, data: ReferenceData,
                     on db: any Database) async throws -> [Nearby] {
        let column = EnquirySearch.column
        let box = GridBounds(around: point, radius: radius)
        let readable: any SQLExpression = EnquiryAccess.visible(to: viewer).sql ?? SQLRaw("1 = 1")
        var select = db.sql.select()
        for name in ["id", "reference", "type_id", "status", "created_at", "easting", "northing"] { select = select.column(column(name)) }
        select = select
            .column(SQLAlias(SQLQueryString("CASE WHEN \(readable) THEN 1 ELSE 0 END"), as: SQLIdentifier("readable")))
            .from(Enquiry.schema)
            .where(column("easting"), .greaterThanOrEqual, SQLBind(box.minEasting)).where(column("easting"), .lessThanOrEqual, SQLBind(box.maxEasting))
            .where(column("northing"), .greaterThanOrEqual, SQLBind(box.minNorthing)).where(column("northing"), .lessThanOrEqual, SQLBind(box.maxNorthing))
            .where(column("type_id"), .equal, SQLBind(typeID))
            .where(column("status"), .in, SQLGroupExpression(EnquiryStatus.allCases.filter(\.isOpen).map { SQLBind($0.rawValue) }))
        if let excluding { select = select.where(column("id"), .notEqual, SQLBind(excluding)) }
        // Far more than a street holds; the newest, the same on either database.
        select = select.orderBy(SQLOrderBy(expression: column("created_at"), direction: SQLDirection.descending)).limit(500)
        let rows = try await select.all()
        return try rows.compactMap { row -> (Double, Nearby)? in
            let r = RowReader(row, on: db.sql)
            guard let at = GridPoint(easting: try r.double("easting"), northing: try r.double("northing")) else { return nil }
            let distance = at.distance(to: point)
            guard distance <= radius else { return nil }
            let readable = try r.int("readable") == 1
            return (distance, Nearby(reference: try r.string("reference"), type: data.name(try r.uuid("type_id")) ?? "",
                                     status: EnquiryStatus(rawValue: try r.string("status"))?.label ?? "",
                                     raised: try r.date("created_at").councilDate, metres: readable ? Int(distance.rounded()) : nil,
                                     link: readable ? "/enquiries/\(try r.uuid("id").uuidString)" : nil))
        }
        .sorted { ($0.0, $0.1.reference) < ($1.0, $1.1.reference) }
        .prefix(limit).map(\.1)
    }
}
