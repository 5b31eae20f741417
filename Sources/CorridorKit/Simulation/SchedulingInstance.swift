import Foundation
import GateKit

/// A small scheduling problem both SmartGate's dispatcher and an exact solver can read:
/// a two-yard plant with one single-vehicle span, three shuttles, a few orders all ready
/// at time 0, and the travel times the router derives (split at the span), so a solver
/// that does not route sees exactly the times the simulation uses.
public struct SchedulingInstance: Sendable, Codable {
    public struct Order: Sendable, Codable {
        public var id: String
        public var from: String
        public var to: String
    }

    /// Seconds from one location to another: before the span, on it (0 when not
    /// crossing), after it.
    public struct Leg: Sendable, Codable, Equatable {
        public var before: Double
        public var span: Double
        public var after: Double
    }

    public static let currentFormat = "smartgate-corridor-instance/1"

    public var format: String
    public var seed: UInt64
    public var plant: CorridorPlant
    public var orders: [Order]
    /// Each shuttle's starting location (its home).
    public var vehicles: [String: String]
    public var loadSeconds: Double
    public var unloadSeconds: Double
    /// `legs[from][to]` for every pair of locations the instance uses.
    public var legs: [String: [String: Leg]]
    /// Objective: the sum over orders of the time their container is unloaded.
    public var objective: String

    /// A seeded instance with `orderCount` orders (sources and destinations all distinct
    /// bays, so bays never conflict) and three shuttles.
    public static func generate(seed: UInt64, orderCount: Int) -> SchedulingInstance {
        var random = SeededGenerator(seed: seed &* 7_919 &+ 17)
        let plant = twoYardPlant(baysPerSide: 8, homes: ["A-P1", "A-P2", "B-P1"])
        let network = CorridorNetwork(plant)
        var free: [BorderSide: [String]] = [
            .vn: (1...8).map { "A-H\($0)" }.shuffled(using: &random),
            .cn: (1...8).map { "B-H\($0)" }.shuffled(using: &random),
        ]
        var orders: [Order] = []
        for i in 0..<orderCount {
            let side: BorderSide = Bool.random(using: &random) ? .vn : .cn
            let from = free[side]!.removeLast(), to = free[side.opposite]!.removeLast()
            orders.append(Order(id: "O\(i + 1)", from: from, to: to))
        }
        let vehicles = Dictionary(uniqueKeysWithValues: plant.fleet.map { ($0.id, $0.home) })
        let used = Set(vehicles.values).union(orders.flatMap { [$0.from, $0.to] }).sorted()
        var legs: [String: [String: Leg]] = [:]
        let kmh = plant.fleet[0].maxSpeedKmh
        for a in used {
            for b in used where a != b {
                let route = network.route(from: network.locations[network.locationIndex[a]!].point,
                                          to: network.locations[network.locationIndex[b]!].point, kmh: kmh)!
                var leg = Leg(before: 0, span: 0, after: 0)
                var crossed = false
                for p in route.paths {
                    let seconds = network.seconds(along: p, kmh: kmh)
                    if network.paths[p].onBridge { leg.span += seconds; crossed = true } else if crossed { leg.after += seconds } else { leg.before += seconds }
                }
                legs[a, default: [:]][b] = leg
            }
        }
        return SchedulingInstance(format: currentFormat, seed: seed, plant: plant, orders: orders, vehicles: vehicles,
                                  loadSeconds: plant.operations.loadSeconds, unloadSeconds: plant.operations.unloadSeconds,
                                  legs: legs, objective: "sum of order completion times (container unloaded), seconds from 0")
    }

