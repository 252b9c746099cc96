import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// `/admin/integrations`: the highways system's settings, a test of the connection, which
/// enquiries go as which service, what its statuses do, and the reports that need an
/// administrator. Every change is in the audit trail.
enum HighwaysAdminRoutes {
    struct Model {
        var settings: HighwaysSettings
        var form: SettingsForm
        var errors = FormErrors()
        var csrfToken: String
        var services: [ServiceRow]
        var statuses: [StatusRow]
        var stuck: [StuckRow]
        var problems: [IntegrationProblems.Row]
        var types: [Choice]
        var layers: [Choice]
        var names: [UUID: String]
        /// The system's services, when the last test reached it.
        var offered: [Open311.Service] = []
    }

    struct ServiceRow: Decodable, Sendable {
        let id: UUID
        let type_id: UUID
        let subtype_id: UUID?
        let asset_layer_id: UUID?
        let service_code: String
        let service_name: String
        let attributes: String

        var sources: [HighwaysSends.AttributeSource] { (try? JSONDecoder().decode([HighwaysSends.AttributeSource].self, from: Data(attributes.utf8))) ?? [] }
    }

    struct StatusRow: Decodable, Sendable {
        let status: String
        let label: String
        let outcome: String
    }

    struct StuckRow: Decodable, Sendable {
        let id: UUID
        let enquiry_id: UUID
        let reference: String
        let state: String
        let attempts: Int
        let last_error: String?
        let created_at: Date
    }

    struct SettingsForm: Content {
        var enabled: String?
        var endpoint: String?
        var apiKey: String?
        var jurisdiction: String?
        var format: String?
        var pollMinutes: String?
        var timeoutSeconds: String?
        var updatesExtension: String?
        var listPageSize: String?
        var version: String?

        init() {}

        init(_ settings: HighwaysSettings) {
            enabled = settings.enabled ? "on" : nil
            endpoint = settings.endpoint
            jurisdiction = settings.jurisdiction
            format = settings.format.rawValue
            pollMinutes = String(settings.pollMinutes)
            timeoutSeconds = String(settings.timeoutSeconds)
            updatesExtension = settings.updatesExtension ? "on" : nil
            listPageSize = settings.listPageSize.map(String.init)
            version = String(settings.version)
        }
    }

