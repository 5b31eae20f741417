import Foundation

/// What the simulated shuttles did with an instance: when each order finished, what the
/// safety checker found, and the schedule itself (for the replay check).
public struct SimulatedSchedule: Sendable {
    /// Seconds from 0 at which each finished order's container was unloaded.
    public var completions: [String: Double]
    /// What the safety checker found (none is the only acceptable answer).
    public var violations: [SafetyViolation]
    /// The schedule as it ran, for ``ScheduleReplay``.
    public var trace: ScheduleTrace
}

/// A run's schedule in the exact model's terms: each vehicle's orders in the order it
/// loaded them, and every span crossing with what it was for.
public struct ScheduleTrace: Sendable, Codable, Equatable {
    /// What a crossing was for.
    public enum Purpose: String, Sendable, Codable {
        /// On the way to pick `order`.
        case empty
        /// Carrying `order`.
        case loaded
        /// To park or to charge: a move the exact model does not have.
        case other
    }

    /// One vehicle granted the span.
    public struct Crossing: Sendable, Codable, Equatable {
        public var vehicle: String
        /// When the vehicle was granted the span (it stands at the stop line then).
        public var start: Double
        /// The order the vehicle was working for (nil when parking or charging).
        public var order: String?
        public var kind: Purpose
    }

    /// Each vehicle's orders, in the order it loaded them.
    public var sequences: [String: [String]]
    /// Every crossing, in the order they were granted.
    public var crossings: [Crossing]
}

extension SchedulingInstance {
    /// Dispatches the instance by `policy` on simulated shuttles (orders submitted at their
    /// release, batteries at `batteryFraction`, the plant's windows) until every order has
    /// ended or two days have passed.
    public func solveBySimulation(policy: DispatchPolicy = .smartgate) -> SimulatedSchedule {
        let network = CorridorNetwork(plant)
        let engine = CorridorEngine(network: network, start: 0, batteryFraction: batteryFraction, policy: policy)
        var crossings: [ScheduleTrace.Crossing] = []
        engine.onEvent = { [unowned engine] event in
            guard case .crossing(let vehicle, _, let at) = event,
                  let status = engine.control.vehicleStatus.first(where: { $0.id == vehicle }) else { return }
            let kind: ScheduleTrace.Purpose = status.order == nil ? .other : status.loaded ? .loaded : .empty
            crossings.append(.init(vehicle: vehicle, start: at, order: status.order, kind: kind))
        }
        for (i, order) in orders.enumerated() {
            // A millionth of a second apart: ties in arrival keep the instance's order.
            let transport = TransportOrder(id: order.id, container: "CSQU3054383", from: order.from, to: order.to,
                                           priority: order.priority, deadline: order.deadline.map { Date(timeIntervalSince1970: $0) },
                                           createdAt: Date(timeIntervalSince1970: order.release + Double(i) * 1e-6))
            if order.release == 0 { engine.submit(transport) } else { engine.schedule(transport, at: order.release) }
        }
        _ = engine.runUntilSettled(limit: 2 * 86_400, step: 60)
        var completions: [String: Double] = [:]
        var loaded: [String: [(Double, String)]] = Dictionary(uniqueKeysWithValues: plant.fleet.map { ($0.id, []) })
        for order in engine.control.allOrders where order.state == .finished {
            completions[order.id] = order.finishedAt!.timeIntervalSince1970
            if let vehicle = order.vehicle, let at = order.loadedAt { loaded[vehicle, default: []].append((at.timeIntervalSince1970, order.id)) }
        }
        let sequences = loaded.mapValues { $0.sorted { $0 < $1 }.map(\.1) }
        return SimulatedSchedule(completions: completions, violations: engine.checker.violations,
                                 trace: ScheduleTrace(sequences: sequences, crossings: crossings))
    }
}
