import Foundation

/// The details of an enquiry as typed into the new-enquiry and edit forms, and their rules.
/// The form never loses what was typed: a failed check returns the same values with the errors.
public struct EnquiryForm: Sendable, Equatable {
    public var serviceAreaID: String = ""
    public var typeID: String = ""
    public var subtypeID: String = ""
    public var subject: String = ""
    public var details: String = ""
    public var residentName: String = ""
    public var residentAddress: String = ""
    public var residentPhone: String = ""
    public var residentEmail: String = ""
    public var location: String = ""
    /// Where it is: a grid reference, an easting and northing, or a latitude and longitude.
    public var point: String = ""
    /// The asset it is about, as `AssetChoice.key`.
    public var asset: String = ""
    /// How far from the spot an asset may stand: the map snaps within 30 m, and a spot moved a
    /// little after snapping keeps its asset.
    public static let assetReach: Double = 50
    public var urgency: String = Urgency.normal.rawValue
    public var districtID: String = ""
    public var divisionID: String = ""
    public var parishID: String = ""

    public init() {}

    public enum Limit {
        public static let subject = 150
        public static let details = 5000
        public static let residentName = 120
        public static let residentAddress = 300
        public static let residentPhone = 30
        public static let location = 300
    }

    /// What the form's choices may be: the ids the database holds.
    public struct Catalogue: Sendable {
        public var serviceAreas: Set<UUID>
        /// Each type's sub-types (empty when it has none) and whether it needs a location.
        public var types: [UUID: (subtypes: Set<UUID>, needsLocation: Bool)]
        public var districts: Set<UUID>
        /// Each division's district, and each parish's district.
        public var divisions: [UUID: UUID]
        public var parishes: [UUID: UUID]
        /// The boundaries that say which district, division and parish hold a point.
        public var places: PlaceIndex
        /// The asset the form names, when the council has it, by `AssetChoice.key`.
        public var assets: [String: AssetChoice]

        public init(serviceAreas: Set<UUID>, types: [UUID: (subtypes: Set<UUID>, needsLocation: Bool)], districts: Set<UUID>,
                    divisions: [UUID: UUID], parishes: [UUID: UUID], places: PlaceIndex = PlaceIndex([]), assets: [String: AssetChoice] = [:]) {
            self.places = places
            self.assets = assets
            self.serviceAreas = serviceAreas
            self.types = types
            self.districts = districts
            self.divisions = divisions
            self.parishes = parishes
        }
    }

    /// A form that passed its checks, made only by `validate`.
    public struct Valid: Sendable, Equatable {
        public var serviceAreaID: UUID
        public var typeID: UUID
        public var subtypeID: UUID?
        public var subject: String
        public var details: String
        public var residentName: String?
        public var residentAddress: String?
        public var residentPhone: String?
        public var residentEmail: String?
        public var location: String?
        public var point: GridPoint?
        public var asset: AssetChoice?
        public var urgency: Urgency
        public var districtID: UUID?
        public var divisionID: UUID?
        public var parishID: UUID?
    }

