import Foundation

/// A search as the search page's address carries it, checked: free text, filters and order.
/// Anything malformed is reported against its field and left out, never guessed at.
public struct SearchCriteria: Sendable, Equatable {
    public enum Deadline: String, CaseIterable, Sendable {
        case onTime = "on_time", atRisk = "at_risk", overdue

        public var label: String {
            switch self {
            case .onTime: "On time"
            case .atRisk: "At risk"
            case .overdue: "Overdue"
            }
        }
    }

    public enum Sort: String, CaseIterable, Sendable {
        case relevance, newest, oldest

        public var label: String {
            switch self {
            case .relevance: "Best match"
            case .newest: "Newest raised first"
            case .oldest: "Oldest raised first"
            }
        }
    }

    /// An inclusive range of local dates; either end may be open.
    public struct Dates: Sendable, Equatable {
        public var from: CivilDate?
        public var to: CivilDate?
        public var isEmpty: Bool { from == nil && to == nil }

        public init(from: CivilDate? = nil, to: CivilDate? = nil) {
            self.from = from
            self.to = to
        }
    }

    public var text = SearchText("")
    /// Set when the text is an enquiry reference, which is then looked up exactly.
    public var reference: String?
    public var status: EnquiryStatus?
    public var serviceAreaID: UUID?
    public var typeID: UUID?
    public var subtypeID: UUID?
    public var worksAreaID: UUID?
    public var districtID: UUID?
    public var divisionID: UUID?
    public var parishID: UUID?
    /// The id of the asset an enquiry is about (`SL-010023`), matched whole, in any case.
    public var asset: String?
    public var memberID: UUID?
    public var channel: EnquiryChannel?
    public var raised = Dates()
    public var completed = Dates()
    public var deadline: Deadline?
    public var sort: Sort = .newest
    public var page = 1

    public init() {}

    /// The fields by name as the page's form sends them.
    public static let fieldNames = ["q", "status", "area", "type", "subtype", "works-area", "district", "division", "parish", "asset", "member",
                                    "channel", "raised-from", "raised-to", "completed-from", "completed-to", "deadline", "sort", "page"]

    /// As long as an asset's id may be (`AssetImport`).
    public static let maximumAssetLength = 100

    /// 400 pages of 25: every result the count reaches.
    public static let maximumPage = 400

    public static func parse(_ fields: [String: String]) -> (criteria: SearchCriteria, errors: FormErrors) {
        var criteria = SearchCriteria()
        var errors = FormErrors()
        func value(_ name: String) -> String? {
            guard let text = fields[name]?.trimmingWhitespace(), !text.isEmpty else { return nil }
            return text
        }
        if let text = value("q") {
            if let reference = EnquiryReference.normalise(text) { criteria.reference = reference } else { criteria.text = SearchText(String(text.prefix(500))) }
        }
        func choice<T>(_ name: String, _ make: (String) -> T?, _ message: String) -> T? {
            guard let text = value(name) else { return nil }
            guard let made = make(text) else {
                errors.add(name, message)
                return nil
            }
            return made
        }
        criteria.status = choice("status", EnquiryStatus.init(rawValue:), "Choose a status from the list")
        criteria.serviceAreaID = choice("area", UUID.init(uuidString:), "Choose a service area from the list")
        criteria.typeID = choice("type", UUID.init(uuidString:), "Choose a type of enquiry from the list")
        criteria.subtypeID = choice("subtype", UUID.init(uuidString:), "Choose a sub-type from the list")
        criteria.worksAreaID = choice("works-area", UUID.init(uuidString:), "Choose a works area from the list")
        criteria.districtID = choice("district", UUID.init(uuidString:), "Choose a district from the list")
        criteria.divisionID = choice("division", UUID.init(uuidString:), "Choose a division from the list")
        criteria.parishID = choice("parish", UUID.init(uuidString:), "Choose a parish from the list")
        if let text = value("asset") {
            if let problem = FormErrors.characterProblem(text, name: "an asset's id", multiLine: false) {
                errors.add("asset", problem)
            } else if text.count > maximumAssetLength {
                errors.add("asset", "An asset's id is \(maximumAssetLength) characters or fewer")
            } else {
                criteria.asset = text
            }
        }
        criteria.memberID = choice("member", UUID.init(uuidString:), "Choose a Member from the list")
        criteria.channel = choice("channel", EnquiryChannel.init(rawValue:), "Choose how it was raised from the list")
        criteria.deadline = choice("deadline", Deadline.init(rawValue:), "Choose a deadline state from the list")
        criteria.sort = choice("sort", Sort.init(rawValue:), "Choose an order from the list") ?? (criteria.text.isEmpty ? .newest : .relevance)
        if criteria.sort == .relevance, criteria.text.isEmpty { criteria.sort = .newest }
        criteria.page = (try? RequestNumber.page(value("page"), maximum: maximumPage).get()) ?? 1
        for (range, label) in [("raised", "raised"), ("completed", "completed")] {
            let from = choice("\(range)-from", parseDate, "Enter the \(label) from date as a real date, like 31/07/2025")
            let to = choice("\(range)-to", parseDate, "Enter the \(label) to date as a real date, like 30/07/2026")
            if let from, let to, to < from { errors.add("\(range)-to", "The \(label) to date must be the same as or after the from date") }
            if range == "raised" { criteria.raised = Dates(from: from, to: to) } else { criteria.completed = Dates(from: from, to: to) }
        }
        return (criteria, errors)
    }

    /// `YYYY-MM-DD` (a date input) or `DD/MM/YYYY` (typed the British way).
    public static func parseDate(_ text: String) -> CivilDate? {
        if let date = CivilDate(iso: text) { return date }
        let parts = text.split(separator: "/")
        guard parts.count == 3, parts[2].count == 4, let day = RequestNumber.parse(String(parts[0]), in: 1...31),
              let month = RequestNumber.parse(String(parts[1]), in: 1...12), let year = RequestNumber.parse(String(parts[2]), in: 1000...9999)
        else { return nil }
        return CivilDate(year: year, month: month, day: day)
    }
}
