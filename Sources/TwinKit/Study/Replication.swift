import Foundation
import GateKit

/// What one replication of one mode measured, per container counted (arrived after the
/// warm-up). A container still at the border at the horizon counts with its time so far,
/// so an overloaded gate shows as long times rather than vanishing from the figures.
struct ReplicationOutcome: Sendable {
    var hours: [Double]
    var throughputPerDay: Double
    /// How much the trucks not yet through (waiting for a slot included) grew per counted day.
    var backlogGrowthPerDay: Double
    var meanHours: Double
    var p95Hours: Double
    /// VND per container, by term.
    var cost: [String: Double]
    /// Total VND per container the shuttles carried (0 when none did): the claim is for
    /// the firms using the automated vehicles.
    var shuttleCost: Double
    var dieselLitres: Double
    var electricKWh: Double
    var co2Kg: Double
    var queueByHour: [Double]
    var yardByHour: [Double]
    var histogram: [Double]
    var shares: [String: Double]
    var shuttleShare: Double
    var events: Int
    var violations: Int
    /// Mean minutes a truck waited, by the lever that would shorten the wait.
    var waitMinutes: [String: Double]

    static let costTerms = ["waiting", "yard", "transshipment", "shuttle", "energy"]
    /// Edges of the time-at-border histogram, hours.
    static let histogramEdges: [Double] = [0, 1, 2, 4, 8, 12, 16, 24, 36, 48, 72, 120]

    /// Runs one replication.
    static func run(scenario: Scenario, mode: GateMode, demandPerDay: Double, seed: UInt64, replication: Int,
                    risk: RiskChannels?, lanes: LaneTrials?) throws -> ReplicationOutcome {
        let gate = try GateRun(scenario: scenario, mode: mode, demandPerDay: demandPerDay, seed: seed, replication: replication,
                               risk: risk, lanes: mode == .smart ? lanes : nil)
        gate.run()
        return measure(gate)
    }

    private static func measure(_ gate: GateRun) -> ReplicationOutcome {
        let s = gate.scenario
        // The same trucks in both modes (they wanted to come after the warm-up); a smart truck
        // whose slot lies beyond the horizon has not reached the gate and has no time yet.
        let counted = gate.allTrucks.filter { $0.wanted >= gate.warmup && $0.arrived <= gate.horizon }
        let finished = counted.filter { $0.done != nil }
        let hours = counted.map { (($0.done ?? gate.horizon) - $0.arrived) / 3_600 }
        let departed = gate.allTrucks.count { ($0.done ?? .infinity) >= gate.warmup && ($0.done ?? .infinity) <= gate.horizon }
        let shuttled = finished.filter(\.shuttle)
        // The corridor's energy over every container it delivered, warm-up included, as it was drawn.
        let delivered = gate.allTrucks.count { $0.shuttle && $0.done != nil }
        let kWhPerShuttled = delivered == 0 ? 0 : gate.corridorEnergyKWh / Double(delivered)
        var cost = Dictionary(uniqueKeysWithValues: costTerms.map { ($0, 0.0) })
        var diesel = 0.0, kWh = 0.0, shuttleCost = 0.0
        for truck in finished {
            let litres = (truck.shuttle ? s.handoverDriveKm : s.traditionalDriveKm) * s.truckLitresPerKm
            let electric = truck.shuttle ? kWhPerShuttled : 0
            let terms = [
                "waiting": (truck.done! - truck.arrived - truck.corridorSeconds) / 3_600 * s.truckCostPerHour,
                "yard": truck.usedYard ? s.yardEntry + (truck.yardSeconds / 86_400).rounded(.up) * s.yardParkingPerDay : 0,
                "transshipment": truck.transshipped ? s.transshipmentCost : 0,
                "shuttle": truck.shuttle ? s.shuttleFee : 0,
                "energy": litres * s.dieselPerLitre + electric * s.electricityPerKWh,
            ]
            for (term, vnd) in terms { cost[term]! += vnd }
            if truck.shuttle { shuttleCost += terms.values.reduce(0, +) }
            diesel += litres
            kWh += electric
        }
        let n = Double(max(finished.count, 1))
        cost = cost.mapValues { $0 / n }
        let days = (gate.horizon - gate.warmup) / 86_400
        return ReplicationOutcome(
            hours: hours, throughputPerDay: Double(departed) / days,
            backlogGrowthPerDay: (backlog(gate, at: gate.horizon) - backlog(gate, at: gate.warmup)) / days,
            meanHours: hours.isEmpty ? 0 : hours.reduce(0, +) / Double(hours.count), p95Hours: hours.quantile(0.95),
            cost: cost, shuttleCost: shuttled.isEmpty ? 0 : shuttleCost / Double(shuttled.count), dieselLitres: diesel / n, electricKWh: kWh / n, co2Kg: (diesel * s.co2KgPerLitre + kWh * s.gridKgCO2PerKWh) / n,
            queueByHour: gate.queue.byHour(until: gate.horizon), yardByHour: gate.yard.byHour(until: gate.horizon),
            histogram: histogram(hours), shares: shares(gate, counted: counted),
            shuttleShare: finished.isEmpty ? 0 : Double(shuttled.count) / Double(finished.count),
            events: gate.events, violations: gate.corridorViolations, waitMinutes: waits(gate))
    }

    private static func waits(_ gate: GateRun) -> [String: Double] {
        let trucks = Double(max(gate.allTrucks.count, 1))
        var minutes = gate.waited.mapValues { $0 / 60 / trucks }
        let crossings = gate.allTrucks.filter { $0.shuttle && $0.corridorSeconds > 0 }.map(\.corridorSeconds)
        if let fastest = crossings.min() {
            // Beyond the fastest crossing, a container waited for a shuttle or the window.
            minutes["corridor.shuttles"] = crossings.reduce(0) { $0 + $1 - fastest } / 60 / trucks
        }
        return minutes
    }

    /// Trucks that wanted to come by `time` and were not through by then.
    private static func backlog(_ gate: GateRun, at time: Double) -> Double {
        Double(gate.allTrucks.count { $0.wanted <= time && ($0.done ?? .infinity) > time })
    }

    private static func histogram(_ hours: [Double]) -> [Double] {
        var counts = [Double](repeating: 0, count: histogramEdges.count)
        for h in hours {
            let bin = histogramEdges.lastIndex(where: { h >= $0 }) ?? 0
            counts[bin] += 1
        }
        return counts.map { hours.isEmpty ? 0 : $0 / Double(hours.count) }
    }

    private static func shares(_ gate: GateRun, counted: [GateRun.Truck]) -> [String: Double] {
        var shares: [String: Double] = [:]
        let all = Double(max(gate.allTrucks.count, 1))
        if gate.mode == .smart {
            for channel in [Channel.green, .yellow, .red] {
                shares[channel.rawValue] = Double(gate.allTrucks.count { $0.channel == channel }) / all
            }
            let decided = Double(max(gate.outcomes.values.reduce(0, +), 1))
            for outcome in DecisionOutcome.allCases { shares[outcome.rawValue] = Double(gate.outcomes[outcome] ?? 0) / decided }
        }
        shares["inspected"] = Double(gate.inspected) / all
        shares["slotShiftHours"] = gate.slotShiftSeconds.mean / 3_600
        return shares
    }
}
