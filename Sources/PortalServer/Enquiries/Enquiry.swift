import Fluent
import Foundation
import PortalCore

/// An enquiry. Resident personal data lives only in the `resident_*` columns, so it can be
/// exported and erased without touching anything else.
final class Enquiry: Model, @unchecked Sendable {
    static let schema = "enquiries"

    @ID(key: .id) var id: UUID?
    @Field(key: "reference") var reference: String
    @Parent(key: "member_id") var member: User
    @Parent(key: "raised_by_id") var raisedBy: User
    @Enum(key: "channel") var channel: EnquiryChannel
    @Parent(key: "service_area_id") var serviceArea: ServiceArea
    @Parent(key: "type_id") var type: EnquiryType
    @OptionalParent(key: "subtype_id") var subtype: EnquirySubtype?
    @Field(key: "subject") var subject: String
    @Field(key: "details") var details: String
    // Resident personal data.
    @OptionalField(key: "resident_name") var residentName: String?
    @OptionalField(key: "resident_address") var residentAddress: String?
    @OptionalField(key: "resident_phone") var residentPhone: String?
    @OptionalField(key: "resident_email") var residentEmail: String?
    @OptionalField(key: "location") var location: String?
    // Where it is, on the grid and as latitude and longitude (nil for enquiries placed by words alone).
    @OptionalField(key: "easting") var easting: Double?
    @OptionalField(key: "northing") var northing: Double?
    @OptionalField(key: "latitude") var latitude: Double?
    @OptionalField(key: "longitude") var longitude: Double?
    /// The asset it is about: its layer, the council's reference for it, and its label.
    @OptionalField(key: "asset_layer_id") var assetLayerID: UUID?
    @OptionalField(key: "asset_reference") var assetReference: String?
    @OptionalField(key: "asset_label") var assetLabel: String?
    @Enum(key: "urgency") var urgency: Urgency
    @OptionalParent(key: "district_id") var district: District?
    @OptionalParent(key: "division_id") var division: Division?
    @OptionalParent(key: "parish_id") var parish: Parish?
    @OptionalParent(key: "works_area_id") var worksArea: WorksArea?
    @Enum(key: "status") var status: EnquiryStatus
    /// The co-ordinator handling it.
    @OptionalParent(key: "handler_id") var handler: User?
    /// True while a Member's question or update request waits for the co-ordinator.
    @Field(key: "awaiting_reply") var awaitingReply: Bool
    @Field(key: "reopen_count") var reopenCount: Int
    @Field(key: "version") var version: Int
    /// Set from the hidden key of the form that created it, so a double submission creates one enquiry.
    @OptionalField(key: "submission_key") var submissionKey: String?
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "submitted_at") var submittedAt: Date?
    @OptionalField(key: "completed_at") var completedAt: Date?
    @OptionalField(key: "closed_at") var closedAt: Date?
    @Field(key: "last_activity_at") var lastActivityAt: Date
    // Service levels (see ServiceLevelTracking): local dates as YYYY-MM-DD.
    /// Day 0 of the working-day count: the day it was submitted, or the next working day.
    @OptionalField(key: "received_on") var receivedOn: String?
    @OptionalField(key: "first_response_due") var firstResponseDue: String?
    /// Day 0 of the completion count: `receivedOn`, or the day of the latest reopening.
    @OptionalField(key: "completion_counted_from") var completionCountedFrom: String?
    @OptionalField(key: "completion_due") var completionDue: String?
    /// The deadline the enquiry is working to now; empty when nothing is due (draft, completed, closed).
    @OptionalField(key: "next_due") var nextDue: String?
    /// While completed: the last day of the follow-up window, after which the portal closes it
    /// unless the Member has confirmed or reopened it (`FollowUpWindow`); nil otherwise.
    @OptionalField(key: "follow_up_until") var followUpUntil: String?
    @OptionalField(key: "first_response_at") var firstResponseAt: Date?
    @OptionalField(key: "first_response_days") var firstResponseDays: Int?
    @OptionalField(key: "completion_days") var completionDays: Int?
    /// The officer who raised it for the Member asked to hear of its updates and final response.
    @OptionalField(key: "raiser_follows") var raiserFollows: Bool?
    /// The local month of `createdAt` as `YYYY-MM-01`, kept beside it so reports by month group
    /// on a column instead of converting every enquiry's time.
    @OptionalField(key: "raised_month") var raisedMonth: String?

    init() {}

    /// The fields the audit trail records before → after, as text.
    /// What the audit trail compares before and after each change: every editable detail
    /// (`EnquiryField`) as its form shows it, urgency in words, and the fields the workflow sets.
    var auditedFields: [String: String] {
        var fields: [String: String] = [:]
        for field in EnquiryField.allCases { fields[field.auditLabel] = text(of: field) }
        fields[EnquiryField.urgency.auditLabel] = urgency.label
        fields[EnquiryField.asset.auditLabel] = asset?.name ?? ""
        fields["Works area"] = $worksArea.id?.uuidString ?? ""
        fields["Status"] = status.officerLabel
        fields["Handler"] = $handler.id?.uuidString ?? ""
        fields["Response due"] = firstResponseDue ?? ""
        fields["Completion due"] = completionDue ?? ""
        return fields
    }

    /// One detail as the form shows it.
    func text(of field: EnquiryField) -> String {
        switch field.column {
        case .text(let column, _): self[keyPath: column].wrappedValue
        case .optionalText(let column, _): self[keyPath: column].wrappedValue ?? ""
        case .choice(let column, _): self[keyPath: column].wrappedValue.uuidString
        case .optionalChoice(let column, _): self[keyPath: column].wrappedValue?.uuidString ?? ""
        case .urgency: urgency.rawValue
        case .point: point.flatMap(GridReference.text) ?? ""
        case .asset: asset?.key ?? ""
        }
    }

    /// Its point on the grid, when it has one.
    var point: GridPoint? {
        guard let easting, let northing else { return nil }
        return GridPoint(easting: easting, northing: northing)
    }

    var asset: AssetChoice? {
        guard let assetLayerID, let assetReference, let point else { return nil }
        return AssetChoice(layerID: assetLayerID, reference: assetReference, label: assetLabel ?? assetReference, point: point)
    }

    /// Takes every detail from a checked form.
    func apply(_ valid: EnquiryForm.Valid) {
        for field in EnquiryField.allCases {
            switch field.column {
            case .text(let column, let value): self[keyPath: column].wrappedValue = valid[keyPath: value]
            case .optionalText(let column, let value): self[keyPath: column].wrappedValue = valid[keyPath: value]
            case .choice(let column, let value): self[keyPath: column].wrappedValue = valid[keyPath: value]
            case .optionalChoice(let column, let value): self[keyPath: column].wrappedValue = valid[keyPath: value]
            case .urgency: urgency = valid.urgency
            // Written only when they change, so an enquiry placed by words alone writes none of them.
            case .point where valid.point != point:
                let geo = valid.point.map(BritishNationalGrid.geo)
                easting = valid.point?.easting
                northing = valid.point?.northing
                latitude = geo?.latitude
                longitude = geo?.longitude
            case .asset where valid.asset != asset:
                assetLayerID = valid.asset?.layerID
                assetReference = valid.asset?.reference
                assetLabel = valid.asset?.label
            case .point, .asset: break
            }
        }
    }

    var form: EnquiryForm { EnquiryForm { key in EnquiryField(rawValue: key).map(text(of:)) } }
}

