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
        for field in EnquiryField.allCases { fields[field.auditLabel] = field == .urgency ? urgency.label : text(of: field) }
        fields["Works area"] = $worksArea.id?.uuidString ?? ""
        fields["Status"] = status.officerLabel
        fields["Handler"] = $handler.id?.uuidString ?? ""
        fields["Response due"] = firstResponseDue ?? ""
        fields["Completion due"] = completionDue ?? ""
        return fields
    }

    /// One detail as the form shows it.
    func text(of field: EnquiryField) -> String {
        switch field {
        case .serviceArea: $serviceArea.id.uuidString
        case .type: $type.id.uuidString
        case .subtype: $subtype.id?.uuidString ?? ""
        case .subject: subject
        case .details: details
        case .residentName: residentName ?? ""
        case .residentAddress: residentAddress ?? ""
        case .residentPhone: residentPhone ?? ""
        case .residentEmail: residentEmail ?? ""
        case .location: location ?? ""
        case .urgency: urgency.rawValue
        case .district: $district.id?.uuidString ?? ""
        case .division: $division.id?.uuidString ?? ""
        case .parish: $parish.id?.uuidString ?? ""
        }
    }

    func apply(_ valid: EnquiryForm.Valid) {
        $serviceArea.id = valid.serviceAreaID
        $type.id = valid.typeID
        $subtype.id = valid.subtypeID
        subject = valid.subject
        details = valid.details
        residentName = valid.residentName
        residentAddress = valid.residentAddress
        residentPhone = valid.residentPhone
        residentEmail = valid.residentEmail
        location = valid.location
        urgency = valid.urgency
        $district.id = valid.districtID
        $division.id = valid.divisionID
        $parish.id = valid.parishID
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
