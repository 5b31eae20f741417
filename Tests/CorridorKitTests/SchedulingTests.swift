import Foundation
import Testing
@testable import CorridorKit

@Suite("Corridor scheduling benchmark")
struct SchedulingTests {
    /// The CP-SAT optimum of `four-orders` instances 1–6 (seeds 1–6), all proven, from
    /// `smartgate-bench corridor-quality --dir D --seed 1` and `scripts/corridor_cpsat.py D`
    /// (OR-Tools 9.11, 2026-12-06); `bash scripts/bench-corridor.sh` checks the brute force
    /// against CP-SAT again on every run.
    static let cpSatOptima: [(seed: UInt64, optimum: Double)] = [
        (1, 5141.6), (2, 5332.4), (3, 3182.6), (4, 4064.1), (5, 2347.2), (6, 5185.3),
    ]

    @Test("the brute-force optimum of a four-order instance agrees with CP-SAT", arguments: cpSatOptima)
    func bruteForceAgreesWithCPSAT(_ known: (seed: UInt64, optimum: Double)) {
        let result = BruteForceScheduler.solve(InstanceClass.fourOrders.instance(seed: known.seed))
        #expect(abs(result.objective - known.optimum) < 0.05, "brute force \(result.objective) s, CP-SAT \(known.optimum) s")
    }

    @Test("no dispatch policy beats the brute-force optimum, and each finishes every order safely",
          arguments: UInt64(1)...4, DispatchPolicy.allCases)
    func policiesAgainstOptimum(seed: UInt64, policy: DispatchPolicy) throws {
        let instance = InstanceClass.fourOrders.instance(seed: seed)
        let optimum = BruteForceScheduler.solve(instance).objective
        let run = instance.solveBySimulation(policy: policy)
        #expect(run.violations.isEmpty)
        let objective = try #require(instance.objective(of: run.completions))
        #expect(objective >= optimum - 0.05, "\(policy) \(objective) s below the optimum \(optimum) s")
    }

    @Test("every policy finishes a contended day's orders with no safety violation", arguments: DispatchPolicy.allCases)
    func contendedDay(_ policy: DispatchPolicy) {
        let instance = InstanceClass.contendedDay.instance(seed: 1)
        let run = instance.solveBySimulation(policy: policy)
        #expect(run.completions.count == instance.orders.count)
        #expect(run.violations.isEmpty, "\(run.violations.prefix(3))")
    }

    @Test("SmartGate's schedule replays in the exact model: feasible, and every order finishes when it did",
          arguments: [InstanceClass.open, .fourOrders, .contendedSmall, .contendedDay], UInt64(1)...3)
    func replay(_ instanceClass: InstanceClass, seed: UInt64) {
        let instance = instanceClass.instance(seed: seed)
        let run = instance.solveBySimulation()
        #expect(run.completions.count == instance.orders.count)
        let problems = ScheduleReplay.problems(run.trace, completions: run.completions, in: instance)
        #expect(problems.isEmpty, "\(problems.prefix(5))")
    }

    @Test("the replay finds a schedule that is not the run's or not feasible")
    func replayFindsFaults() throws {
        let instance = InstanceClass.contendedSmall.instance(seed: 1)
        let run = instance.solveBySimulation()
        var early = run.trace
        let loaded = try #require(early.crossings.firstIndex { $0.kind == .loaded })
        early.crossings[loaded].start -= 30
        #expect(ScheduleReplay.problems(early, completions: run.completions, in: instance).contains { $0.contains("before it can reach the stop line") })
        var late = run.completions
        late[instance.orders[0].id]! += 1
        #expect(ScheduleReplay.problems(run.trace, completions: late, in: instance).contains { $0.hasPrefix("\(instance.orders[0].id):") })
        var missing = run.trace
        missing.crossings.removeAll { $0.kind == .loaded && $0.order == instance.orders[0].id }
        #expect(ScheduleReplay.problems(missing, completions: run.completions, in: instance).contains { $0.contains("no such crossing") })
        var doubled = run.trace
        let first = instance.orders[0].id
        let other = try #require(doubled.sequences.keys.sorted().first { !(doubled.sequences[$0] ?? []).contains(first) })
        doubled.sequences[other, default: []].append(first)
        #expect(ScheduleReplay.problems(doubled, completions: run.completions, in: instance).contains { $0 == "\(first) is in 2 sequences, not one" })
    }

    /// One vehicle at A-P1, one order A-H1 → B-H1: the optimum is the two legs and the
    /// handling, and each rule of the model moves it as it should.
    @Test("the model's rules on one order", arguments: [
        (release: 0.0, closedUntil: Double?.none, deadline: Double?.none),
        (release: 600, closedUntil: nil, deadline: nil),     // the vehicle leaves at the release
        (release: 0, closedUntil: 400, deadline: nil),       // the crossing waits for the span to open
        (release: 0, closedUntil: nil, deadline: 100),       // late: each second counted four times more
    ])
    func oneOrder(_ rule: (release: Double, closedUntil: Double?, deadline: Double?)) {
        var instance = SchedulingInstance(
            instanceClass: "test", seed: 0, plant: TwoYardPlant(baysPerSide: 1, homes: ["A-P1"]).build(),
            orders: [.init(id: "O1", from: "A-H1", to: "B-H1", release: rule.release, priority: 0, weight: 1, deadline: rule.deadline)])
        instance.closed = rule.closedUntil.map { [[0, $0]] } ?? []
        let empty = instance.leg("A-P1", "A-H1"), loaded = instance.leg("A-H1", "B-H1")
        #expect(empty.span == 0 && loaded.span > 0)
        let atStopLine = rule.release + empty.before + empty.after + instance.loadSeconds + loaded.before
        let enters = max(atStopLine, rule.closedUntil ?? 0)
        let done = enters + loaded.span + loaded.after + instance.unloadSeconds
        let expected = done - rule.release + 4 * max(0, done - (rule.deadline ?? .infinity))
        let result = BruteForceScheduler.solve(instance)
        #expect(abs(result.objective - expected) < 1e-6, "\(result.objective) s, expected \(expected) s")
        #expect(result.evaluated == 1)
    }
}