    /// Dispatches the instance with SmartGate's controller on simulated shuttles and
    /// returns each order's completion time, plus what the safety checker found.
    public func solveBySimulation() -> (completions: [String: Double], violations: [SafetyViolation]) {
        let network = CorridorNetwork(plant, windows: .alwaysOpen())
        let engine = CorridorEngine(network: network, start: 0)
        for (i, order) in orders.enumerated() {
            engine.submit(TransportOrder(id: order.id, container: "CSQU305438" + "3", from: order.from, to: order.to,
                                         createdAt: Date(timeIntervalSince1970: Double(i) * 1e-6)))
        }
        _ = engine.runUntilSettled(limit: 86_400, step: 60)
        var completions: [String: Double] = [:]
        for order in engine.control.allOrders where order.state == .finished {
            completions[order.id] = order.finishedAt!.timeIntervalSince1970
        }
        return (completions, engine.checker.violations)
    }

    /// Two yards (A on the Vietnamese side, B on the Chinese) joined by approaches and one
    /// single-vehicle span; each yard has `baysPerSide` bays, three parking places and a charger.
    public static func twoYardPlant(baysPerSide: Int, homes: [String]) -> CorridorPlant {
        var points: [PlantPoint] = []
        var paths: [PlantPath] = []
        var locations: [PlantLocation] = []
        func both(_ a: String, _ b: String, _ length: Double, _ kmh: Double) {
            paths.append(PlantPath(id: "\(a)>\(b)", from: a, to: b, length: length, maxSpeedKmh: kmh))
            paths.append(PlantPath(id: "\(b)>\(a)", from: b, to: a, length: length, maxSpeedKmh: kmh))
        }
        for (name, x) in [("A-HUB", 0.0), ("A-STOP", 600), ("B-STOP", 800), ("B-HUB", 1_400)] {
            points.append(PlantPoint(id: name, x: x, y: 0))
        }
        both("A-HUB", "A-STOP", 600, 30)
        both("A-STOP", "B-STOP", 200, 30)
        both("B-STOP", "B-HUB", 600, 30)
        for (yard, side, x) in [("A", BorderSide.vn, 0.0), ("B", BorderSide.cn, 1_400)] {
            var spurs: [(String, LocationKind, String?)] = (1...baysPerSide).map { ("\(yard)-H\($0)", .handoverBay, "\(yard.lowercased())-bays") }
            spurs += (1...3).map { ("\(yard)-P\($0)", .parking, nil) }
            spurs.append(("\(yard)-C1", .charger, nil))
            for (i, (id, kind, group)) in spurs.enumerated() {
                points.append(PlantPoint(id: id, x: x, y: Double(i + 1) * 20))
                both("\(yard)-HUB", id, 40 + Double(i) * 5, 10)
                locations.append(PlantLocation(id: id, kind: kind, side: side, point: id, group: group))
            }
        }
        let fleet = homes.enumerated().map { i, home in
            ShuttleSpec(id: "S\(i + 1)", authorisedBy: [.vn, .cn], batteryKWh: 282, emptyKWhPerKm: 1.3, loadedKWhPerKm: 2.1,
                        chargeKW: 120, maxSpeedKmh: 30, home: home)
        }
        return CorridorPlant(
            format: CorridorPlant.currentFormat, name: "two-yard test corridor", timeZone: "UTC", points: points, paths: paths,
            blocks: [PlantBlock(id: "SPAN", kind: .singleVehicle, paths: ["A-STOP>B-STOP", "B-STOP>A-STOP"], reverse: nil)],
            locations: locations, bridge: BridgeRules(block: "SPAN", maxVehicles: 1, speedLimitKmh: 20),
            windows: CorridorWindows(daily: [DailyWindow(from: "00:00", to: "24:00")], exceptions: nil),
            fleet: fleet, energy: EnergyThresholds(critical: 0.2, good: 0.5, sufficient: 0.6, full: 0.95),
            operations: OperatingRules(loadSeconds: 120, unloadSeconds: 120, reportEverySeconds: 10, silentAfterSeconds: 30,
                                       waitBoundSeconds: 3_600, maxSameDirectionInRow: 2))
    }
}
