import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

extension HighwaysAdminRoutes {
    struct ServiceForm: Content {
        var type: String?
        var assetLayer: String?
        var serviceCode: String?
    }

    /// Maps an enquiry type (or sub-type, or a type on an asset layer) to one of the system's
    /// services. The service's definition is read now, and each attribute it asks for is given a
    /// source: the asset's id for a hidden field, the enquiry's reference for one the client sets,
    /// the first choice of a required list; the administrator can change them after.
    @Sendable static func addService(_ request: Request) async throws -> Response {
        let form = try request.content.decode(ServiceForm.self)
        let data = try await request.referenceData()
        let parts = (form.type ?? "").split(separator: ":").map { UUID(uuidString: String($0)) }
        let code = (form.serviceCode ?? "").trimmingWhitespace()
        guard let typeID = parts.first ?? nil, let type = data.types.first(where: { $0.id == typeID }),
              parts.count == 1 || (parts.count == 2 && type.subtypes.contains { $0.id == parts[1] }) else {
            return request.seeOther("/admin/integrations#services-heading", flash: "Choose the enquiry type to send.")
        }
        guard !code.isEmpty, code.count <= Open311.maximumIdentifierLength, TextRules.isSingleLine(code) else {
            return request.seeOther("/admin/integrations#services-heading", flash: "Enter the service code, on one line, at most 100 characters.")
        }
        let subtypeID = parts.count == 2 ? parts[1] : nil
        let layerID = (form.assetLayer ?? "").isEmpty ? nil : UUID(uuidString: form.assetLayer ?? "")
        if !(form.assetLayer ?? "").isEmpty, layerID == nil { throw Abort(.badRequest, reason: "That asset layer is not known.") }
        let settings = try await HighwaysSettings.load(on: request.db)
        let client = Open311Client(settings: settings, http: request.application.outsideHTTP)
        var name = code
        var sources: [HighwaysSends.AttributeSource] = []
        if !settings.endpoint.isEmpty, case .answered(let list) = await client.services(),
           let service = try? Open311.services(list, format: settings.format).first(where: { $0.code == code }) {
            name = service.name.isEmpty ? code : service.name
            if service.metadata, case .answered(let body) = await client.definition(of: code),
               let attributes = try? Open311.attributes(body, format: settings.format) {
                sources = attributes.filter(\.variable).map(defaultSource)
            }
        }
        let json = String(decoding: try JSONEncoder().encode(sources), as: UTF8.self)
        let serviceName = name
        try await request.db.transaction { db in
            try await db.sql.insert(into: "highways_services")
                .columns("id", "type_id", "subtype_id", "asset_layer_id", "service_code", "service_name", "attributes", "updated_at")
                .values(SQLBind(UUID()), SQLBind(typeID), SQLBind(subtypeID), SQLBind(layerID), SQLBind(code), SQLBind(serviceName), SQLBind(json), SQLBind(request.now))
                .run()
            try await AuditTrail.record(action: "highways_service_added", enquiryID: nil, actorID: request.currentUser?.id,
                                        detail: "\(type.name) sent as \(code) (\(serviceName))", at: request.now, on: db)
        }
        return request.seeOther("/admin/integrations#services-heading", flash: "\(type.name) will be sent as \(name).")
    }

    static func defaultSource(_ attribute: Open311.Attribute) -> HighwaysSends.AttributeSource {
        let code = attribute.code.lowercased()
        if attribute.automated == "hidden_field" || code.contains("asset") { return .init(code: attribute.code, source: .asset) }
        if attribute.automated == "server_set" || code.contains("reference") { return .init(code: attribute.code, source: .reference) }
        if attribute.required, let first = attribute.values.first { return .init(code: attribute.code, source: .fixed, value: first.key) }
        return .init(code: attribute.code, source: .none)
    }

