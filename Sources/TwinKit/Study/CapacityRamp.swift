import Foundation

/// The capacity search: the highest arrival rate at which the p95 time at the border stays
/// within the target and the gate keeps up: the trucks not yet through (those waiting for a
/// later slot included) grow by at most 2 % of a day's demand a day. Over a short run a
/// growing backlog shows there before it shows in the p95.
///
/// The rate doubles from the scenario's demand until a rate fails (or the ramp's maximum
/// passes), then bisects until the bracket is within 5 %. Each rate runs a few short
/// replications; the bracket is the interval reported.
struct CapacityRamp {
    var replications = 4
    var days = 5
    var tolerance = 0.05
    var maxSteps = 14
    /// The backlog growth, as a share of a day's demand per day, still counted as keeping up.
    static let backlogTolerance = 0.02

    struct Found {
        var result: CapacityResult
        /// Mean minutes waited per truck by lever, at the lowest failing rate (where the bottleneck shows).
        var waitsAtFailure: [String: Double]
    }

    func search(_ study: TwinStudy, _ scenario: Scenario, _ mode: GateMode, seed: UInt64,
                progress: ((String) -> Void)? = nil) throws -> Found {
        var short = scenario
        short.days = min(scenario.days, days)
        short.warmupDays = min(scenario.warmupDays, short.days - 1)
        var ramp: [RampPoint] = []
        var waits: [String: Double] = [:]
        var lowestFailure = Double.infinity
        func trial(_ demand: Double) throws -> Bool {
            progress?("\(mode.rawValue) capacity: trying \(Int(demand)) trucks/day")
            let runs = try study.replicate(short, mode, demand: demand, seed: seed &+ 7_919, range: 0..<replications)
            let p95 = runs.map(\.p95Hours).reduce(0, +) / Double(runs.count)
            let throughput = runs.map(\.throughputPerDay).reduce(0, +) / Double(runs.count)
            let growth = runs.map(\.backlogGrowthPerDay).reduce(0, +) / Double(runs.count)
            let passed = p95 <= scenario.targetP95Hours && growth <= Self.backlogTolerance * demand
            ramp.append(RampPoint(demandPerDay: demand, p95Hours: p95, throughputPerDay: throughput, passed: passed))
            if !passed, demand < lowestFailure {
                lowestFailure = demand
                waits = runs.reduce(into: [:]) { sum, run in run.waitMinutes.forEach { sum[$0.key, default: 0] += $0.value / Double(runs.count) } }
            }
            return passed
        }
        var low = 0.0, high = max(50, scenario.demandPerDay)
        while try trial(high) {
            low = high
            guard high < scenario.rampMaxPerDay else {
                return Found(result: CapacityResult(perDay: low, low: low, high: low, targetP95Hours: scenario.targetP95Hours, ramp: ramp, bounded: false),
                             waitsAtFailure: waits)
            }
            high = min(high * 2, scenario.rampMaxPerDay)
        }
        if low == 0 {
            low = high / 2
            while try !trial(low) {
                high = low
                low /= 2
                guard low >= 25 else {
                    // Nothing passed: the capacity is below the lowest rate tried.
                    return Found(result: CapacityResult(perDay: 0, low: 0, high: high, targetP95Hours: scenario.targetP95Hours, ramp: ramp, bounded: true),
                                 waitsAtFailure: waits)
                }
            }
        }
        var steps = 0
        while high - low > tolerance * max(low, 1), steps < maxSteps {
            let middle = ((low + high) / 2).rounded()
            if try trial(middle) { low = middle } else { high = middle }
            steps += 1
        }
        return Found(result: CapacityResult(perDay: (low + high) / 2, low: low, high: high, targetP95Hours: scenario.targetP95Hours,
                                            ramp: ramp, bounded: true), waitsAtFailure: waits)
    }
}
