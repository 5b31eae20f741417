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
        let line: [String: Any] = [
            "wallSeconds": milliseconds(elapsed) / 1000, "orders": orders, "vehicles": vehicles, "hours": hours,
            "finished": report!.orders.finished, "open": report!.orders.open, "violations": report!.violations,
            "simulatedHours": report!.simulatedHours, "crossings": report!.crossings,
        ]
        let data = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}

/// `smartgate-bench corridor-quality --dir DIR [--seed 1] [--classes a,b] [--instances N]`: writes
/// each class's seeded instances to DIR (`<class>-NN.json`; N per class, else the class's
/// default), dispatches each with SmartGate's controller and with the three baseline
/// policies on simulated shuttles, and writes DIR/smartgate.json: per instance and policy
/// the objective and completions, and SmartGate's schedule for the replay check, for
/// scripts/corridor_cpsat.py to compare with CP-SAT.
func corridorQualityBenchmark(_ arguments: [String]) throws {
    var directory: String?
    var count: Int?
    var seed: UInt64 = 1
    var classes = InstanceClass.allCases
    var iterator = arguments.makeIterator()
    while let flag = iterator.next() {
        guard let value = iterator.next() else { throw SettingsError("\(flag) needs a value") }
        switch flag {
        case "--dir": directory = value
        case "--instances": count = Int(value)
        case "--seed": seed = UInt64(value) ?? seed
        case "--classes":
            classes = try value.split(separator: ",").map { name in
                guard let known = InstanceClass(rawValue: String(name)) else {
                    throw SettingsError("unknown class \(name); known: \(InstanceClass.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return known
            }
        default: throw SettingsError("unknown option \(flag); use --dir, --seed, --classes, --instances")
        }
    }
    guard let directory else { throw SettingsError("corridor-quality needs --dir DIR") }
    let folder = URL(fileURLWithPath: directory)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    var results: [[String: Any]] = []
    for instanceClass in classes {
        for i in 0..<(count ?? instanceClass.defaultCount) {
            let instance = instanceClass.instance(seed: seed &+ UInt64(i))
            let name = "\(instanceClass.rawValue)-" + (i + 1 < 10 ? "0" : "") + "\(i + 1).json"
            try instanceEncoder.encode(instance).write(to: folder.appendingPathComponent(name))
            results.append(try qualityRow(instance, name: name))
        }
    }
    let data = try JSONSerialization.data(withJSONObject: results, options: [.prettyPrinted, .sortedKeys])
    try data.write(to: folder.appendingPathComponent("smartgate.json"))
}

private let instanceEncoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return encoder
}()

/// One instance's line of smartgate.json: every policy's run, SmartGate's schedule.
private func qualityRow(_ instance: SchedulingInstance, name: String) throws -> [String: Any] {
    var policies: [String: Any] = [:]
    var trace: ScheduleTrace?
    var summary: [String] = []
    for policy in DispatchPolicy.allCases {
        let clock = ContinuousClock()
        var run: SimulatedSchedule?
        let elapsed = clock.measure { run = instance.solveBySimulation(policy: policy) }
        let objective = instance.objective(of: run!.completions)
        policies[policy.rawValue] = [
            "finished": run!.completions.count, "violations": run!.violations.count, "objective": objective ?? -1,
            "completions": run!.completions,
            "wallSeconds": milliseconds(elapsed) / 1000,
        ]
        if policy == .smartgate { trace = run!.trace }
        summary.append("\(policy.rawValue) \(objective.map { String(Int($0)) } ?? "unfinished")\(run!.violations.isEmpty ? "" : " VIOLATIONS \(run!.violations.count)")")
    }
    print("\(name): \(instance.orders.count) orders; " + summary.joined(separator: ", "))
    let traceObject = try JSONSerialization.jsonObject(with: JSONEncoder().encode(trace!))
    return ["instance": name, "instanceClass": instance.instanceClass, "orders": instance.orders.count,
            "policies": policies, "trace": traceObject]
}

/// `smartgate-bench corridor-bruteforce --dir DIR [--max-orders 4]`: the optimum of every
/// instance in DIR with at most that many orders, by enumeration, into DIR/bruteforce.json
/// for scripts/corridor_cpsat.py to check CP-SAT against.
func corridorBruteForce(_ arguments: [String]) throws {
    var directory: String?
    var maxOrders = 4
    var iterator = arguments.makeIterator()
    while let flag = iterator.next() {
        guard let value = iterator.next() else { throw SettingsError("\(flag) needs a value") }
        switch flag {
        case "--dir": directory = value
        case "--max-orders": maxOrders = Int(value) ?? maxOrders
        default: throw SettingsError("unknown option \(flag); use --dir, --max-orders")
        }
    }
    guard let directory else { throw SettingsError("corridor-bruteforce needs --dir DIR") }
    let folder = URL(fileURLWithPath: directory)
    let names = try FileManager.default.contentsOfDirectory(atPath: directory)
        .filter { $0.hasSuffix(".json") && !["smartgate.json", "bruteforce.json", "comparison.json"].contains($0) }.sorted()
    var results: [[String: Any]] = []
    for name in names {
        let instance = try JSONDecoder().decode(SchedulingInstance.self, from: Data(contentsOf: folder.appendingPathComponent(name)))
        guard instance.orders.count <= maxOrders else { continue }
        let result = BruteForceScheduler.solve(instance)
        print("\(name): \(instance.orders.count) orders, optimum \(result.objective) s over \(result.evaluated) schedules")
        results.append(["instance": name, "optimum": result.objective, "evaluated": result.evaluated, "completions": result.completions])
    }
    let data = try JSONSerialization.data(withJSONObject: results, options: [.prettyPrinted, .sortedKeys])
    try data.write(to: folder.appendingPathComponent("bruteforce.json"))
}