    /// Changes where a mapping's attributes come from: `source-CODE` and `value-CODE` for each.
    @Sendable static func saveService(_ request: Request) async throws -> Response {
        guard let id = request.parameters.get("serviceID").flatMap(UUID.init(uuidString:)),
              let row = try await request.db.sql.select().columns("id", "type_id", "subtype_id", "asset_layer_id", "service_code", "service_name", "attributes")
                .from("highways_services").where("id", .equal, id).first(decoding: ServiceRow.self)
        else { throw Abort(.notFound) }
        var sources = row.sources
        for index in sources.indices {
            let code = sources[index].code
            let source = (try? request.content.get(String.self, at: "source-\(code)")).flatMap(HighwaysSends.AttributeSource.Source.init(rawValue:))
            let value = ((try? request.content.get(String.self, at: "value-\(code)")) ?? "").trimmingWhitespace()
            guard TextRules.isSingleLine(value), value.count <= 200 else {
                return request.seeOther("/admin/integrations#services-heading", flash: "The value for \(code) must be one line of at most 200 characters.")
            }
            if let source { sources[index].source = source }
            sources[index].value = sources[index].source == .fixed ? value : nil
        }
        let json = String(decoding: try JSONEncoder().encode(sources), as: UTF8.self)
        try await request.db.transaction { db in
            try await db.sql.update("highways_services").set("attributes", to: json).set("updated_at", to: request.now).where("id", .equal, id).run()
            try await AuditTrail.record(action: "highways_service_changed", enquiryID: nil, actorID: request.currentUser?.id,
                                        changes: [FieldChange(field: "Attributes of \(row.service_code)", before: row.attributes, after: json)], at: request.now, on: db)
        }
        return request.seeOther("/admin/integrations#services-heading", flash: "The attributes sent to \(row.service_name) have been saved.")
    }

    @Sendable static func removeService(_ request: Request) async throws -> Response {
        guard let id = request.parameters.get("serviceID").flatMap(UUID.init(uuidString:)) else { throw Abort(.notFound) }
        let removed = try await request.db.transaction { db -> String? in
            guard let row = try await db.sql.delete(from: "highways_services").where("id", .equal, id).returning("service_code").first() else { return nil }
            let code = try row.decode(column: "service_code", as: String.self)
            try await AuditTrail.record(action: "highways_service_removed", enquiryID: nil, actorID: request.currentUser?.id,
                                        detail: "No longer sent as \(code)", at: request.now, on: db)
            return code
        }
        return request.seeOther("/admin/integrations#services-heading", flash: removed.map { "Enquiries are no longer sent as \($0)." } ?? "That mapping was already removed.")
    }

