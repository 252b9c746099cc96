import Foundation
import PortalCore

/// The fixed list of request types the fake highways system offers, with the extra questions
/// (Open311 "attributes") each one asks.
struct FakeHighwaysService: Sendable {
    enum Kind: String, Sendable {
        /// The new request's id is in the answer to the POST.
        case realtime
        /// The answer carries a token that becomes an id later.
        case batch
    }

    struct Attribute: Sendable {
        let code: String
        let datatype: String
        let required: Bool
        /// False for a value the client fills in itself rather than asking a person.
        let variable: Bool
        /// mySociety's extension: `server_set` or `hidden_field`.
        let automated: String?
        let order: Int
        let description: String
        let values: [(key: String, name: String)]

        init(_ code: String, _ datatype: String, required: Bool, variable: Bool = true, automated: String? = nil,
             order: Int, description: String, values: [(key: String, name: String)] = []) {
            self.code = code
            self.datatype = datatype
            self.required = required
            self.variable = variable
            self.automated = automated
            self.order = order
            self.description = description
            self.values = values
        }
    }

    let code: String
    let name: String
    let description: String
    let kind: Kind
    let keywords: String
    let groups: [String]
    let attributes: [Attribute]
    /// Days from the report to the expected fix: the service's service level.
    let expectedDays: Int
    let notice: String

    var metadata: Bool { !attributes.isEmpty }

    static let catalogue: [FakeHighwaysService] = [
        FakeHighwaysService(
            code: "HWY-DEFECT", name: "Highway defect", description: "A pothole, a broken kerb or an obstruction in the road or pavement.",
            kind: .realtime, keywords: "pothole, road, pavement, kerb", groups: ["Roads and pavements"],
            attributes: [
                Attribute("portal_reference", "string", required: true, variable: false, automated: "server_set", order: 1,
                          description: "The reference of the enquiry in the sending system"),
                Attribute("hazard", "singlevaluelist", required: false, order: 2, description: "What kind of defect is it?",
                          values: [("pothole", "Pothole"), ("kerb", "Damaged kerb"), ("obstruction", "Obstruction"), ("other", "Something else")]),
            ],
            expectedDays: 5, notice: "An inspector will look at the defect within 5 working days."),
        FakeHighwaysService(
            code: "HWY-LIGHT", name: "Street light fault", description: "A street light that is out, on during the day or damaged.",
            kind: .realtime, keywords: "lamp, lighting, column", groups: ["Street lighting"],
            attributes: [
                Attribute("central_asset_id", "string", required: true, automated: "hidden_field", order: 1,
                          description: "The street light's asset number"),
                Attribute("fault", "singlevaluelist", required: false, order: 2, description: "What is wrong with the light?",
                          values: [("out", "Not working"), ("day-burning", "On during the day"), ("damaged", "Damaged")]),
            ],
            expectedDays: 7, notice: "Street light faults are repaired within 7 working days."),
        FakeHighwaysService(
            code: "HWY-GULLY", name: "Blocked gully or drain", description: "A road gully or drain that is blocked or overflowing.",
            kind: .realtime, keywords: "drain, gully, flooding", groups: ["Drainage", "Roads and pavements"],
            attributes: [
                Attribute("central_asset_id", "string", required: true, automated: "hidden_field", order: 1,
                          description: "The gully's asset number"),
            ],
            expectedDays: 10, notice: "Blocked gullies are cleared within 10 working days."),
        FakeHighwaysService(
            code: "HWY-GRIT", name: "Grit bin", description: "A grit bin that is empty, damaged or missing.",
            kind: .batch, keywords: "grit, salt, winter", groups: ["Winter"],
            attributes: [
                Attribute("central_asset_id", "string", required: true, automated: "hidden_field", order: 1,
                          description: "The grit bin's asset number"),
            ],
            expectedDays: 14, notice: "Grit bins are refilled on the next winter round."),
        FakeHighwaysService(
            code: "HWY-SIGN", name: "Vehicle activated sign", description: "A speed sign that flashes wrongly or not at all.",
            kind: .realtime, keywords: "speed, sign", groups: ["Road safety"], attributes: [],
            expectedDays: 28, notice: "Vehicle activated signs are checked within 28 days."),
    ]

    static func named(_ code: String) -> FakeHighwaysService? { catalogue.first { $0.code == code } }

    /// The service's entry in GET services.
    var listEntry: Open311Value {
        .record([
            .init("service_code", .text(code)),
            .init("service_name", .text(name)),
            .init("description", .text(description)),
            .init("metadata", .bool(metadata)),
            .init("type", .text(kind.rawValue)),
            .init("keywords", .text(keywords)),
            .init("group", .text(groups[0])),
            .init("groups", .list(item: "group", groups.map(Open311Value.text))),
        ])
    }

    /// The answer to GET services/{code}.
    var definition: Open311Value {
        .record([
            .init("service_code", .text(code)),
            .init("attributes", .list(item: "attribute", attributes.map { attribute in
                var fields: [Open311Value.Field] = [
                    .init("variable", .bool(attribute.variable)),
                    .init("code", .text(attribute.code)),
                    .init("datatype", .text(attribute.datatype)),
                    .init("required", .bool(attribute.required)),
                    .init("datatype_description", .absent),
                    .init("order", .integer(attribute.order)),
                    .init("description", .text(attribute.description)),
                ]
                if let automated = attribute.automated { fields.append(.init("automated", .text(automated))) }
                if !attribute.values.isEmpty {
                    fields.append(.init("values", .list(item: "value", attribute.values.map {
                        .record([.init("key", .text($0.key)), .init("name", .text($0.name))])
                    })))
                }
                return .record(fields)
            })),
        ])
    }

    /// The discovery document for an endpoint at `url`.
    static func discovery(url: String) -> Open311Value {
        .record([
            .init("changeset", .text("2026-01-01T00:00:00Z")),
            .init("contact", .text("Highways back office (a stand-in for tests and demonstrations)")),
            .init("key_service", .text("The api_key is given when the stand-in is started.")),
            .init("endpoints", .list(item: "endpoint", [
                .record([
                    .init("specification", .text("http://wiki.open311.org/GeoReport_v2")),
                    .init("url", .text(url)),
                    .init("changeset", .text("2026-01-01T00:00:00Z")),
                    .init("type", .text("test")),
                    .init("formats", .list(item: "format", Open311Format.allCases.map { .text(String($0.contentType.prefix { $0 != ";" })) })),
                ]),
            ])),
        ])
    }
}
