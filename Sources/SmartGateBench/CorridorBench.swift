import CorridorKit
import Foundation
import SmartGateServer

/// `smartgate-bench corridor-scale [--orders 2000] [--vehicles 20] [--hours 24] [--seed 1] [--repeat 3]`:
/// a day of orders simulated end to end on one core; prints wall time, events handled and
/// the run's figures as one JSON object per repetition.
func corridorScaleBenchmark(_ arguments: [String]) throws {
    var orders = 2_000, vehicles = 20, hours = 24.0, seed: UInt64 = 1, repetitions = 3
    var iterator = arguments.makeIterator()
    while let flag = iterator.next() {
        guard let value = iterator.next() else { throw SettingsError("\(flag) needs a value") }
        switch flag {
        case "--orders": orders = Int(value) ?? orders
        case "--vehicles": vehicles = Int(value) ?? vehicles
        case "--hours": hours = Double(value) ?? hours
        case "--seed": seed = UInt64(value) ?? seed
        case "--repeat": repetitions = Int(value) ?? repetitions
        default: throw SettingsError("unknown option \(flag); use --orders, --vehicles, --hours, --seed, --repeat")
        }
    }
    let plant = CorridorPlant.kimThanh()
    for _ in 0..<repetitions {
        let clock = ContinuousClock()
        var report: SimulationReport?
        let elapsed = try clock.measure {
            report = try CorridorSimulation.run(SimulationSetup(plant: plant, vehicles: vehicles, orders: orders, hours: hours, seed: seed))
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let line: [String: Any] = [
            "wallSeconds": seconds, "orders": orders, "vehicles": vehicles, "hours": hours,
            "finished": report!.orders.finished, "open": report!.orders.open, "violations": report!.violations,
            "simulatedHours": report!.simulatedHours, "crossings": report!.crossings,
        ]
        let data = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}

/// `smartgate-bench corridor-quality --dir DIR [--instances 20] [--seed 1]`: writes seeded
/// small instances (3 shuttles, 4–8 orders, one single-vehicle span) to DIR, dispatches each
/// with SmartGate's controller, and writes DIR/smartgate.json with each sum of completion
/// times for scripts/corridor_cpsat.py to compare with the CP-SAT optimum.
func corridorQualityBenchmark(_ arguments: [String]) throws {
    var directory: String?
    var count = 20
    var seed: UInt64 = 1
    var iterator = arguments.makeIterator()
    while let flag = iterator.next() {
        guard let value = iterator.next() else { throw SettingsError("\(flag) needs a value") }
        switch flag {
        case "--dir": directory = value
        case "--instances": count = Int(value) ?? count
        case "--seed": seed = UInt64(value) ?? seed
        default: throw SettingsError("unknown option \(flag); use --dir, --instances, --seed")
        }
    }
    guard let directory else { throw SettingsError("corridor-quality needs --dir DIR") }
    let folder = URL(fileURLWithPath: directory)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    var results: [[String: Any]] = []
    for i in 0..<count {
        let instanceSeed = seed &+ UInt64(i)
        let instance = SchedulingInstance.generate(seed: instanceSeed, orderCount: 4 + Int(instanceSeed % 5))
        let name = "instance-" + (i + 1 < 10 ? "0" : "") + "\(i + 1).json"
        try encoder.encode(instance).write(to: folder.appendingPathComponent(name))
        let (completions, violations) = instance.solveBySimulation()
        let finished = completions.count == instance.orders.count
        results.append([
            "instance": name, "orders": instance.orders.count, "finished": completions.count,
            "sum": finished ? completions.values.reduce(0, +) : -1, "violations": violations.count,
            "completions": completions,
        ])
        print("\(name): \(instance.orders.count) orders, sum \(finished ? String(Int(completions.values.reduce(0, +))) : "unfinished") s, violations \(violations.count)")
    }
    let data = try JSONSerialization.data(withJSONObject: results, options: [.prettyPrinted, .sortedKeys])
    try data.write(to: folder.appendingPathComponent("smartgate.json"))
}
