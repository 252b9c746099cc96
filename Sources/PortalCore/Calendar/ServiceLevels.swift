import Foundation

/// How long the council promises to take, in working days.
public struct ServiceLevel: Hashable, Sendable {
    public var firstResponseDays: Int
    public var completionDays: Int

    public init(firstResponseDays: Int, completionDays: Int) {
        self.firstResponseDays = firstResponseDays
        self.completionDays = completionDays
    }

    /// The councils' usual promise: a first response within 10 working days, completion within 28.
    public static let standard = ServiceLevel(firstResponseDays: 10, completionDays: 28)

    /// The longest promise the portal accepts: about a year and a half of working days.
    public static let maximumDays = 400

    /// Checks the two numbers an administrator typed.
    public static func validate(firstResponse: String, completion: String) -> Result<ServiceLevel, FormErrors> {
        var errors = FormErrors()
        func number(_ text: String, field: String, label: String) -> Int? {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { errors.add(field, "Enter the \(label) in working days"); return nil }
            guard let value = RequestNumber.parse(trimmed, in: 1...maximumDays) else {
                errors.add(field, "The \(label) must be a whole number of working days from 1 to \(maximumDays)")
                return nil
            }
            return value
        }
        let first = number(firstResponse, field: "firstResponseDays", label: "time to first response")
        let complete = number(completion, field: "completionDays", label: "time to complete")
        if let first, let complete, complete < first {
            errors.add("completionDays", "The time to complete cannot be shorter than the time to first response (\(first) working days)")
        }
        guard errors.isEmpty, let first, let complete else { return .failure(errors) }
        return .success(ServiceLevel(firstResponseDays: first, completionDays: complete))
    }
}

/// The council's service levels: a default, and overrides for a service area, an enquiry type,
/// or one type within one area. The most specific wins: area and type together, then the type,
/// then the area, then the default. A type is checked before an area because types carry the
/// promise's nature (a safety issue is urgent in any area), while areas differ in workload.
public struct ServiceLevelPolicies: Sendable {
    public struct Scope: Hashable, Sendable {
        public let serviceAreaID: UUID?
        public let typeID: UUID?

        public init(serviceAreaID: UUID?, typeID: UUID?) {
            self.serviceAreaID = serviceAreaID
            self.typeID = typeID
        }
    }

    public var byScope: [Scope: ServiceLevel]

    public init(_ byScope: [Scope: ServiceLevel] = [:]) { self.byScope = byScope }

    public var standard: ServiceLevel { byScope[Scope(serviceAreaID: nil, typeID: nil)] ?? .standard }

    public func level(serviceArea: UUID, type: UUID) -> ServiceLevel {
        byScope[Scope(serviceAreaID: serviceArea, typeID: type)]
            ?? byScope[Scope(serviceAreaID: nil, typeID: type)]
            ?? byScope[Scope(serviceAreaID: serviceArea, typeID: nil)]
            ?? standard
    }
}
