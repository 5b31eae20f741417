import Foundation
import GateKit

/// What `corridor simulate` runs: a plant, a fleet size, a seeded stream of orders over
/// some hours, and optionally injected faults and emergency stops.
public struct SimulationSetup: Sendable {
    public var plant: CorridorPlant
    public var vehicles: Int
    public var orders: Int
    public var hours: Double
    public var seed: UInt64
    /// Silences and breakdowns per vehicle per day, and emergency stops per day.
    public var faultsPerVehicleDay: Double
    public var emergencyStopsPerDay: Double
    /// Unix time the simulation starts at; by default 06:00 local on 1 December 2026.
    public var start: Double
    /// How long after the last order arrives the fleet may work on before open orders are counted as open.
    public var drainHours: Double

    public init(plant: CorridorPlant, vehicles: Int, orders: Int, hours: Double, seed: UInt64,
                faultsPerVehicleDay: Double = 0, emergencyStopsPerDay: Double = 0, start: Double? = nil, drainHours: Double = 48) {
        self.plant = plant
        self.vehicles = vehicles
        self.orders = orders
        self.hours = hours
        self.seed = seed
        self.faultsPerVehicleDay = faultsPerVehicleDay
        self.emergencyStopsPerDay = emergencyStopsPerDay
        let zone = TimeZone(identifier: plant.timeZone) ?? .gmt
        self.start = start ?? (1_796_083_200 + 6 * 3_600 - Double(zone.secondsFromGMT(for: Date(timeIntervalSince1970: 1_796_083_200))))
        self.drainHours = drainHours
    }
}

/// The figures of one simulation run.
public struct SimulationReport: Sendable, Codable, Equatable {
    public struct Orders: Sendable, Codable, Equatable {
        public var total: Int
        public var finished: Int
        public var failed: Int
        public var withdrawn: Int
        /// Not ended when the run stopped.
        public var open: Int
    }
    public var orders: Orders
    public var meanOrderMinutes: Double
    public var p95OrderMinutes: Double
    /// Fraction of vehicle time spent on orders.
    public var utilisation: Double
    public var energyKWh: Double
    /// How many violations the safety checker found.
    public var violations: Int
    public var vehicles: Int
    public var crossings: Int
    public var mostOnBridge: Int
    public var simulatedHours: Double
    public var faultsInjected: Int
    public var emergencyStops: Int
    public var longestWaitMinutes: Double
    public var blockedByFaultMinutes: Double
    public var windowWaitMinutes: Double
    /// The first violations, for diagnosis.
    public var violationList: [SafetyViolation]
}

extension CorridorPlant {
    /// The same plant with a fleet of `count` shuttles like its first one, homed at the
    /// parking places in order; throws when there are not enough parking places.
    public func withFleet(_ count: Int) throws(PlantError) -> CorridorPlant {
        guard count >= 1, let model = fleet.first else { throw PlantError([PlantIssue("fleet", "at least one vehicle")]) }
        let parking = locations.filter { $0.kind == .parking }
        guard count <= parking.count else {
            throw PlantError([PlantIssue("fleet", "\(count) vehicles need \(count) parking places; \(name) has \(parking.count)")])
        }
        if count == fleet.count { return self }
        var copy = self
        copy.fleet = (0..<count).map { i in
            var spec = model
            spec.id = "SH-" + (i + 1 < 10 ? "0" : "") + "\(i + 1)"
            spec.home = parking[i].id
            return spec
        }
        return copy
    }
}

/// Runs a seeded corridor simulation end to end.
public enum CorridorSimulation {
    /// A seeded stream of orders: arrivals spread over `hours`, half each way, from a
    /// random bay to the far side's bay group, one in ten urgent (priority 5), deadline 4 h.
    public static func orders(for network: CorridorNetwork, count: Int, hours: Double, start: Double,
                              random: inout SeededGenerator) -> [TransportOrder] {
        let bays = BorderSide.allCases.map { network.bays[$0]!.map { network.locations[$0] } }
        let groups = BorderSide.allCases.map { network.bayGroups[$0] }
        var times = (0..<count).map { _ in start + Double.random(in: 0..<(hours * 3_600), using: &random) }
        times.sort()
        return times.enumerated().map { i, time in
            let side = Int.random(in: 0...1, using: &random)
            let source = bays[side].randomElement(using: &random)!
            let far = 1 - side
            let destination = groups[far] ?? bays[far].randomElement(using: &random)!.id
            var order = TransportOrder(
                id: "TO-\(i + 1)", container: containerNumber(&random), from: source.id, to: destination,
                priority: Double.random(in: 0..<1, using: &random) < 0.1 ? 5 : 0,
                deadline: Date(timeIntervalSince1970: time + 4 * 3_600), createdAt: Date(timeIntervalSince1970: time))
            // Now and then the second container of a truck must follow the first.
            if i > 0, Double.random(in: 0..<1, using: &random) < 0.05 { order.dependsOn = ["TO-\(i)"] }
            return order
        }
    }