final class EnquiryType: Model, @unchecked Sendable {
    static let schema = "enquiry_types"

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    @Field(key: "needs_location") var needsLocation: Bool
    @Field(key: "is_active") var isActive: Bool
    @Children(for: \.$type) var subtypes: [EnquirySubtype]

    init() {}
    init(name: String, needsLocation: Bool) {
        self.name = name
        self.needsLocation = needsLocation
        self.isActive = true
    }
}

final class EnquirySubtype: Model, @unchecked Sendable {
    static let schema = "enquiry_subtypes"

    @ID(key: .id) var id: UUID?
    @Parent(key: "type_id") var type: EnquiryType
    @Field(key: "name") var name: String

    init() {}
    init(typeID: UUID, name: String) {
        self.$type.id = typeID
        self.name = name
    }
}

/// One item of an enquiry's conversation.
final class EnquiryEntry: Model, @unchecked Sendable {
    static let schema = "enquiry_entries"

    enum Kind: String, Codable, Sendable {
        case update, finalResponse = "final_response", memberQuestion = "member_question"
        case updateRequest = "update_request", reply, note, reopened, closed

        var label: String {
            switch self {
            case .update: "Progress update"
            case .finalResponse: "Final response"
            case .memberQuestion: "Question from the Member"
            case .updateRequest: "Update requested"
            case .reply: "Reply to the Member"
            case .note: "Internal note"
            case .reopened: "Reopened"
            case .closed: "Closed"
            }
        }