    /// The status table: each row's outcome (`outcome-STATUS`), and a new status with its outcome.
    @Sendable static func saveStatuses(_ request: Request) async throws -> Response {
        let rows = try await request.db.sql.select().columns("status", "label", "outcome").from("highways_statuses").all(decoding: StatusRow.self)
        let newStatus = ((try? request.content.get(String.self, at: "new-status")) ?? "").trimmingWhitespace().lowercased()
        let newOutcome = (try? request.content.get(String.self, at: "new-outcome")).flatMap(HighwaysOutcome.init(rawValue:))
        if !newStatus.isEmpty {
            guard newStatus.count <= 60, newStatus.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }), newOutcome != nil else {
                return request.seeOther("/admin/integrations#statuses-heading", flash: "A new status is the system's word for it, letters, digits and underscores, with what it does.")
            }
        }
        let changed = try await request.db.transaction { db -> Bool in
            var changes: [FieldChange] = []
            for row in rows {
                guard let chosen = (try? request.content.get(String.self, at: "outcome-\(row.status)")).flatMap(HighwaysOutcome.init(rawValue:)),
                      chosen.rawValue != row.outcome else { continue }
                try await db.sql.update("highways_statuses").set("outcome", to: chosen.rawValue).where("status", .equal, row.status).run()
                changes.append(FieldChange(field: "Highways status \(row.status)", before: row.outcome, after: chosen.rawValue))
            }
            if !newStatus.isEmpty, let newOutcome, !rows.contains(where: { $0.status == newStatus }) {
                try await db.sql.insert(into: "highways_statuses").columns("status", "label", "outcome")
                    .values(SQLBind(newStatus), SQLBind(HighwaysStatusMap.label(of: newStatus)), SQLBind(newOutcome.rawValue)).run()
                changes.append(FieldChange(field: "Highways status \(newStatus)", before: "", after: newOutcome.rawValue))
            }
            if !changes.isEmpty {
                try await AuditTrail.record(action: "highways_statuses", enquiryID: nil, actorID: request.currentUser?.id, changes: changes, at: request.now, on: db)
            }
            return !changes.isEmpty
        }
        return request.seeOther("/admin/integrations#statuses-heading", flash: !changed ? "Nothing was changed." : "What the highways system's statuses do has been saved.")
    }

    /// Tries a refused report again, as it was; a held one is first looked for in the system's
    /// list again, so that it is posted only if it is not there.
    @Sendable static func retrySend(_ request: Request) async throws -> Response {
        guard let id = request.parameters.get("sendID").flatMap(UUID.init(uuidString:)) else { throw Abort(.notFound) }
        let done = try await request.db.transaction { db -> Bool in
            try await AuditTrail.lockHead(on: db)
            let state = SQLRaw("CASE WHEN state = 'held' THEN 'unknown' ELSE 'queued' END")
            guard let row = try await db.sql.update("highways_sends").set("state", to: state)
                .set("next_attempt_at", to: request.now).set("claimed_until", to: SQLLiteral.null)
                .where("id", .equal, id).where(SQLColumn("state"), .in, SQLGroupExpression(HighwaysSend.State.stuck.map { SQLBind($0.rawValue) }))
                .returning("enquiry_id").first() else { return false }
            try await AuditTrail.record(action: "highways_send", enquiryID: try row.decode(column: "enquiry_id", as: UUID.self),
                                        actorID: request.currentUser?.id, detail: "Sent to the highways system again by an administrator", at: request.now, on: db)
            return true
        }
        return request.seeOther("/admin/integrations#stuck-heading", flash: done ? "It will be sent again in a moment." : "That report is no longer waiting for you.")
    }

    /// Settles a held report the administrator found in the highways system, with its reference there.
    @Sendable static func markSent(_ request: Request) async throws -> Response {
        guard let id = request.parameters.get("sendID").flatMap(UUID.init(uuidString:)) else { throw Abort(.notFound) }
        let reference = ((try? request.content.get(String.self, at: "request-id")) ?? "").trimmingWhitespace()
        guard !reference.isEmpty, reference.count <= Open311.maximumIdentifierLength, TextRules.isSingleLine(reference) else {
            return request.seeOther("/admin/integrations#stuck-heading", flash: "Enter the highways system's reference for it, on one line.")
        }
        let done = try await request.db.transaction { db -> Bool in
            try await AuditTrail.lockHead(on: db)
            guard let row = try await db.sql.update("highways_sends").set("state", to: HighwaysSend.State.sent.rawValue)
                .set("service_request_id", to: reference).set("sent_at", to: request.now).set("claimed_until", to: SQLLiteral.null)
                .where("id", .equal, id).where("state", .equal, HighwaysSend.State.held.rawValue)
                .returning("enquiry_id").first() else { return false }
            try await AuditTrail.record(action: "highways_send", enquiryID: try row.decode(column: "enquiry_id", as: UUID.self),
                                        actorID: request.currentUser?.id, detail: "Found in the highways system as \(reference)", at: request.now, on: db)
            return true
        }
        return request.seeOther("/admin/integrations#stuck-heading", flash: done ? "Recorded as sent, as \(reference)." : "That report is no longer waiting for you.")
    }
}
