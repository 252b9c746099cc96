import Fluent
import Foundation
import PortalCore
import SQLKit

/// A partner organisation as the portal keeps it (`partners`), with the enquiry types it takes.
struct Partner: Sendable, Decodable {
    let id: UUID
    let name: String
    let email: String
    let webhookUrl: String?
    let webhookSecret: String?
    let sharesResidentDetails: Bool
    let isActive: Bool
    let version: Int

    /// How a referral to it goes: by webhook when it has one, otherwise by email.
    var method: PartnerReferrals.Method { webhookUrl == nil ? .email : .webhook }

    static let columns = ["id", "name", "email", "webhook_url", "webhook_secret", "shares_resident_details", "is_active", "version"]
}

/// One enquiry type a partner takes: the whole type, or one of its sub-types.
struct PartnerTake: Hashable, Sendable {
    let typeID: UUID
    let subtypeID: UUID?

    /// As a checkbox posts it: the type's id, or the type's and the sub-type's joined by a slash.
    var value: String { typeID.uuidString + (subtypeID.map { "/" + $0.uuidString } ?? "") }

    init(typeID: UUID, subtypeID: UUID?) {
        self.typeID = typeID
        self.subtypeID = subtypeID
    }

    init?(value: String) {
        let parts = value.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let type = UUID(uuidString: String(parts[0])) else { return nil }
        typeID = type
        if parts.count == 2 {
            guard let subtype = UUID(uuidString: String(parts[1])) else { return nil }
            subtypeID = subtype
        } else {
            subtypeID = nil
        }
    }

    /// In words, by the council's names for types and sub-types.
    func label(_ data: ReferenceData) -> String {
        let type = data.name(typeID) ?? "A removed type"
        guard let subtypeID else { return type }
        return "\(type): \(data.name(subtypeID) ?? "a removed sub-type")"
    }
}

/// Reading and writing partners.
enum Partners {
    static func all(on db: any Database) async throws -> [Partner] {
        try await db.sql.select().columns(Partner.columns).from("partners").orderBy("name")
            .all(decoding: Partner.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    static func find(_ id: UUID, on db: any Database) async throws -> Partner? {
        try await db.sql.select().columns(Partner.columns).from("partners").where("id", .equal, id)
            .first(decoding: Partner.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// What each partner takes, by partner.
    static func takes(on db: any Database) async throws -> [UUID: [PartnerTake]] {
        let rows = try await db.sql.select().columns("partner_id", "type_id", "subtype_id").from("partner_enquiry_types").all()
        var takes: [UUID: [PartnerTake]] = [:]
        for row in rows {
            takes[try row.decode(column: "partner_id", as: UUID.self), default: []]
                .append(PartnerTake(typeID: try row.decode(column: "type_id", as: UUID.self), subtypeID: try row.decode(column: "subtype_id", as: UUID?.self)))
        }
        return takes
    }

    /// The active partners an enquiry of this type and sub-type goes to.
    static func taking(type: UUID, subtype: UUID?, on db: any Database) async throws -> [Partner] {
        let matches = SQLBinaryExpression(
            left: SQLColumn("subtype_id", table: "partner_enquiry_types"), op: SQLBinaryOperator.is, right: SQLLiteral.null)
        let subtypeMatches: any SQLExpression = subtype.map { subtype in
            SQLGroupExpression(SQLBinaryExpression(left: matches, op: SQLBinaryOperator.or,
                                                   right: SQLBinaryExpression(left: SQLColumn("subtype_id", table: "partner_enquiry_types"), op: SQLBinaryOperator.equal, right: SQLBind(subtype))))
        } ?? matches
        return try await db.sql.select().distinct().columns(Partner.columns.map { SQLColumn($0, table: "partners") })
            .from("partners")
            .join("partner_enquiry_types", on: SQLColumn("partner_id", table: "partner_enquiry_types"), .equal, SQLColumn("id", table: "partners"))
            .where(SQLColumn("type_id", table: "partner_enquiry_types"), .equal, SQLBind(type))
            .where(subtypeMatches)
            .where(SQLColumn("is_active", table: "partners"), .equal, SQLBind(true))
            .orderBy(SQLColumn("name", table: "partners"))
            .all(decoding: Partner.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// Replaces what a partner takes, inside the caller's transaction.
    static func replaceTakes(of partner: UUID, with takes: [PartnerTake], on db: any Database) async throws {
        try await db.sql.delete(from: "partner_enquiry_types").where("partner_id", .equal, partner).run()
        guard !takes.isEmpty else { return }
        try await db.sql.insert(into: "partner_enquiry_types").columns("id", "partner_id", "type_id", "subtype_id")
            .rows(takes.map { [SQLBind(UUID()), SQLBind(partner), SQLBind($0.typeID), SQLBind($0.subtypeID)] }).run()
    }
}