    /// A valid ISO 6346 number with a random serial.
    public static func containerNumber(_ random: inout SeededGenerator) -> String {
        let owners = ["CSQ", "TGH", "MSK", "COS", "EVG", "HLX", "VNL", "SIN"]
        let serial = String(Int.random(in: 0..<1_000_000, using: &random))
        let prefix = owners.randomElement(using: &random)! + "U" + String(repeating: "0", count: 6 - serial.count) + serial
        return prefix + String(ContainerNumber.checkDigit(of: prefix)!)
    }

    /// Runs the setup and reports.
    public static func run(_ setup: SimulationSetup) throws(PlantError) -> SimulationReport {
        let plant = try setup.plant.withFleet(setup.vehicles)
        let network = CorridorNetwork(plant)
        var random = SeededGenerator(seed: setup.seed)
        let engine = CorridorEngine(network: network, start: setup.start)
        let orders = orders(for: network, count: setup.orders, hours: setup.hours, start: setup.start, random: &random)
        for order in orders { engine.schedule(order, at: order.createdAt.timeIntervalSince1970) }
        let horizon = setup.start + setup.hours * 3_600
        var faults = 0, stops = 0
        let days = setup.hours / 24
        for v in 0..<setup.vehicles {
            let count = poisson(setup.faultsPerVehicleDay * days, &random)
            for _ in 0..<count {
                let at = setup.start + Double.random(in: 0..<(setup.hours * 3_600), using: &random)
                let fault: ShuttleFault = Bool.random(using: &random)
                    ? .silence(seconds: Double.random(in: 30...600, using: &random))
                    : .breakdown(seconds: Double.random(in: 120...1_800, using: &random))
                engine.inject(fault, into: v, at: at)
                faults += 1
            }
        }
        for _ in 0..<poisson(setup.emergencyStopsPerDay * days, &random) {
            engine.scheduleEmergencyStop(at: setup.start + Double.random(in: 0..<(setup.hours * 3_600), using: &random),
                                         seconds: Double.random(in: 30...300, using: &random))
            stops += 1
        }
        engine.run(until: horizon)
        let end = engine.runUntilSettled(limit: horizon + setup.drainHours * 3_600)
        return report(engine, vehicles: setup.vehicles, start: setup.start, end: end, faults: faults, stops: stops)
    }

    static func report(_ engine: CorridorEngine, vehicles: Int, start: Double, end: Double, faults: Int, stops: Int) -> SimulationReport {
        let all = engine.control.allOrders
        let times = all.compactMap { order -> Double? in
            guard order.state == .finished, let done = order.finishedAt else { return nil }
            return (done.timeIntervalSince1970 - order.createdAt.timeIntervalSince1970) / 60
        }.sorted()
        let busy = engine.control.vehicles.reduce(0.0) { $0 + $1.busySeconds + ($1.busySince.map { end - $0 } ?? 0) }
        let checker = engine.checker
        let p95 = times.isEmpty ? 0 : times[min(times.count - 1, Int((Double(times.count) * 0.95).rounded(.up)) - 1)]
        return SimulationReport(
            orders: .init(total: all.count, finished: all.count { $0.state == .finished }, failed: all.count { $0.state == .failed },
                          withdrawn: all.count { $0.state == .withdrawn }, open: all.count { !$0.state.isFinal }),
            meanOrderMinutes: times.isEmpty ? 0 : times.reduce(0, +) / Double(times.count),
            p95OrderMinutes: p95,
            utilisation: end > start ? busy / (Double(vehicles) * (end - start)) : 0,
            energyKWh: engine.shuttles.reduce(0) { $0 + $1.energyUsedKWh },
            violations: checker.violations.count, vehicles: vehicles, crossings: checker.crossings,
            mostOnBridge: checker.mostOnBridge, simulatedHours: (end - start) / 3_600, faultsInjected: faults,
            emergencyStops: stops, longestWaitMinutes: checker.longestWaitSeconds / 60,
            blockedByFaultMinutes: checker.blockedByFaultSeconds / 60, windowWaitMinutes: checker.windowWaitSeconds / 60,
            violationList: Array(checker.violations.prefix(10)))
    }

    private static func poisson(_ mean: Double, _ random: inout SeededGenerator) -> Int {
        guard mean > 0 else { return 0 }
        let limit = exp(-mean)
        var product = 1.0, count = -1
        repeat {
            count += 1
            product *= Double.random(in: 0..<1, using: &random)
        } while product > limit && count < 10_000
        return count
    }
}
