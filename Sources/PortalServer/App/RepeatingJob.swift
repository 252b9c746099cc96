import Foundation
import NIOConcurrencyHelpers
import NIOCore
import Vapor

/// Background work inside the server: runs `work` every `interval` from boot until shutdown,
/// logging failures instead of stopping. Started by `serve` and `demo` only; tests call the work
/// itself with a chosen clock.
final class RepeatingJob: LifecycleHandler, Sendable {
    let name: String
    let interval: TimeAmount
    let initialDelay: TimeAmount
    let work: @Sendable (Application) async throws -> Void
    private let task = NIOLockedValueBox<RepeatedTask?>(nil)

    init(_ name: String, every interval: TimeAmount, after initialDelay: TimeAmount = .seconds(5),
         work: @escaping @Sendable (Application) async throws -> Void) {
        self.name = name
        self.interval = interval
        self.initialDelay = initialDelay
        self.work = work
    }

    func didBoot(_ application: Application) throws {
        let logger = application.logger
        let (name, work) = (self.name, self.work)
        let repeated = application.eventLoopGroup.next().scheduleRepeatedAsyncTask(initialDelay: initialDelay, delay: interval) { _ in
            let promise = application.eventLoopGroup.next().makePromise(of: Void.self)
            promise.completeWithTask {
                do { try await work(application) } catch { logger.error("\(name) failed: \(String(reflecting: error))") }
            }
            return promise.futureResult
        }
        task.withLockedValue { $0 = repeated }
    }

    func shutdown(_ application: Application) {
        task.withLockedValue { $0?.cancel() }
    }
}
