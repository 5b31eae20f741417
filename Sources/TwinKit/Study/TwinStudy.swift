import Dispatch
import Foundation
import GateKit

/// How `smartgate simulate` runs a scenario.
public struct StudySettings: Sendable {
    public var modes: [GateMode] = GateMode.allCases
    public var seed: UInt64 = 1
    /// Replications to start with, and the most to add while a headline interval is wider than ±`precision`.
    public var replications: Int
    public var maxReplications: Int
    public var precision = 0.05
    public var capacity = true
    public var sensitivity = true
    public var targetRatio: Double?
    /// Called with a share done (0…1) and what is being done.
    public var progress: (@Sendable (Double, String) -> Void)?

    public init(replications: Int, maxReplications: Int) {
        self.replications = replications
        self.maxReplications = maxReplications
    }
}

/// Runs replications of both modes in parallel on every core, with common random numbers:
/// replication k of each mode draws its arrivals, directions and service times from the
/// same streams.
public final class TwinStudy: Sendable {
    public let scenario: Scenario
    let lanes: LaneTrials
    /// Replications on every core; false runs them one after another (the server's page,
    /// which must leave the gate its other cores).
    let parallel: Bool

    public init(scenario: Scenario, parallel: Bool = true) throws {
        self.scenario = scenario
        self.parallel = parallel
        // Trained now, so a scenario whose rates the model cannot meet fails before any run.
        _ = try RiskChannels.trained(greenShare: scenario.greenShare, redShare: scenario.redShare)
        lanes = LaneTrials()
    }

    /// Replications `range` of `mode` at `demand`, in parallel.
    func replicate(_ scenario: Scenario, _ mode: GateMode, demand: Double, seed: UInt64, range: Range<Int>) throws -> [ReplicationOutcome] {
        var at = scenario
        at.demandPerDay = demand
        return try replicate(range.map { (at, mode, $0) }, seed: seed)
    }

    /// Any mix of (scenario, mode, replication) in parallel, each at its scenario's demand.
    func replicate(_ jobs: [(Scenario, GateMode, Int)], seed: UInt64) throws -> [ReplicationOutcome] {
        let results = ResultSlots<ReplicationOutcome>(count: jobs.count)
        let lanes = self.lanes
        let job = { @Sendable (k: Int) in
            let (s, mode, replication) = jobs[k]
            results.set(k, Result {
                // The channels of a scenario's shares are trained once per process (RiskChannels.trained).
                let risk = mode == .smart ? try RiskChannels.trained(greenShare: s.greenShare, redShare: s.redShare) : nil
                return try ReplicationOutcome.run(scenario: s, mode: mode, demandPerDay: s.demandPerDay, seed: seed,
                                                  replication: replication, risk: risk, lanes: lanes)
            })
        }
        if parallel { DispatchQueue.concurrentPerform(iterations: jobs.count, execute: job) } else { jobs.indices.forEach(job) }
        return try results.values()
    }

    /// Both (or one) modes at the scenario's demand, adding replications until every
    /// headline's 95 % interval is within ±precision of its mean or the maximum is reached.
    func atDemand(_ settings: StudySettings) throws -> [GateMode: [ReplicationOutcome]] {
        var outcomes: [GateMode: [ReplicationOutcome]] = [:]
        var done = 0
        var batch = settings.replications
        while true {
            for mode in settings.modes {
                settings.progress?(Double(done) / Double(settings.maxReplications), "\(mode.rawValue): replications \(done + 1)–\(done + batch)")
                outcomes[mode, default: []] += try replicate(scenario, mode, demand: scenario.demandPerDay, seed: settings.seed, range: done..<(done + batch))
            }
            done += batch
            let wide = Self.headlines(outcomes).contains { $0.relativeHalfWidth > settings.precision }
            guard wide, done < settings.maxReplications else { return outcomes }
            batch = min(max(2, done / 2), settings.maxReplications - done)
        }
    }

    /// Each mode's throughput, mean and p95 time and cost, and, with both modes, the paired
    /// smart ÷ traditional ratios of the last three: what the precision rule is checked on.
    static func headlines(_ outcomes: [GateMode: [ReplicationOutcome]]) -> [Estimate] {
        var estimates = outcomes.values.flatMap { runs in
            [Estimate(runs.map(\.throughputPerDay)), Estimate(runs.map(\.meanHours)), Estimate(runs.map(\.p95Hours)),
             Estimate(runs.map { $0.cost.values.reduce(0, +) })]
        }
        if let traditional = outcomes[.traditional], let smart = outcomes[.smart] {
            let ratios = ratios(traditional: traditional, smart: smart, capacity: (nil, nil))
            estimates += [ratios.costPerContainer, ratios.meanHours, ratios.p95Hours].map { r in
                Estimate(mean: r.value, halfWidth: (r.high - r.low) / 2, n: smart.count)
            }
        }
        return estimates
    }
}

/// Results written from parallel iterations, one slot each.
final class ResultSlots<Value>: @unchecked Sendable {
    private var slots: [Result<Value, any Error>?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ result: Result<Value, any Error>) {
        lock.lock()
        slots[index] = result
        lock.unlock()
    }

    func values() throws -> [Value] { try slots.map { try $0!.get() } }
}