    static func stuckCount(at now: Date, on db: any Database) async throws -> Int {
        let row = try await db.sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "stuck").from("highways_sends")
            .where { stuckFilter($0, at: now) }.first()
        return try row?.decode(column: "stuck", as: Int.self) ?? 0
    }

    /// A report stuck: refused, held, or still not sent a quarter of an hour after it was queued.
    private static func stuckFilter<Builder: SQLPredicateBuilder>(_ builder: Builder, at now: Date) -> Builder {
        builder.where(SQLColumn("state"), .in, SQLGroupExpression(HighwaysSend.State.stuck.map { SQLBind($0.rawValue) }))
            .orWhere { $0.where(SQLColumn("state"), .in, SQLGroupExpression(HighwaysSend.State.active.map { SQLBind($0.rawValue) }))
                .where("created_at", .lessThan, now.addingTimeInterval(-15 * 60)) }
    }

    @Sendable static func show(_ request: Request) async throws -> Response {
        let settings = try await HighwaysSettings.load(on: request.db)
        return try await respond(request, model: try await query(form: SettingsForm(settings), request: request))
    }

    static func respond(_ request: Request, model: Model, status: HTTPResponseStatus? = nil) async throws -> Response {
        let response = request.render(HighwaysAdminPage.page(model))
        if let status { response.status = status }
        return response
    }

    static func query(form: SettingsForm, request: Request) async throws -> Model {
        let db = request.db
        let data = try await request.referenceData()
        let services = try await db.sql.select().columns("id", "type_id", "subtype_id", "asset_layer_id", "service_code", "service_name", "attributes")
            .from("highways_services").orderBy("service_code").all(decoding: ServiceRow.self)
        let statuses = try await db.sql.select().columns("status", "label", "outcome").from("highways_statuses").orderBy("status").all(decoding: StatusRow.self)
        let stuck = try await db.sql.select().columns("id", "enquiry_id", "reference", "state", "attempts", "last_error", "created_at")
            .from("highways_sends").where { stuckFilter($0, at: request.now) }.orderBy("created_at").limit(200).all(decoding: StuckRow.self)
        let layers = try await db.sql.select().columns("id", "name").from("asset_layers").orderBy("name").all()
            .map { Choice(value: try $0.decode(column: "id", as: UUID.self).uuidString, label: try $0.decode(column: "name", as: String.self)) }
        var types: [Choice] = []
        var names: [UUID: String] = [:]
        for type in data.types {
            types.append(Choice(value: type.id.uuidString, label: type.name))
            names[type.id] = type.name
            for subtype in type.subtypes {
                types.append(Choice(value: "\(type.id.uuidString):\(subtype.id.uuidString)", label: "\(type.name): \(subtype.name)"))
                names[subtype.id] = subtype.name
            }
        }
        for layer in layers { if let id = UUID(uuidString: layer.value) { names[id] = layer.label } }
        return Model(settings: try await HighwaysSettings.load(on: db), form: form, csrfToken: request.csrfToken, services: services,
                     statuses: statuses, stuck: stuck, problems: try await IntegrationProblems.recent(.highways, limit: 20, on: db),
                     types: types, layers: layers, names: names)
    }

    // MARK: Settings

    @Sendable static func saveSettings(_ request: Request) async throws -> Response {
        let form = try request.content.decode(SettingsForm.self)
        let before = try await HighwaysSettings.load(on: request.db)
        var errors = FormErrors()
        let endpoint = (form.endpoint ?? "").trimmingWhitespace()
        let enabled = form.enabled == "on"
        if let problem = checkEndpoint(endpoint, required: enabled) { errors.add("endpoint", problem) }
        let typedKey = (form.apiKey ?? "").trimmingWhitespace()
        if !TextRules.isSingleLine(typedKey) || typedKey.count > 200 { errors.add("apiKey", "Enter the API key on one line, at most 200 characters") }
        let apiKey = typedKey.isEmpty ? before.apiKey : typedKey
        if enabled, apiKey.isEmpty { errors.add("apiKey", "Enter the API key the highways system gave the council") }
        let jurisdiction = (form.jurisdiction ?? "").trimmingWhitespace()
        if !TextRules.isSingleLine(jurisdiction) || jurisdiction.count > 100 { errors.add("jurisdiction", "Enter the jurisdiction id on one line, at most 100 characters") }
        let format = Open311Format(rawValue: form.format ?? "")
        if format == nil { errors.add("format", "Choose XML or JSON") }
        let poll = RequestNumber.parse(form.pollMinutes?.trimmingWhitespace(), in: HighwaysSettings.pollMinutesRange)
        if poll == nil { errors.add("pollMinutes", "Enter how often to read updates, in whole minutes from 1 to 1,440") }
        let timeout = RequestNumber.parse(form.timeoutSeconds?.trimmingWhitespace(), in: HighwaysSettings.timeoutRange)
        if timeout == nil { errors.add("timeoutSeconds", "Enter the time allowed for a call, in whole seconds from 1 to 300") }
        let typedPageSize = (form.listPageSize ?? "").trimmingWhitespace()
        let pageSize = typedPageSize.isEmpty ? nil : RequestNumber.parse(typedPageSize, in: HighwaysSettings.listPageSizeRange)
        if !typedPageSize.isEmpty, pageSize == nil {
            errors.add("listPageSize", "Enter the most requests the system lists at once, a whole number from 1 to 100,000, or leave it blank")
        }
        guard errors.isEmpty, let format, let poll, let timeout else {
            var model = try await query(form: form, request: request)
            model.errors = errors
            return try await respond(request, model: model, status: .unprocessableEntity)
        }
        let settings = HighwaysSettings(enabled: enabled, endpoint: endpoint, apiKey: apiKey, jurisdiction: jurisdiction.isEmpty ? nil : jurisdiction,
                                        format: format, pollMinutes: poll, timeoutSeconds: timeout, updatesExtension: form.updatesExtension == "on",
                                        listPageSize: pageSize, version: before.version)
        let version = RequestNumber.version(form.version) ?? -1
        let saved = try await request.db.transaction { db -> Bool in
            guard try await settings.save(expecting: version, at: request.now, on: db) else { return false }
            try await AuditTrail.record(action: "highways_settings", enquiryID: nil, actorID: request.currentUser?.id,
                                        changes: AuditTrail.changes(from: audited(before), to: audited(settings)), at: request.now, on: db)
            return true
        }
        guard saved else {
            var model = try await query(form: SettingsForm(try await HighwaysSettings.load(on: request.db)), request: request)
            model.errors.add("endpoint", "Someone else changed these settings while you were editing. Theirs are shown below; make your change again.")
            return try await respond(request, model: model, status: .conflict)
        }
        return request.seeOther("/admin/integrations", flash: "The highways system's settings have been saved.")
    }

    /// The settings as the audit trail records them: the key only as its last characters.
    static func audited(_ settings: HighwaysSettings) -> [String: String] {
        ["Sending to highways": settings.enabled ? "On" : "Off", "Endpoint": settings.endpoint, "API key": settings.maskedKey,
         "Jurisdiction": settings.jurisdiction ?? "", "Format": settings.format.label, "Read updates every": "\(settings.pollMinutes) minutes",
         "Time allowed": "\(settings.timeoutSeconds) seconds", "Update extension": settings.updatesExtension ? "Yes" : "No",
         "Most requests listed at once": settings.listPageSize.map(String.init) ?? "Not known"]
    }

    /// An http(s) address with a host, on one line; nil when it is fine.
    static func checkEndpoint(_ text: String, required: Bool) -> String? {
        if text.isEmpty { return required ? "Enter the address of the highways system's Open311 endpoint" : nil }
        guard text.count <= 500, TextRules.isSingleLine(text), !text.contains(where: \.isWhitespace),
              let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = url.host, !host.isEmpty, url.query == nil, url.fragment == nil, url.user == nil
        else { return "Enter the endpoint as a web address starting https://, like https://highways.example.gov.uk/open311/v2" }
        return nil
    }

    /// Fetches the service list with the saved settings, and says what came back.
    @Sendable static func test(_ request: Request) async throws -> Response {
        let settings = try await HighwaysSettings.load(on: request.db)
        guard !settings.endpoint.isEmpty else { return request.seeOther("/admin/integrations", flash: "Save the endpoint first, then test it.") }
        let client = Open311Client(settings: settings, http: request.application.outsideHTTP)
        switch await client.services() {
        case .answered(let data):
            do {
                let services = try Open311.services(data, format: settings.format)
                var model = try await query(form: SettingsForm(settings), request: request)
                model.offered = services
                return try await respond(request, model: model)
            } catch {
                try await IntegrationProblems.record(.highways, "The service list could not be read", detail: "\(error)", at: request.now, on: request.db)
                return request.seeOther("/admin/integrations", flash: "The highways system answered, but its service list could not be read: \(error)")
            }
        case .refused(let status, let message, _):
            return request.seeOther("/admin/integrations", flash: "The highways system refused (HTTP \(status)): \(TextRules.oneLine(message))")
        case .notReached(let words), .noAnswer(let words):
            return request.seeOther("/admin/integrations", flash: "The highways system could not be reached: \(words)")
        }
    }
}
