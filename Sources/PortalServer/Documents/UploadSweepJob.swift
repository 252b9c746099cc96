import Foundation
import Vapor

extension RepeatingJob {
    /// Every minute, the erasing of uploads abandoned a day ago or more.
    static var uploadSweep: RepeatingJob {
        RepeatingJob("Upload sweep", every: .seconds(60)) { application in
            let swept = try await DocumentStore.sweepAbandoned(olderThan: application.now.addingTimeInterval(-86_400), on: application.db)
            if swept > 0 { application.logger.notice("Erased \(swept) unfinished uploads") }
        }
    }
}
