import Foundation

/// A service level's scope as one text, `service_levels.scope`: the service area and type ids, `*`
/// for any. Unique in the table, because SQL treats empty ids as distinct.
enum ServiceLevelScope {
    static func key(serviceAreaID: UUID?, typeID: UUID?) -> String {
        "\(serviceAreaID?.uuidString ?? "*")|\(typeID?.uuidString ?? "*")"
    }
}
