import Foundation
import GateKit

/// A scheduling problem that SmartGate's dispatcher, the baseline policies, an exact
/// solver (`scripts/corridor_cpsat.py`) and the brute-force solver can all read: a
/// two-yard plant with one single-vehicle span, shuttles at their homes, orders released
/// over time, the span's closed intervals, and the travel times the router derives (split
/// at the span), so a solver that does not route sees exactly the times the simulation uses.
///
/// Objective: the sum over orders of weight × (completion − release), plus `lateWeight`
/// × the seconds each order finishes past its deadline. The constraints are stated where
/// they are played out (`VehicleWalk`, ScheduleModel.swift) and in the CP-SAT script.
public struct SchedulingInstance: Sendable, Codable {
    /// One container to carry across, from a bay on one side to a bay on the other.
    public struct Order: Sendable, Codable, Equatable {
        public var id: String
        /// The bay the container waits in.
        public var from: String
        /// The bay it goes to.
        public var to: String
        /// Seconds from 0 at which the order is known and its container is in its bay.
        public var release: Double
        /// The dispatcher's priority: 0 normal, 5 urgent.
        public var priority: Int
        /// The order's weight in the objective (3 for urgent orders, else 1).
        public var weight: Double
        /// Seconds from 0 after which each second counts `lateWeight` more (absent: none).
        public var deadline: Double?
    }

    /// Seconds from one location to another: before the span, on it (0 when not
    /// crossing), after it.
    public struct Leg: Sendable, Codable, Equatable {
        public var before: Double
        public var span: Double
        public var after: Double

        /// A leg that does not move.
        public static let none = Leg(before: 0, span: 0, after: 0)
    }

    /// The format tag every instance file carries.
    public static let currentFormat = "smartgate-corridor-instance/2"

    public var format: String
    /// The ``InstanceClass`` it was drawn from ("test" for hand-made ones).
    public var instanceClass: String
    public var seed: UInt64
    /// The plant the simulation runs on; its fleet are the vehicles.
    public var plant: CorridorPlant
    public var orders: [Order]
    /// Each shuttle's starting location (its home).
    public var vehicles: [String: String]
    /// Every battery's charge at 0, as a fraction of its capacity.
    public var batteryFraction: Double
    /// True when the batteries need charging during the run, which the exact model does
    /// not represent: its optimum is then a lower bound of the simulated problem.
    public var energyRelaxed: Bool
    public var loadSeconds: Double
    public var unloadSeconds: Double
    /// `legs[from][to]` for every pair of locations the instance uses.
    public var legs: [String: [String: Leg]]
    /// Intervals [start, end) (seconds from 0) in which no part of a crossing may lie: the
    /// span's closed windows over the first two days.
    public var closed: [[Double]]
    /// What each second past a deadline adds to the objective.
    public var lateWeight: Double
    /// The objective in words, for a reader of the file.
    public var objective: String

    /// An instance on `plant` (whose fleet are the vehicles), with legs and closed
    /// intervals derived from the plant.
    public init(instanceClass: String, seed: UInt64, plant: CorridorPlant, orders: [Order], batteryFraction: Double = 1,
                energyRelaxed: Bool = false) {
        format = Self.currentFormat
        self.instanceClass = instanceClass
        self.seed = seed
        self.plant = plant
        self.orders = orders
        vehicles = Dictionary(uniqueKeysWithValues: plant.fleet.map { ($0.id, $0.home) })
        self.batteryFraction = batteryFraction
        self.energyRelaxed = energyRelaxed
        loadSeconds = plant.operations.loadSeconds
        unloadSeconds = plant.operations.unloadSeconds
        let used = Set(vehicles.values).union(orders.flatMap { [$0.from, $0.to] }).sorted()
        legs = Self.legs(between: used, on: plant)
        closed = Self.closedIntervals(plant.windows.daily, days: 2)
        lateWeight = 4
        objective = "sum over orders of weight x (completion - release) + lateWeight x max(0, completion - deadline), "
            + "completion = container unloaded, seconds from 0"
    }

    /// The leg between two locations (none from a place to itself).
    public func leg(_ from: String, _ to: String) -> Leg {
        from == to ? .none : legs[from]![to]!
    }

    /// The objective of a run, or nil when an order did not finish.
    public func objective(of completions: [String: Double]) -> Double? {
        var sum = 0.0
        for (i, order) in orders.enumerated() {
            guard let done = completions[order.id] else { return nil }
            sum += cost(of: i, at: done)
        }
        return sum
    }

    private static func legs(between used: [String], on plant: CorridorPlant) -> [String: [String: Leg]] {
        let network = CorridorNetwork(plant)
        let kmh = plant.fleet[0].maxSpeedKmh
        var legs: [String: [String: Leg]] = [:]
        for a in used {
            for b in used where a != b {
                let route = network.route(from: network.locations[network.locationIndex[a]!].point,
                                          to: network.locations[network.locationIndex[b]!].point, kmh: kmh)!
                var leg = Leg.none
                var crossed = false
                for p in route.paths {
                    let seconds = network.seconds(along: p, kmh: kmh)
                    if network.paths[p].onBridge { leg.span += seconds; crossed = true } else if crossed { leg.after += seconds } else { leg.before += seconds }
                }
                legs[a, default: [:]][b] = leg
            }
        }
        return legs
    }

    /// The gaps between the daily windows (validated, in order) over `days` days from 0.
    static func closedIntervals(_ windows: [DailyWindow], days: Int) -> [[Double]] {
        var closed: [[Double]] = []
        for day in 0..<days {
            var open = Double(day) * 86_400
            for window in windows {
                let from = Double(day) * 86_400 + WindowCalendar.seconds(window.from)!
                if from > open { closed.append([open, from]) }
                open = Double(day) * 86_400 + WindowCalendar.seconds(window.to)!
            }
            if open < Double(day + 1) * 86_400 { closed.append([open, Double(day + 1) * 86_400]) }
        }
        return closed
    }
}
