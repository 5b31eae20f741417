import ArgumentParser
import CorridorKit
import Foundation

/// `smartgate corridor …`: the autonomous bridge corridor, offline.
struct Corridor: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Simulate the autonomous shuttle corridor and check plant files.",
        subcommands: [Simulate.self, CheckPlant.self])

    /// The plant to use: the shipped Kim Thành corridor, or a file.
    struct PlantSource: ParsableArguments {
        @Option(help: "Plant model file (default: the shipped Kim Thành–Bắc Sơn corridor).") var plant: String?

        func load() throws -> CorridorPlant {
            guard let plant else { return CorridorPlant.kimThanh() }
            do { return try CorridorPlant.load(contentsOf: URL(fileURLWithPath: plant)) } catch {
                throw ValidationError(error.description)
            }
        }
    }

    struct Simulate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run seeded orders through the dispatcher with simulated shuttles and the safety checker.")

        @Option(help: "Shuttles in the fleet (the plant needs as many parking places).") var vehicles = 6
        @Option(help: "Transport orders arriving over --hours.") var orders = 200
        @Option(help: "Hours over which orders arrive; the fleet then works on up to 48 h more.") var hours = 24.0
        @Option(help: "Random seed.") var seed: UInt64 = 1
        @Option(help: "Silences and breakdowns injected per vehicle per day.") var faults = 0.0
        @Option(help: "Emergency stops per day.") var emergencyStops = 0.0
        @Flag(help: "Print one JSON object instead of text.") var json = false
        @OptionGroup var source: PlantSource

        func validate() throws {
            guard (1...500).contains(vehicles) else { throw ValidationError("--vehicles must be between 1 and 500, not \(vehicles)") }
            guard (0...1_000_000).contains(orders) else { throw ValidationError("--orders must be between 0 and 1000000, not \(orders)") }
            guard hours > 0 && hours <= 24 * 31 else { throw ValidationError("--hours must be greater than 0 and at most 744, not \(hours)") }
            guard faults >= 0 && faults <= 100 else { throw ValidationError("--faults must be between 0 and 100 per vehicle-day") }
            guard emergencyStops >= 0 && emergencyStops <= 100 else { throw ValidationError("--emergency-stops must be between 0 and 100 per day") }
        }

        func run() throws {
            let plant = try source.load()
            let report: SimulationReport
            do {
                report = try CorridorSimulation.run(SimulationSetup(
                    plant: plant, vehicles: vehicles, orders: orders, hours: hours, seed: seed,
                    faultsPerVehicleDay: faults, emergencyStopsPerDay: emergencyStops))
            } catch {
                throw ValidationError(error.description)
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                print(Self.text(report, plant: plant))
            }
            if report.violations > 0 {
                FileHandle.standardError.write(Data("smartgate: the safety checker found \(report.violations) violation(s)\n".utf8))
                throw ExitCode(3)
            }
        }

        static func text(_ r: SimulationReport, plant: CorridorPlant) -> String {
            func f(_ x: Double, _ digits: Int = 1) -> String {
                let scale = pow(10, Double(digits))
                return String(describing: (x * scale).rounded() / scale)
            }
            var lines = [
                "\(plant.name): \(r.vehicles) shuttles, \(f(r.simulatedHours)) h simulated",
                "orders: \(r.orders.total) total, \(r.orders.finished) finished, \(r.orders.failed) failed, \(r.orders.withdrawn) withdrawn, \(r.orders.open) open",
                "order time: mean \(f(r.meanOrderMinutes)) min, p95 \(f(r.p95OrderMinutes)) min",
                "vehicle utilisation: \(f(r.utilisation * 100)) %   energy: \(f(r.energyKWh, 0)) kWh",
                "span crossings: \(r.crossings), most vehicles on the span at once: \(r.mostOnBridge)",
                "faults injected: \(r.faultsInjected), emergency stops: \(r.emergencyStops)",
                "waiting: longest counted \(f(r.longestWaitMinutes)) min, behind faults \(f(r.blockedByFaultMinutes, 0)) vehicle-min, for the window \(f(r.windowWaitMinutes, 0)) vehicle-min",
                "safety checker: \(r.violations) violation(s)",
            ]
            lines += r.violationList.map { "  \($0)" }
            return lines.joined(separator: "\n")
        }
    }

    struct CheckPlant: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check-plant", abstract: "Validate a plant model file and summarise it.")

        @Argument(help: "The plant file.") var file: String

        func run() throws {
            let plant: CorridorPlant
            do { plant = try CorridorPlant.load(contentsOf: URL(fileURLWithPath: file)) } catch {
                throw ValidationError(error.description)
            }
            let kinds = Dictionary(grouping: plant.locations, by: \.kind).mapValues(\.count)
            print("\(plant.name): \(plant.points.count) points, \(plant.paths.count) paths, \(plant.blocks.count) blocks, "
                + LocationKind.allCases.map { "\(kinds[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", ")
                + ", \(plant.fleet.count) shuttles (\(plant.fleet.filter(\.mayCross).count) authorised by both sides)")
        }
    }
}
