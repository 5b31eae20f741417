import Foundation
import NIOConcurrencyHelpers
import Vapor

/// Re-reads the configured model file every `interval` (a changed file is loaded; a
/// broken one leaves the previous model in service), so a new model goes live by copying
/// it into place, without a restart.
final class RiskModelWatch: LifecycleHandler, Sendable {
    private let task = NIOLockedValueBox<Task<Void, Never>?>(nil)
    private let path: String
    private let interval: Duration

    init(path: String, interval: Duration = .seconds(30)) {
        self.path = path
        self.interval = interval
    }

    func didBootAsync(_ application: Application) async throws {
        let (path, interval) = (path, interval)
        task.withLockedValue {
            $0 = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    application.smartGate.selectivity.models.reload(from: path, logger: application.logger)
                }
            }
        }
    }

    func shutdownAsync(_ application: Application) async {
        let running = task.withLockedValue { $0 }
        running?.cancel()
        await running?.value
    }
}
