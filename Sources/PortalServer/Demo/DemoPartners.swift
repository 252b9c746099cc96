import Fluent
import Foundation
import PortalCore
import SQLKit

/// The demo council's partner: like the borough council in the seed, it refers pest control to
/// a shared regulatory service, which is the first point of contact, by email.
enum DemoPartners {
    static let pestControl = "Pest Control"
    static let pestControlSubtypes = ["Rats and mice", "Wasps and bees", "Bed bugs", "Cockroaches and other insects"]
    static let partnerName = "Shared Regulatory Service"
    static let partnerEmail = "referrals@regulatory.demo.test"

    /// Adds the enquiry type and the partner that takes it.
    static func load(on database: any Database, at now: Date) async throws {
        try await database.transaction { db in
            let type = EnquiryType(name: pestControl, needsLocation: false)
            try await type.create(on: db)
            let typeID = try type.requireID()
            for name in pestControlSubtypes { try await EnquirySubtype(typeID: typeID, name: name).create(on: db) }
            let partnerID = UUID()
            try await db.sql.insert(into: "partners")
                .columns("id", "name", "email", "webhook_url", "webhook_secret", "shares_resident_details", "is_active", "version", "created_at", "updated_at")
                .values(SQLBind(partnerID), SQLBind(partnerName), SQLBind(partnerEmail), SQLBind(String?.none), SQLBind(String?.none),
                        SQLBind(false), SQLBind(true), SQLBind(1), SQLBind(now), SQLBind(now))
                .run()
            try await Partners.replaceTakes(of: partnerID, with: [PartnerTake(typeID: typeID, subtypeID: nil)], on: db)
        }
    }
}
