/// The enquiry's editable details, declared once: each one's name in forms, error summaries and
/// addresses, its label in the audit trail, and where `EnquiryForm` keeps its text. Reading a
/// posted form, filling the form from an enquiry and listing what the audit trail compares all
/// walk this list, so a new detail is added here, in the form, its check, the model and the view.
public enum EnquiryField: String, CaseIterable, Sendable {
    case serviceArea = "service-area", type, subtype, subject, details
    case residentName = "resident-name", residentAddress = "resident-address", residentPhone = "resident-phone"
    case residentEmail = "resident-email", location, point, asset, urgency, district, division, parish

    /// The input's name, and the field an error names.
    public var key: String { rawValue }

    /// How the audit trail names a change to it.
    public var auditLabel: String {
        switch self {
        case .serviceArea: "Service area"
        case .type: "Type"
        case .subtype: "Sub-type"
        case .subject: "Subject"
        case .details: "Details"
        case .residentName: "Resident name"
        case .residentAddress: "Resident address"
        case .residentPhone: "Resident phone"
        case .residentEmail: "Resident email"
        case .location: "Location"
        case .point: "Point"
        case .asset: "Asset"
        case .urgency: "Urgency"
        case .district: "District"
        case .division: "Division"
        case .parish: "Parish"
        }
    }

    /// Where the form holds what was typed.
    public var text: WritableKeyPath<EnquiryForm, String> {
        switch self {
        case .serviceArea: \.serviceAreaID
        case .type: \.typeID
        case .subtype: \.subtypeID
        case .subject: \.subject
        case .details: \.details
        case .residentName: \.residentName
        case .residentAddress: \.residentAddress
        case .residentPhone: \.residentPhone
        case .residentEmail: \.residentEmail
        case .location: \.location
        case .point: \.point
        case .asset: \.asset
        case .urgency: \.urgency
        case .district: \.districtID
        case .division: \.divisionID
        case .parish: \.parishID
        }
    }
}

extension EnquiryForm {
    /// The form as posted: each field's text by its input name, "" where it was not sent.
    public init(posted value: (String) -> String?) {
        self.init()
        for field in EnquiryField.allCases { self[keyPath: field.text] = value(field.key) ?? "" }
    }

    public subscript(field: EnquiryField) -> String {
        get { self[keyPath: field.text] }
        set { self[keyPath: field.text] = newValue }
    }
}
