import Fluent
import Foundation
import PortalCore
import SQLKit

/// A report for the highways system: written to `highways_sends` in the same transaction as the
/// change that causes it, and delivered by `HighwaysSender`.
enum HighwaysSend {
    enum State: String, CaseIterable, Sendable {
        /// Waiting to go (again), at `next_attempt_at`.
        case queued
        /// A sender has posted it, or is about to; if its claim runs out, the sender died and
        /// the outcome is unknown.
        case sending
        /// Posted, but no answer came back: the system is asked whether it has it before any retry.
        case unknown
        /// The system gave a token; its request id comes later (`GET tokens/{token}`).
        case awaitingID = "awaiting_id"
        case sent
        /// The portal cannot tell whether the system has it: an administrator decides.
        case held
        /// The system refused it (a 4xx): an administrator corrects the mapping and retries.
        case failed

        /// Still the sender's to deal with.
        static let active: [State] = [.queued, .sending, .unknown, .awaitingID]
        /// Waiting for an administrator.
        static let stuck: [State] = [.held, .failed]

        var label: String {
            switch self {
            case .queued: "Waiting to be sent"
            case .sending: "Being sent"
            case .unknown: "Sent, checking it arrived"
            case .awaitingID: "Sent, waiting for the system's reference"
            case .sent: "Sent"
            case .held: "Needs an administrator: the portal cannot tell whether it arrived"
            case .failed: "Refused by the highways system"
            }
        }
    }

    /// The line by which the portal finds its own report in the system's list: the first of its
    /// description, naming the enquiry and this report of it (an enquiry sent again is a second
    /// report with a line of its own).
    static func referenceLine(_ reference: String, send: UUID) -> String {
        "Member Portal reference: \(reference) (report \(send.uuidString.prefix(8).lowercased()))"
    }

    /// Whether a description opens with exactly this line.
    static func opensWith(_ line: String) -> (String) -> Bool {
        { description in
            description.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
                .first.map { $0.trimmingCharacters(in: .whitespaces) == line } ?? false
        }
    }
}

/// Reports sent to the highways system over Open311.
enum HighwaysSends {
    /// Where an attribute's value comes from, as the administrator mapped it.
    struct AttributeSource: Codable, Sendable, Equatable {
        enum Source: String, Codable, Sendable, CaseIterable {
            /// The id of the asset picked on the map.
            case asset
            /// The enquiry's reference.
            case reference
            /// A value the administrator chose.
            case fixed
            /// Left out.
            case none
        }

        var code: String
        var source: Source
        var value: String?
    }

    /// The service an enquiry goes to: the mapping for its type, sub-type and asset layer, the
    /// most particular first.
    struct Mapping: Sendable {
        let serviceCode: String
        let attributes: [AttributeSource]
    }

    static func mapping(for enquiry: Enquiry, on db: any Database) async throws -> Mapping? {
        let rows = try await db.sql.select().columns("subtype_id", "asset_layer_id", "service_code", "attributes").from("highways_services")
            .where("type_id", .equal, enquiry.$type.id).all(decoding: MappingRow.self)
        let fitting = rows.filter { row in
            (row.subtype_id == nil || row.subtype_id == enquiry.$subtype.id) && (row.asset_layer_id == nil || row.asset_layer_id == enquiry.assetLayerID)
        }
        guard let best = fitting.max(by: { $0.particularity < $1.particularity }) else { return nil }
        let attributes = (try? JSONDecoder().decode([AttributeSource].self, from: Data(best.attributes.utf8))) ?? []
        return Mapping(serviceCode: best.service_code, attributes: attributes)
    }

    private struct MappingRow: Decodable {
        let subtype_id: UUID?
        let asset_layer_id: UUID?
        let service_code: String
        let attributes: String
        var particularity: Int { (subtype_id == nil ? 0 : 2) + (asset_layer_id == nil ? 0 : 1) }
    }

    /// The form fields of the report, as they will be posted every time.
    static func fields(for enquiry: Enquiry, mapping: Mapping, send: UUID) -> [(String, String)] {
        var fields: [(String, String)] = [("service_code", mapping.serviceCode)]
        if let latitude = enquiry.latitude, let longitude = enquiry.longitude {
            fields.append(("lat", String(format: "%.6f", latitude)))
            fields.append(("long", String(format: "%.6f", longitude)))
        }
        if let place = enquiry.location?.trimmingWhitespace(), !place.isEmpty {
            fields.append(("address_string", String(TextRules.oneLine(place).prefix(250))))
        } else if enquiry.latitude == nil, let label = enquiry.assetLabel {
            fields.append(("address_string", String(TextRules.oneLine(label).prefix(250))))
        }
        let line = HighwaysSend.referenceLine(enquiry.reference, send: send)
        let room = Open311.maximumDescriptionLength - line.count - 2
        let text = [enquiry.subject, enquiry.details].filter { !$0.isEmpty }.joined(separator: "\n\n")
        fields.append(("description", line + "\n\n" + String(text.prefix(max(0, room)))))
        for attribute in mapping.attributes {
            let value: String? = switch attribute.source {
            case .asset: enquiry.assetReference
            case .reference: enquiry.reference
            case .fixed: attribute.value
            case .none: nil
            }
            if let value, !value.isEmpty { fields.append(("attribute[\(attribute.code)]", value)) }
        }
        return fields
    }

    /// Queues the enquiry's report when its type goes to the highways system and it has none on
    /// its way or sent already: converting a type back and forth sends it once.
    static func queue(for enquiry: Enquiry, because cause: OutsideSystems.Cause, at now: Date, on db: any Database) async throws {
        let settings = try await HighwaysSettings.load(on: db)
        guard settings.enabled, let mapping = try await mapping(for: enquiry, on: db) else { return }
        let id = try enquiry.requireID()
        let existing = try await db.sql.select().column("id").from("highways_sends").where("enquiry_id", .equal, id)
            .where("state", .notEqual, HighwaysSend.State.failed.rawValue).first()
        guard existing == nil else { return }
        try await insert(enquiry, mapping: mapping, by: nil, at: now, on: db)
    }

    static func insert(_ enquiry: Enquiry, mapping: Mapping, by user: UUID?, at now: Date, on db: any Database) async throws {
        let id = UUID()
        let body = try JSONEncoder().encode(fields(for: enquiry, mapping: mapping, send: id).map { [$0.0, $0.1] })
        try await db.sql.insert(into: "highways_sends")
            .columns("id", "enquiry_id", "reference", "service_code", "body", "state", "attempts", "next_attempt_at", "queued_by", "created_at")
            .values(SQLBind(id), SQLBind(try enquiry.requireID()), SQLBind(enquiry.reference), SQLBind(mapping.serviceCode),
                    SQLBind(String(decoding: body, as: UTF8.self)), SQLBind(HighwaysSend.State.queued.rawValue), SQLBind(0), SQLBind(now),
                    SQLBind(user), SQLBind(now))
            .run()
    }
}
