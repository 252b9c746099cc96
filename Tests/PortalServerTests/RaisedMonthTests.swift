import NIOConcurrencyHelpers
import Foundation
import PortalCore
@testable import PortalServer
import SQLKit
import Testing
import Vapor

@Suite struct RaisedMonthTests {
    func months(_ app: Application) async throws -> [(stored: String?, expected: String)] {
        try await app.db.sql.raw("SELECT raised_month, created_at FROM enquiries").all().map {
            (try $0.decode(column: "raised_month", as: String?.self), CouncilTime.month(of: try $0.decode(column: "created_at", as: Date.self)))
        }
    }

    @Test func everyWriterStoresTheLocalMonthAndTheMigrationFillsOldRows() async throws {
        try await withApp { app in
            try await DemoEnquiries.load(on: app.db, at: app.now)
            _ = try await Fixtures(app: app).submitted()
            try await VolumeSeed.run(count: 300, years: 2, seed: 3, now: app.now, on: app.db) { _ in }
            let written = try await months(app)
            #expect(written.count > 600)
            #expect(written.allSatisfy { $0.stored == $0.expected })

            // Rows from before the column existed are filled from created_at.
            try await app.db.sql.raw("UPDATE enquiries SET raised_month = NULL").run()
            try await AddReportIndexes.fill(on: app.db.sql)
            let filled = try await months(app)
            #expect(filled.allSatisfy { $0.stored == $0.expected })
            // A moment after midnight on 1 June, London time, belongs to June though it is still May in UTC.
            #expect(CouncilTime.month(of: Date(timeIntervalSince1970: 1_780_268_400 + 60)) == "2026-06-01")
        }
    }
}
