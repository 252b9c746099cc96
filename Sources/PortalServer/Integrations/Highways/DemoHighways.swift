import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// `portal demo` with a highways system attached: the fake one, on a loopback port of its own,
/// started with the demo and stopped with it. It marks each report in progress ten seconds after
/// it arrives and fixed twenty seconds later, and the demo reads updates every fifteen seconds, so
/// a newcomer sees a safety report go out and its updates come back within a minute.
enum DemoHighways {
    private struct Key: StorageKey { typealias Value = FakeHighways }

    static let apiKey = "demo-key"
    /// How often the demo reads updates, in place of the administrator's minutes.
    static let pollEvery: TimeInterval = 15

    /// Starts the fake, points the integration at it and, the first time, maps the demo's safety
    /// reports to its services. Returns where it listens.
    static func attach(_ app: Application) async throws -> String {
        let fake = try await FakeHighways.start(apiKey: apiKey)
        await fake.setAutoProgress(inProgressAfter: 10, fixedAfter: 30)
        await app.storage.setWithAsyncShutdown(Key.self, to: fake) { try await $0.shutdown() }
        let current = try await HighwaysSettings.load(on: app.db)
        var settings = current
        (settings.enabled, settings.endpoint, settings.apiKey, settings.format, settings.pollMinutes, settings.timeoutSeconds, settings.updatesExtension)
            = (true, fake.baseURL, apiKey, .xml, 1, 10, true)
        _ = try await settings.save(expecting: current.version, at: app.now, on: app.db)
        try await mapServices(on: app.db, at: app.now)
        return fake.baseURL
    }

    static func mapServices(on db: any Database, at now: Date) async throws {
        guard try await db.sql.select().column("id").from("highways_services").first() == nil,
              let safety = try await EnquiryType.query(on: db).filter(\.$name == DefaultEnquiryTypes.safetyIssue).first()?.id
        else { return }
        let layers = try await db.sql.select().columns("id", "code").from("asset_layers").all()
            .reduce(into: [String: UUID]()) { $0[try $1.decode(column: "code", as: String.self)] = try $1.decode(column: "id", as: UUID.self) }
        let asset = #"[{"code":"central_asset_id","source":"asset"}]"#
        let rows: [(UUID?, String, String, String)] = [
            (nil, "HWY-DEFECT", "Highway defect", #"[{"code":"portal_reference","source":"reference"},{"code":"hazard","source":"fixed","value":"other"}]"#),
            (layers["street-lights"], "HWY-LIGHT", "Street light fault", asset),
            (layers["gullies"], "HWY-GULLY", "Blocked gully or drain", asset),
            (layers["grit-bins"], "HWY-GRIT", "Grit bin", asset),
        ]
        for (layer, code, name, attributes) in rows where layer != nil || code == "HWY-DEFECT" {
            try await db.sql.insert(into: "highways_services")
                .columns("id", "type_id", "asset_layer_id", "service_code", "service_name", "attributes", "updated_at")
                .values(SQLBind(UUID()), SQLBind(safety), SQLBind(layer), SQLBind(code), SQLBind(name), SQLBind(attributes), SQLBind(now))
                .run()
        }
    }
}
