import Foundation
import GateKit

extension TwinStudy {
    /// Runs everything the settings ask for and gathers the report (`wallSeconds` is left
    /// for the caller, who owns the clock).
    public func report(_ settings: StudySettings, document: ScenarioDocument, levers: [String]) throws -> TwinReport {
        let runs = try atDemand(settings)
        var results: [GateMode: ModeResult] = [:]
        for (mode, outcomes) in runs { results[mode] = Self.summary(mode, outcomes, scenario: scenario) }
        // The ramps found here are the lever search's starting point too.
        var ramps: [GateMode: CapacityRamp.Found] = [:]
        if settings.capacity {
            for mode in settings.modes {
                let found = try CapacityRamp().search(self, scenario, mode, seed: settings.seed) { settings.progress?(0.5, $0) }
                results[mode]?.capacity = found.result
                ramps[mode] = found
            }
        }
        var ratio: Ratios?
        if let traditional = runs[.traditional], let smart = runs[.smart] {
            ratio = Self.ratios(traditional: traditional, smart: smart, capacity: (results[.traditional]?.capacity, results[.smart]?.capacity))
        }
        var sensitivity: [SensitivityRow] = []
        if settings.sensitivity, runs.count == 2 {
            sensitivity = try Sensitivity(study: self).table(document.ranges, seed: settings.seed) { settings.progress?(0.8, $0) }
        }
        var target: TargetSearch?
        if let goal = settings.targetRatio {
            target = try LeverSearch(study: self).search(goal, seed: settings.seed, known: ramps) { settings.progress?(0.9, $0) }
        }
        settings.progress?(1, "done")
        return TwinReport(
            scenario: scenario.name, seed: settings.seed, traditional: results[.traditional], smart: results[.smart], ratio: ratio,
            sensitivity: sensitivity, targetSearch: target, parameters: document.rows,
            caveats: Self.caveats(scenario, smart: results[.smart]), levers: levers, wallSeconds: 0)
    }

    static func summary(_ mode: GateMode, _ runs: [ReplicationOutcome], scenario: Scenario) -> ModeResult {
        func estimate(_ value: (ReplicationOutcome) -> Double) -> Estimate { Estimate(runs.map(value)) }
        func hourly(_ value: (ReplicationOutcome) -> [Double]) -> [Double] {
            (0..<24).map { h in runs.map { value($0)[h] }.reduce(0, +) / Double(runs.count) }
        }
        let edges = ReplicationOutcome.histogramEdges
        let histogram = edges.indices.map { b in
            HistogramBin(fromHours: edges[b], toHours: b + 1 < edges.count ? edges[b + 1] : .infinity,
                         share: runs.map { $0.histogram[b] }.reduce(0, +) / Double(runs.count))
        }
        var shares: [String: Double] = [:]
        for key in Set(runs.flatMap(\.shares.keys)) { shares[key] = runs.map { $0.shares[key] ?? 0 }.reduce(0, +) / Double(runs.count) }
        return ModeResult(
            mode: mode.rawValue, demandPerDay: scenario.demandPerDay, days: scenario.days, replications: runs.count,
            throughputPerDay: estimate(\.throughputPerDay), meanHours: estimate(\.meanHours), p95Hours: estimate(\.p95Hours),
            capacity: nil, cost: ReplicationOutcome.costTerms.map { term in CostTerm(term: term, vnd: estimate { $0.cost[term] ?? 0 }) },
            costPerContainer: estimate { $0.cost.values.reduce(0, +) },
            costPerShuttleContainer: runs.contains { $0.shuttleCost > 0 } ? estimate(\.shuttleCost) : nil,
            energy: EnergyResult(dieselLitres: estimate(\.dieselLitres), electricKWh: estimate(\.electricKWh), co2Kg: estimate(\.co2Kg)),
            queueByHour: hourly(\.queueByHour), yardByHour: hourly(\.yardByHour), timeHistogram: histogram, shares: shares,
            shuttleShare: runs.map(\.shuttleShare).reduce(0, +) / Double(runs.count), events: runs.reduce(0) { $0 + $1.events })
    }

    /// Paired ratios: replication k of each mode shares its random numbers, so the ratio of
    /// each pair is one observation and the interval is that of their mean.
    static func ratios(traditional: [ReplicationOutcome], smart: [ReplicationOutcome],
                       capacity: (CapacityResult?, CapacityResult?)) -> Ratios {
        func paired(_ value: (ReplicationOutcome) -> Double) -> Ratio {
            let pairs = zip(smart, traditional).compactMap { s, t in value(t) > 0 ? value(s) / value(t) : nil }
            let e = Estimate(pairs)
            return Ratio(value: e.mean, low: e.low, high: e.high)
        }
        var capacityRatio: Ratio?
        if let t = capacity.0, let s = capacity.1, t.perDay > 0, t.low > 0 {
            capacityRatio = Ratio(value: s.perDay / t.perDay, low: s.low / t.high, high: s.high / t.low)
        }
        let shuttled = zip(smart, traditional).compactMap { s, t -> Double? in
            let total = t.cost.values.reduce(0, +)
            return s.shuttleCost > 0 && total > 0 ? s.shuttleCost / total : nil
        }
        let shuttleRatio = shuttled.isEmpty ? nil : Estimate(shuttled)
        return Ratios(capacity: capacityRatio, costPerContainer: paired { $0.cost.values.reduce(0, +) },
                      shuttleContainerCost: shuttleRatio.map { Ratio(value: $0.mean, low: $0.low, high: $0.high) },
                      meanHours: paired(\.meanHours), p95Hours: paired(\.p95Hours))
    }

    static func caveats(_ scenario: Scenario, smart: ModeResult?) -> [String] {
        var lines = [
            "Every figure marked \"assumption\" in the parameter table is one: Beishan's hours, the red share at Lào Cai, inspection and transshipment times, yard capacity and fees, the truck's cost per hour and arrivals by hour were not found in public sources.",
            "Capacity is the highest arrival rate at which 95 % of trucks are through within \(Int(scenario.targetP95Hours)) h; its interval is the ramp's last passing and first failing rate, from \(CapacityRamp().replications) replications of \(min(scenario.days, CapacityRamp().days)) days at each rate.",
            "Time at the border runs from arrival at the gate (smart: in the booked slot) to release on the far side: for a shuttle container, delivery at the Chinese handover bay; otherwise the end of transshipment.",
            "Cost per container counts the truck's waiting hours, yard entry and parking, transshipment, the shuttle fee and energy; it leaves out cargo losses, which a long wait adds to (VND ~100 M on a long jam).",
            "The Chinese side is modelled only by its daily acceptance limit for exports and by the corridor's agreed window.",
        ]
        if let smart, let shift = smart.shares["slotShiftHours"], shift > 0.05 {
            lines.append(String(format: "In smart mode trucks wait for their booked slot away from the border: %.1f h on average, not counted as time at the border.", shift))
        }
        return lines
    }
}
