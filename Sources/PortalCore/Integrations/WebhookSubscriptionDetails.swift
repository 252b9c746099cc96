/// A webhook subscription as the administrator describes it: where to post, what it is for, and
/// which events. The signing secret is the portal's to make, never typed.
public struct WebhookSubscriptionDetails: Hashable, Sendable {
    public static let urlLimit = 2_000
    public static let descriptionLimit = 200

    public var url: String
    public var description: String
    /// In the order `WebhookEvent.allCases` lists them.
    public var events: [WebhookEvent]

    public init(url: String, description: String, events: [WebhookEvent]) {
        self.url = url
        self.description = description
        self.events = events
    }

    /// What the form posted, as text.
    public struct Form: Sendable {
        public var url: String?
        public var description: String?
        public var events: [String]

        public init(url: String?, description: String?, events: [String]) {
            self.url = url
            self.description = description
            self.events = events
        }
    }

    /// Checks the form. Every field from a request is hostile: lengths are bounded, single-line
    /// text refuses control characters, and only the known events are taken.
    public static func validate(_ form: Form) -> Result<WebhookSubscriptionDetails, FormErrors> {
        var errors = FormErrors()
        let url = errors.requireText(form.url, field: "url", name: "the address to post to", maxLength: urlLimit)
        if errors["url"] == nil, let problem = WebhookAddress.problem(url) { errors.add("url", problem) }
        let description = errors.requireText(form.description, field: "description", name: "a description", maxLength: descriptionLimit)
        let chosen = Set(form.events)
        let events = WebhookEvent.allCases.filter { chosen.contains($0.rawValue) }
        if form.events.count > WebhookEvent.allCases.count || events.count != chosen.count {
            errors.add("events", "Choose events from the list")
        } else if events.isEmpty {
            errors.add("events", "Choose at least one event to send")
        }
        guard errors.isEmpty else { return .failure(errors) }
        return .success(WebhookSubscriptionDetails(url: url, description: description, events: events))
    }
}
