import ArgumentParser
import Foundation
import TwinKit

/// `smartgate simulate`: the digital twin, offline.
struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Simulate the gate, traditional against smart, and report capacity, time, cost and energy.",
        discussion: """
            Runs SmartGate's own lane decision engine and corridor controller in simulated time.
            A scenario file gives every figure with its source; the shipped one is kim-thanh.
            --model mm1 and --model hourly-day run the reference queues the engine is checked against.
            """)

    enum Mode: String, ExpressibleByArgument, CaseIterable { case traditional, smart, both }
    enum Model: String, ExpressibleByArgument, CaseIterable { case gate, mm1, hourlyDay = "hourly-day" }

    @Option(help: "A shipped scenario (kim-thanh) or a scenario file.") var scenario = "kim-thanh"
    @Option(help: "traditional, smart or both.") var mode: Mode = .both
    @Option(help: "Days simulated per replication (default: the scenario's).") var days: Int?
    @Option(help: "Replications to start with (default: the scenario's); more are added until each headline is within ±5 %.") var replications: Int?
    @Option(help: "The most replications added (default: the scenario's).") var maxReplications: Int?
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Flag(help: "Print one JSON object instead of the table; write no files.") var json = false
    @Option(help: "Where to write the HTML report.") var report = "twin-report.html"
    @Option(help: "Prefix of the CSV files (…-summary.csv, …-by-hour.csv, …-ramp.csv).") var csv = "twin"
    @Flag(help: "Skip the capacity ramp search.") var noCapacity = false
    @Flag(help: "Skip the sensitivity table (tornado).") var noSensitivity = false
    @Option(help: "Search for the smallest change of levers reaching this capacity ratio, e.g. 3.") var targetRatio: Double?
    @OptionGroup var levers: TwinLevers
    @Option(help: "gate, or a reference queue: mm1, hourly-day.") var model: Model = .gate
    @Option(help: "Customers for --model mm1.") var customers = 1_000_000

    func validate() throws {
        if let days, !(1...3_650).contains(days) { throw ValidationError("--days must be between 1 and 3650, not \(days)") }
        if let replications, !(2...10_000).contains(replications) { throw ValidationError("--replications must be between 2 and 10000, not \(replications)") }
        if let maxReplications, !(2...10_000).contains(maxReplications) { throw ValidationError("--max-replications must be between 2 and 10000") }
        if let targetRatio, !(targetRatio > 1 && targetRatio <= 100) { throw ValidationError("--target-ratio must be above 1 and at most 100") }
        guard (1...100_000_000).contains(customers) else { throw ValidationError("--customers must be between 1 and 100000000") }
        try levers.validate()
    }

    func run() throws {
        switch model {
        case .mm1: return printJSON(ReferenceQueues.mm1(customers: customers, seed: seed))
        case .hourlyDay: return printJSON(ReferenceQueues.hourlyDay(replications: replications ?? 400, seed: seed))
        case .gate: break
        }
        let document = try loadScenario()
        var scenario = document.scenario
        let changed = try levers.apply(to: &scenario)
        if let days { scenario.days = days; scenario.warmupDays = min(scenario.warmupDays, days - 1) }
        var settings = StudySettings(replications: replications ?? scenario.replications,
                                     maxReplications: max(replications ?? scenario.replications, maxReplications ?? scenario.maxReplications))
        settings.modes = mode == .both ? GateMode.allCases : [mode == .smart ? .smart : .traditional]
        settings.seed = seed
        settings.capacity = !noCapacity
        settings.sensitivity = !noSensitivity && mode == .both
        settings.targetRatio = targetRatio
        settings.progress = ProgressBar.onTerminal()
        let study: TwinStudy
        do { study = try TwinStudy(scenario: scenario) } catch { throw ValidationError("the risk model could not be trained: \(error)") }
        let clock = ContinuousClock(), started = clock.now
        var result: TwinReport
        do {
            result = try study.report(settings, document: document, levers: changed)
            ProgressBar.finish()
        } catch {
            // The bar's line is ended before the error is written.
            ProgressBar.finish()
            throw ValidationError("the study stopped: \(error)")
        }
        result.wallSeconds = ReferenceQueues.seconds(clock.now - started)
        if json { return printJSON(result) }
        print(ComparisonTable.render(result))
        try write(result)
    }

    private func loadScenario() throws -> ScenarioDocument {
        let data: Data
        if let shipped = ScenarioDocument.shipped(scenario), ScenarioDocument.shippedNames.contains(scenario) {
            data = shipped
        } else {
            guard let file = FileManager.default.contents(atPath: scenario) else {
                throw ValidationError("scenario \(scenario): neither a shipped scenario (\(ScenarioDocument.shippedNames.joined(separator: ", "))) nor a readable file")
            }
            data = file
        }
        do { return try ScenarioDocument.parse(data) } catch {
            for problem in error.problems { FileHandle.standardError.write(Data("\(scenario): \(problem)\n".utf8)) }
            throw ExitCode(2)
        }
    }

    private func write(_ result: TwinReport) throws {
        let files = [(report, HTMLReport.render(result)), ("\(csv)-summary.csv", CSVExport.summary(result)),
                     ("\(csv)-by-hour.csv", CSVExport.byHour(result)), ("\(csv)-ramp.csv", CSVExport.ramp(result))]
        for (path, text) in files {
            do { try Data(text.utf8).write(to: URL(fileURLWithPath: path)) } catch {
                throw ValidationError("could not write \(path): \(error.localizedDescription)")
            }
        }
        print("report: \(report)   csv: \(files.dropFirst().map(\.0).joined(separator: ", "))")
    }

    private func printJSON(_ value: some Encodable) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        print(String(decoding: (try? encoder.encode(value)) ?? Data("{}".utf8), as: UTF8.self))
    }
}

