import Foundation
import GateKit

/// The benchmark's families of instances. `open` is the first benchmark's (three shuttles,
/// a few orders known at 0, the span always open), kept to compare with earlier results;
/// the others look like the real day: the span busy most of the open time, a closed break,
/// orders arriving over time, urgent ones and deadlines, and in the last one batteries
/// that need charging.
public enum InstanceClass: String, Sendable, CaseIterable {
    case open
    /// Small enough for the brute-force solver: 3 shuttles, 4 orders.
    case fourOrders = "four-orders"
    /// 6 shuttles, 10 orders over 10 minutes, a 5-minute break: solved to optimality.
    case contendedSmall = "contended-small"
    /// 10 shuttles, 40 orders over 40 minutes, a 10-minute break: best bound and solution.
    case contendedDay = "contended-day"
    /// 20 shuttles, 120 orders over 2 hours, a 15-minute break, batteries at 45 %.
    case contendedCharging = "contended-charging"

    struct Shape {
        var vehicles: Int
        var orders: Int
        var arrivalSeconds: Double
        /// Closed "HH:MM" to "HH:MM" within the first day.
        var closed: (String, String)?
        var urgentShare: Double
        var deadlineShare: Double
        var batteryFraction: Double
    }

    var shape: Shape {
        switch self {
        case .open: Shape(vehicles: 3, orders: 4, arrivalSeconds: 0, closed: nil, urgentShare: 0, deadlineShare: 0, batteryFraction: 1)
        case .fourOrders: Shape(vehicles: 3, orders: 4, arrivalSeconds: 600, closed: ("00:10", "00:15"),
                                urgentShare: 0.25, deadlineShare: 0.5, batteryFraction: 1)
        case .contendedSmall: Shape(vehicles: 6, orders: 10, arrivalSeconds: 600, closed: ("00:10", "00:15"),
                                    urgentShare: 0.2, deadlineShare: 0.3, batteryFraction: 1)
        case .contendedDay: Shape(vehicles: 10, orders: 40, arrivalSeconds: 2_400, closed: ("00:20", "00:30"),
                                  urgentShare: 0.1, deadlineShare: 0.3, batteryFraction: 1)
        case .contendedCharging: Shape(vehicles: 20, orders: 120, arrivalSeconds: 7_200, closed: ("01:00", "01:15"),
                                       urgentShare: 0.1, deadlineShare: 0.3, batteryFraction: 0.45)
        }
    }

    /// How many instances of the class the benchmark runs by default.
    public var defaultCount: Int {
        switch self {
        case .open: 10
        case .fourOrders: 6
        case .contendedSmall: 8
        case .contendedDay: 3
        case .contendedCharging: 2
        }
    }

    /// The seeded instance: every order from a bay of its own to a bay of its own on the
    /// other side (so bays never conflict and the span is what is contended), arrivals
    /// uniform over the arrival period, urgent orders weighing 3, deadlines 15 to 30 minutes
    /// after release (60 to 90 in the day classes).
    public func instance(seed: UInt64) -> SchedulingInstance {
        if self == .open { return SchedulingInstance.generate(seed: seed, orderCount: 4 + Int(seed % 5)) }
        let shape = shape
        var random = SeededGenerator(seed: seed &* 6_364_136_223_846_793_005 &+ UInt64(shape.orders))
        var plant = TwoYardPlant(baysPerSide: shape.orders, homes: [])
        plant.parkingPerSide = max(3, (shape.vehicles + 1) / 2 + 1)
        plant.chargersPerSide = shape.batteryFraction < 1 ? 3 : 1
        plant.homes = (0..<shape.vehicles).map { "\($0 % 2 == 0 ? "A" : "B")-P\($0 / 2 + 1)" }
        if let (from, to) = shape.closed {
            plant.windows = [DailyWindow(from: "00:00", to: from), DailyWindow(from: to, to: "24:00")]
        }
        var bays = FreeBays(perSide: shape.orders, using: &random)
        let releases = (0..<shape.orders).map { _ in (Double.random(in: 0..<shape.arrivalSeconds, using: &random) * 10).rounded() / 10 }.sorted()
        let slack = shape.orders > 10 ? 3_600.0...5_400 : 900.0...1_800
        let orders = releases.enumerated().map { i, release in
            let side: BorderSide = Bool.random(using: &random) ? .vn : .cn
            let urgent = Double.random(in: 0..<1, using: &random) < shape.urgentShare
            let deadline = Double.random(in: 0..<1, using: &random) < shape.deadlineShare
                ? release + (Double.random(in: slack, using: &random) / 60).rounded() * 60 : nil
            let (from, to) = bays.pair(from: side)
            return SchedulingInstance.Order(id: "O\(i + 1)", from: from, to: to,
                                            release: release, priority: urgent ? 5 : 0, weight: urgent ? 3 : 1, deadline: deadline)
        }
        return SchedulingInstance(instanceClass: rawValue, seed: seed, plant: plant.build(), orders: orders,
                                  batteryFraction: shape.batteryFraction, energyRelaxed: shape.batteryFraction < 1)
    }
}

extension SchedulingInstance {
    /// The first benchmark's instance (class `open`): `orderCount` orders all known at 0,
    /// sources and destinations all distinct bays, three shuttles, the span always open.
    public static func generate(seed: UInt64, orderCount: Int) -> SchedulingInstance {
        var random = SeededGenerator(seed: seed &* 7_919 &+ 17)
        let plant = TwoYardPlant(baysPerSide: 8, homes: ["A-P1", "A-P2", "B-P1"]).build()
        var bays = FreeBays(perSide: 8, using: &random)
        var orders: [Order] = []
        for i in 0..<orderCount {
            let side: BorderSide = Bool.random(using: &random) ? .vn : .cn
            let (from, to) = bays.pair(from: side)
            orders.append(Order(id: "O\(i + 1)", from: from, to: to, release: 0, priority: 0, weight: 1, deadline: nil))
        }
        return SchedulingInstance(instanceClass: InstanceClass.open.rawValue, seed: seed, plant: plant, orders: orders)
    }
}

/// The handover bays of both yards not yet given to an order, shuffled: each order takes a
/// bay of its own on each side, so bays never conflict.
struct FreeBays {
    private var free: [BorderSide: [String]]

    init(perSide count: Int, using random: inout SeededGenerator) {
        let vn = (1...count).map { "A-H\($0)" }.shuffled(using: &random)
        let cn = (1...count).map { "B-H\($0)" }.shuffled(using: &random)
        free = [.vn: vn, .cn: cn]
    }

    /// A bay on `side` for the container and one on the far side for its delivery.
    mutating func pair(from side: BorderSide) -> (from: String, to: String) {
        let from = free[side]!.removeLast()
        return (from, free[side.opposite]!.removeLast())
    }
}
