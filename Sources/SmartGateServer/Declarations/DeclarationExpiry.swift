import Fluent
import Foundation
import GateKit
import NIOConcurrencyHelpers
import Vapor

/// Expires declarations whose truck never came: `submitted`/`amended` past the arrival
/// window (the same window a lane allows) become `expired`, so a stale declaration can
/// never be matched to a vehicle weeks later.
final class DeclarationExpiry: LifecycleHandler, Sendable {
    private let task = NIOLockedValueBox<Task<Void, Never>?>(nil)
    private let interval: Duration

    init(interval: Duration = .seconds(60)) {
        self.interval = interval
    }

    func didBootAsync(_ application: Application) async throws {
        let interval = interval
        task.withLockedValue {
            $0 = Task {
                while !Task.isCancelled {
                    // With several instances on one PostgreSQL, the lease holder sweeps.
                    if !application.smartGate.leases.holds(.expirySweep) {
                        try? await Task.sleep(for: .seconds(1))
                        continue
                    }
                    do {
                        let expired = try await Self.sweep(application, now: application.now)
                        if expired > 0 { application.logger.info("expired \(expired) declaration(s) past their arrival window") }
                    } catch {
                        application.logger.warning("declaration expiry sweep failed: \(String(describing: error))")
                    }
                    try? await Task.sleep(for: interval)
                }
            }
        }
    }

    func shutdownAsync(_ application: Application) async {
        let running = task.withLockedValue { $0 }
        running?.cancel()
        await running?.value
    }

    /// Expires every declaration whose window closed before `now`; returns how many.
    static func sweep(_ application: Application, now: Date) async throws -> Int {
        let context = application.smartGate
        let audit = context.audit
        let cutoff = now.addingTimeInterval(-context.settings.lanePolicy.arrivalWindow).milliseconds
        return try await context.commits.perform { db in
            let stale = try await DeclarationModel.query(on: db)
                .filter(\.$status ~~ [DeclarationStatus.submitted.rawValue, DeclarationStatus.amended.rawValue])
                .filter(\.$plannedArrivalMs < cutoff)
                .limit(500)
                .all()
            for model in stale {
                try await model.move(to: .expired, actor: "system", reason: "arrival window closed", at: now, audit: audit, on: db)
            }
            return stale.count
        }
    }
}
