import Foundation
@testable import PortalServer
import Testing
import Vapor

@Suite struct HealthTests {
    @Test func answers200WhenTheDatabaseAnswers() async throws {
        try await withApp { app in
            let page = try await TestBrowser(app).get("/health")
            #expect(page.status == .ok)
            #expect(page.body.contains("\"database\":\"ok\""))
        }
    }

    @Test func answers503WhenTheDatabaseIsDown() async throws {
        let app = try await Application.make(.testing)
        app.logger.logLevel = .critical
        do {
            // Nothing listens on port 1: the database is "down".
            try await configure(app, .forTests(.postgres(url: "postgres://portal@127.0.0.1:1/portal")))
            let page = try await TestBrowser(app).get("/health")
            #expect(page.status == .serviceUnavailable)
            #expect(page.body.contains("\"database\":\"unreachable\""))
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }
}
