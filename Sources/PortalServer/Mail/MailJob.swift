import Foundation
import Vapor

extension RepeatingJob {
    /// Sends the outbox every ten seconds, when an SMTP server is configured.
    static var mail: RepeatingJob {
        RepeatingJob("Email", every: .seconds(10), after: .seconds(2)) { application in
            let council = try await CouncilMailSettings.load(on: application.db)
            let clock = try await application.serviceLevelCache.get(on: application.db).clock
            let digests = try await Outbox.gatherDigests(at: application.now, digestAt: council.digestAt, clock: clock, on: application.db)
            if digests > 0 { application.logger.notice("Email: \(digests) daily digests written") }
            guard let settings = application.portal.mail else { return }
            let outcome = try await Outbox.deliver(at: application.now, settings: settings, baseURL: application.portal.publicBaseURL,
                                                   group: application.eventLoopGroup, on: application.db)
            if outcome.retrying + outcome.failed > 0 {
                application.logger.warning("Email: \(outcome.sent) sent, \(outcome.retrying) to retry, \(outcome.failed) failed")
            }
        }
    }
}