    /// A draft needs a service area, a type and a subject, so a Member can save a half-written
    /// enquiry; submitting needs everything the service needs to act on it.
    public func validate(against catalogue: Catalogue, forSubmission: Bool) -> Result<Valid, FormErrors> {
        var errors = FormErrors()
        func choice(_ text: String, _ field: String, in known: Set<UUID>, required: Bool, missing: String, unknown: String) -> UUID? {
            let trimmed = text.trimmingWhitespace()
            if trimmed.isEmpty {
                if required { errors.add(field, missing) }
                return nil
            }
            guard let id = UUID(uuidString: trimmed), known.contains(id) else {
                errors.add(field, unknown)
                return nil
            }
            return id
        }
        let area = choice(serviceAreaID, EnquiryField.serviceArea.key, in: catalogue.serviceAreas, required: true,
                          missing: "Select the service area", unknown: "Select a service area from the list")
        let type = choice(typeID, EnquiryField.type.key, in: Set(catalogue.types.keys), required: true,
                          missing: "Select the type of enquiry", unknown: "Select a type from the list")
        var subtype: UUID?
        if let type, let known = catalogue.types[type]?.subtypes {
            let text = subtypeID.trimmingWhitespace()
            if known.isEmpty {
                if !text.isEmpty { errors.add(EnquiryField.subtype.key, "This type has no sub-types; choose “None”") }
            } else {
                subtype = choice(text, EnquiryField.subtype.key, in: known, required: forSubmission,
                                 missing: "Select what kind of request this is",
                                 unknown: "Select a sub-type that belongs to the type you chose")
            }
        }
        let subject = errors.requireText(subject, field: EnquiryField.subject.key, name: "a subject", maxLength: Limit.subject)
        let details = self.details.trimmingWhitespace()
        if let problem = FormErrors.characterProblem(details, name: "the details", multiLine: true) { errors.add(EnquiryField.details.key, problem) }
        if details.isEmpty, forSubmission { errors.add(EnquiryField.details.key, "Enter the details of the enquiry") }
        if details.count > Limit.details { errors.add(EnquiryField.details.key, "Details must be \(Limit.details) characters or fewer (you have \(details.count))") }
        let residentName = errors.optionalText(residentName, field: EnquiryField.residentName.key, name: "the resident's name", maxLength: Limit.residentName)
        let residentAddress = errors.optionalText(residentAddress, field: EnquiryField.residentAddress.key, name: "the resident's address", maxLength: Limit.residentAddress, multiLine: true)
        let residentPhone = errors.optionalText(residentPhone, field: EnquiryField.residentPhone.key, name: "the resident's phone number", maxLength: Limit.residentPhone)
        if let phone = residentPhone, !phone.allSatisfy({ $0.isNumber || " +()-".contains($0) }) {
            errors.add(EnquiryField.residentPhone.key, "Enter a phone number using digits, spaces and + ( ) - only")
        }
        var residentEmail: String?
        if !self.residentEmail.trimmingWhitespace().isEmpty {
            switch EmailAddress.parse(self.residentEmail) {
            case .success(let email): residentEmail = email.value
            case .failure: errors.add(EnquiryField.residentEmail.key, "Enter the resident's email address in the correct format, like name@example.com")
            }
        }
        let location = errors.optionalText(location, field: EnquiryField.location.key, name: "the location", maxLength: Limit.location)
        let urgency = Urgency(rawValue: self.urgency)
        if urgency == nil { errors.add(EnquiryField.urgency.key, "Select how urgent the enquiry is") }
        // The asset, then the point: typed, picked on the map, or the asset's own.
        var asset: AssetChoice?
        let assetText = self.asset.trimmingWhitespace()
        if !assetText.isEmpty {
            if let found = catalogue.assets[assetText] { asset = found }
            else { errors.add(EnquiryField.asset.key, "That asset was not found; pick one on the map or leave it empty") }
        }
        var point: GridPoint?
        if !self.point.trimmingWhitespace().isEmpty {
            switch TypedLocation.parse(self.point) {
            case .success(let typed): point = typed.point
            case .failure(let problem): errors.add(EnquiryField.point.key, problem.message)
            }
        }
        if point == nil { point = asset?.point }
        // An asset far from the spot is one left over from an earlier place: the highways team
        // would get the wrong number.
        if let asset, let place = point, asset.point.distance(to: place) > Self.assetReach {
            errors.add(EnquiryField.point.key, "The asset “\(asset.label)” is \(Int(asset.point.distance(to: place).rounded())) m from the spot; place the spot on it again, or choose no asset and check the spot")
        }
        if let place = point, !catalogue.places.covers(place) {
            errors.add(EnquiryField.point.key, "That place is outside the council's area; check the reference or pick the spot on the map")
            point = nil
        }
        if forSubmission, let type, catalogue.types[type]?.needsLocation == true, location == nil, point == nil {
            errors.add(EnquiryField.location.key, "Enter where the problem is: a street, landmark or postcode, or place it on the map")
        }
        // The district, division and parish holding the point, where the person left them empty.
        var districtID = self.districtID, divisionID = self.divisionID, parishID = self.parishID
        if let place = point, !catalogue.places.isEmpty {
            let placement = catalogue.places.locate(place)
            if districtID.trimmingWhitespace().isEmpty { districtID = placement.district?.uuidString ?? "" }
            if divisionID.trimmingWhitespace().isEmpty { divisionID = placement.division?.uuidString ?? "" }
            if parishID.trimmingWhitespace().isEmpty { parishID = placement.parish?.uuidString ?? "" }
        }
        let district = choice(districtID, EnquiryField.district.key, in: catalogue.districts, required: forSubmission,
                              missing: "Select the district", unknown: "Select a district from the list")
        let division = choice(divisionID, EnquiryField.division.key, in: Set(catalogue.divisions.keys), required: forSubmission,
                              missing: "Select the division", unknown: "Select a division from the list")
        let parish = choice(parishID, EnquiryField.parish.key, in: Set(catalogue.parishes.keys), required: false,
                            missing: "", unknown: "Select a parish from the list")
        if let district, let division, catalogue.divisions[division] != district {
            errors.add(EnquiryField.division.key, "That division is not in the district you chose")
        }
        if let district, let parish, catalogue.parishes[parish] != district {
            errors.add(EnquiryField.parish.key, "That parish is not in the district you chose")
        }
        guard errors.isEmpty, let area, let type, let urgency else { return .failure(errors) }
        return .success(Valid(
            serviceAreaID: area, typeID: type, subtypeID: subtype, subject: subject, details: details,
            residentName: residentName, residentAddress: residentAddress, residentPhone: residentPhone, residentEmail: residentEmail,
            location: location, point: point, asset: asset, urgency: urgency, districtID: district, divisionID: division, parishID: parish))
    }
}
