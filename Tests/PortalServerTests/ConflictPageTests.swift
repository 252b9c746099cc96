import Foundation
@testable import PortalServer
import Testing
import Vapor

@Suite struct ConflictPageTests {
    @Test func anUnresolvableConflictIsExplainedNotAServerError() async throws {
        try await withApp { app in
            let app = app
            let response = await ErrorPageMiddleware().response(for: EditConflict(), request: Request(application: app, on: app.eventLoopGroup.next()))
            #expect(response.status == .conflict)
            #expect(response.body.string?.contains("Someone else changed this enquiry a moment ago") == true)
        }
    }
}