        /// Internal notes are for officers only.
        var visibleToMember: Bool { self != .note }
    }

    @ID(key: .id) var id: UUID?
    @Parent(key: "enquiry_id") var enquiry: Enquiry
    @Enum(key: "kind") var kind: Kind
    @Parent(key: "author_id") var author: User
    @Field(key: "body") var body: String
    @Field(key: "created_at") var createdAt: Date

    init() {}
    init(enquiryID: UUID, kind: Kind, authorID: UUID, body: String, at: Date) {
        self.$enquiry.id = enquiryID
        self.kind = kind
        self.$author.id = authorID
        self.body = body
        self.createdAt = at
    }
}

/// A co-ordinator's question to another officer about an enquiry.
final class ResponderQuestion: Model, @unchecked Sendable {
    static let schema = "responder_questions"

    enum State: String, Codable, Sendable { case open, answered, withdrawn }

    @ID(key: .id) var id: UUID?
    @Parent(key: "enquiry_id") var enquiry: Enquiry
    @Parent(key: "asked_by_id") var askedBy: User
    @Parent(key: "responder_id") var responder: User
    @Field(key: "question") var question: String
    @Field(key: "asked_at") var askedAt: Date
    @Enum(key: "state") var state: State
    @OptionalField(key: "answer") var answer: String?
    @OptionalField(key: "answered_at") var answeredAt: Date?
    @OptionalField(key: "withdrawn_reason") var withdrawnReason: String?
    @OptionalField(key: "withdrawn_at") var withdrawnAt: Date?

    init() {}
    init(enquiryID: UUID, askedByID: UUID, responderID: UUID, question: String, at: Date) {
        self.$enquiry.id = enquiryID
        self.$askedBy.id = askedByID
        self.$responder.id = responderID
        self.question = question
        self.askedAt = at
        self.state = .open
    }
}

/// Where a detail lives on the model (its column's property, written without reading it first,
/// so a new enquiry can be filled in) and in a checked form.
enum EnquiryColumn {
    case text(KeyPath<Enquiry, FieldProperty<Enquiry, String>>, KeyPath<EnquiryForm.Valid, String>)
    case optionalText(KeyPath<Enquiry, OptionalFieldProperty<Enquiry, String>>, KeyPath<EnquiryForm.Valid, String?>)
    /// A choice from a list the council keeps (service area, type, district...), by its id.
    case choice(KeyPath<Enquiry, FieldProperty<Enquiry, UUID>>, KeyPath<EnquiryForm.Valid, UUID>)
    case optionalChoice(KeyPath<Enquiry, OptionalFieldProperty<Enquiry, UUID>>, KeyPath<EnquiryForm.Valid, UUID?>)
    case urgency, point, asset
}

extension EnquiryField {
    /// The one list pairing each detail with its column: showing it in a form and applying a
    /// checked form both walk it.
    var column: EnquiryColumn {
        switch self {
        case .serviceArea: .choice(\.$serviceArea.$id, \.serviceAreaID)
        case .type: .choice(\.$type.$id, \.typeID)
        case .subtype: .optionalChoice(\.$subtype.$id, \.subtypeID)
        case .subject: .text(\.$subject, \.subject)
        case .details: .text(\.$details, \.details)
        case .residentName: .optionalText(\.$residentName, \.residentName)
        case .residentAddress: .optionalText(\.$residentAddress, \.residentAddress)
        case .residentPhone: .optionalText(\.$residentPhone, \.residentPhone)
        case .residentEmail: .optionalText(\.$residentEmail, \.residentEmail)
        case .location: .optionalText(\.$location, \.location)
        case .urgency: .urgency
        case .point: .point
        case .asset: .asset
        case .district: .optionalChoice(\.$district.$id, \.districtID)
        case .division: .optionalChoice(\.$division.$id, \.divisionID)
        case .parish: .optionalChoice(\.$parish.$id, \.parishID)
        }
    }
}