/// The what-if flags: each changes one lever of the scenario.
struct TwinLevers: ParsableArguments {
    @Option(help: "Export lanes.") var exportLanes: Int?
    @Option(help: "Import lanes.") var importLanes: Int?
    @Option(help: "Autonomous shuttles (0–12).") var shuttles: Int?
    @Option(help: "The corridor's daily window, HH:MM-HH:MM.") var windowHours: String?
    @Option(help: "The smart lanes' opening hours, HH:MM-HH:MM.") var openingHours: String?
    @Option(help: "The traditional booths' opening hours, HH:MM-HH:MM.") var traditionalHours: String?
    @Option(help: "Exports the Chinese side accepts a day, or none.") var acceptanceLimit: String?
    @Option(help: "Share of trips the risk model sends green (0.05–0.95).") var greenShare: Double?
    @Option(help: "Trucks a day arriving.") var demand: Double?

    func validate() throws {
        for (name, value) in [("--export-lanes", exportLanes), ("--import-lanes", importLanes)] {
            if let value, !(1...50).contains(value) { throw ValidationError("\(name) must be between 1 and 50, not \(value)") }
        }
        if let shuttles, !(0...12).contains(shuttles) { throw ValidationError("--shuttles must be between 0 and 12 (the plant's parking places), not \(shuttles)") }
        for (name, value) in [("--window-hours", windowHours), ("--opening-hours", openingHours), ("--traditional-hours", traditionalHours)] {
            if let value, DailyHours(value) == nil { throw ValidationError("\(name) must be HH:MM-HH:MM, opening before closing, not \(value)") }
        }
        if let acceptanceLimit, acceptanceLimit != "none", Int(acceptanceLimit).map({ (1...100_000).contains($0) }) != true {
            throw ValidationError("--acceptance-limit must be a whole number from 1 to 100000, or none")
        }
        if let greenShare, !(0.05...0.95).contains(greenShare) { throw ValidationError("--green-share must be between 0.05 and 0.95") }
        if let demand, !(1...100_000).contains(demand) { throw ValidationError("--demand must be between 1 and 100000 trucks a day") }
    }

    /// Applies the flags given; returns each change as "lever: value".
    func apply(to s: inout Scenario) throws -> [String] {
        var changed: [String] = []
        if let exportLanes { s.exportLanes = exportLanes; changed.append("export lanes: \(exportLanes)") }
        if let importLanes { s.importLanes = importLanes; changed.append("import lanes: \(importLanes)") }
        if let shuttles { s.shuttles = shuttles; changed.append("shuttles: \(shuttles)") }
        if let windowHours, let h = DailyHours(windowHours) { s.corridorWindow = h; changed.append("corridor window: \(h)") }
        if let openingHours, let h = DailyHours(openingHours) { s.smartHours = h; changed.append("smart opening hours: \(h)") }
        if let traditionalHours, let h = DailyHours(traditionalHours) { s.traditionalHours = h; changed.append("traditional opening hours: \(h)") }
        if let acceptanceLimit {
            s.acceptancePerDay = Int(acceptanceLimit)
            changed.append("acceptance limit: \(acceptanceLimit)")
        }
        if let greenShare { s.greenShare = greenShare; changed.append("green share: \(greenShare)") }
        if let demand { s.demandPerDay = demand; changed.append("demand: \(Int(demand)) trucks/day") }
        return changed
    }
}

/// The progress bar, on standard error and only when it is a terminal.
enum ProgressBar {
    static func onTerminal() -> (@Sendable (Double, String) -> Void)? {
        guard isatty(STDERR_FILENO) == 1 else { return nil }
        return { share, what in
            let width = 30, filled = Int((min(1, max(0, share)) * Double(width)).rounded())
            let line = "\r[" + String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled) + "] "
                + String(format: "%3d%% ", Int(share * 100)) + what.prefix(60).padding(toLength: 60, withPad: " ", startingAt: 0)
            FileHandle.standardError.write(Data(line.utf8))
        }
    }

    static func finish() {
        if isatty(STDERR_FILENO) == 1 { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

/// The reference queues, timed: `--model mm1` and `--model hourly-day`.
enum ReferenceQueues {
    struct MM1: Encodable {
        var model = "mm1"
        var customers: Int
        var meanTimeInSystem: Double
        var events: Int
        var seconds: Double
        var eventsPerSecond: Double
        var customersPerSecond: Double
    }

    struct HourlyDay: Encodable {
        var model = "hourly-day"
        var replications: Int
        var meanTimeInSystemMinutes: Double
        var halfWidth: Double
        var served: Int
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// λ = 0.9, μ = 1 on one server, from empty, until `customers` have left.
    static func mm1(customers: Int, seed: UInt64) -> MM1 {
        let clock = ContinuousClock(), started = clock.now
        let run = MarkovQueue.run(arrivalRate: 0.9, serviceRate: 1, customers: customers, seed: seed)
        let wall = max(seconds(clock.now - started), 1e-9)
        return MM1(customers: run.customers, meanTimeInSystem: run.meanTimeInSystem, events: run.events, seconds: wall,
                   eventsPerSecond: Double(run.events) / wall, customersPerSecond: Double(run.customers) / wall)
    }

    static func hourlyDay(replications: Int, seed: UInt64) -> HourlyDay {
        let run = HourlyDayQueue.run(replications: replications, seed: seed)
        return HourlyDay(replications: replications, meanTimeInSystemMinutes: run.estimate.mean, halfWidth: run.estimate.halfWidth, served: run.customers)
    }
}
