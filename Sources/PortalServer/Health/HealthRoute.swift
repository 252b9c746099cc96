import Fluent
import SQLKit
import Vapor

/// For load balancers: 200 while this instance can reach its database, 503 when it cannot.
enum HealthRoute {
    struct Status: Content {
        let status: String
        let database: String
    }

    @Sendable static func check(_ request: Request) async -> Response {
        let healthy: Bool
        do {
            _ = try await request.db.sql.raw("SELECT 1 AS ok").first()
            healthy = true
        } catch {
            request.logger.warning("Health check: database unreachable: \(error)")
            healthy = false
        }
        let response = Response(status: healthy ? .ok : .serviceUnavailable)
        try? response.content.encode(Status(status: healthy ? "ok" : "unavailable", database: healthy ? "ok" : "unreachable"))
        return response
    }
}
