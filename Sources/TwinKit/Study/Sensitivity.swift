import Foundation

/// The one-at-a-time sensitivity table: each parameter the scenario gives a low and a high
/// for is set to each end while everything else stays, and the headline (smart ÷
/// traditional cost per container) is measured again on short runs.
struct Sensitivity {
    let study: TwinStudy
    var replications = 2
    var days = 3

    func table(_ ranges: [SensitivityRange], seed: UInt64, progress: ((String) -> Void)? = nil) throws -> [SensitivityRow] {
        var base = study.scenario
        base.days = min(base.days, days)
        base.warmupDays = min(base.warmupDays, base.days - 1)
        let ends = ranges.compactMap { range -> (SensitivityRange, Scenario, Scenario)? in
            guard let low = base.setting(range.key, to: range.low), let high = base.setting(range.key, to: range.high) else { return nil }
            return (range, low, high)
        }
        progress?("sensitivity: \(ends.count) parameters, each end")
        // Every (variant, mode, replication) at once: the cores stay busy to the end.
        let variants = ends.flatMap { [$0.1, $0.2] }
        let jobs = variants.indices.flatMap { v in GateMode.allCases.flatMap { mode in (0..<replications).map { (v, mode, $0) } } }
        let outcomes = try study.replicate(jobs.map { (variants[$0.0], $0.1, $0.2) }, seed: seed)
        func costRatio(_ variant: Int) -> Double {
            let runs = zip(jobs, outcomes).filter { $0.0.0 == variant }
            return TwinStudy.ratios(traditional: runs.filter { $0.0.1 == .traditional }.map(\.1),
                                    smart: runs.filter { $0.0.1 == .smart }.map(\.1), capacity: (nil, nil)).costPerContainer.value
        }
        let rows = ends.enumerated().map { index, end in
            SensitivityRow(parameter: end.0.key, lowSetting: ParameterReader.show(end.0.low), highSetting: ParameterReader.show(end.0.high),
                           lowValue: costRatio(2 * index), highValue: costRatio(2 * index + 1))
        }
        return rows.sorted { abs($0.highValue - $0.lowValue) > abs($1.highValue - $1.lowValue) }
    }
}

/// `--target-ratio`: relieves the smart gate's bottleneck one step at a time (the lever
/// whose resource trucks waited longest for at the first failing rate) until the capacity
/// ratio reaches the target, no lever helps, or the steps run out. A greedy search: it
/// finds a small change, not a proven smallest one.
struct LeverSearch {
    let study: TwinStudy
    /// Capacity searches it may run, kept or not: each is a whole ramp.
    var maxAttempts = 12
    var ramp = CapacityRamp()

    /// `known`: the scenario's ramps when they ran already (with this search's ramp settings).
    func search(_ target: Double, seed: UInt64, known: [GateMode: CapacityRamp.Found] = [:],
                progress: ((String) -> Void)? = nil) throws -> TargetSearch {
        let traditional = try known[.traditional] ?? ramp.search(study, study.scenario, .traditional, seed: seed, progress: progress)
        var scenario = study.scenario
        var found = try known[.smart] ?? ramp.search(study, scenario, .smart, seed: seed, progress: progress)
        var steps: [LeverStep] = [LeverStep(lever: "scenario", setting: "as filed", capacityPerDay: found.result.perDay,
                                            ratio: found.result.perDay / traditional.result.perDay)]
        var tried: Set<String> = []
        var attempts = 0
        while steps.last!.ratio < target, attempts < maxAttempts {
            attempts += 1
            let ranked = found.waitsAtFailure.sorted { $0.value > $1.value }.map(\.key).filter { !tried.contains($0) }
            guard let lever = ranked.first(where: { Self.raise($0, scenario) != nil }) ?? Self.fallback(scenario, tried: tried),
                  let (next, setting) = Self.raise(lever, scenario) else { break }
            progress?("target ×\(target): raising \(lever) to \(setting)")
            let attempt = try ramp.search(study, next, .smart, seed: seed, progress: progress)
            if attempt.result.perDay <= found.result.perDay * 1.01 {
                tried.insert(lever)
                continue
            }
            tried.removeAll()
            scenario = next
            found = attempt
            steps.append(LeverStep(lever: lever, setting: setting, capacityPerDay: attempt.result.perDay, ratio: attempt.result.perDay / traditional.result.perDay))
        }
        let reached = steps.last!.ratio >= target
        let changes = steps.dropFirst().map { "\($0.lever) → \($0.setting)" }.joined(separator: ", ")
        let verdict = reached
            ? String(format: "×%.1f is reached with: %@ (capacity ratio ×%.2f).", target, changes.isEmpty ? "the scenario as filed" : changes, steps.last!.ratio)
            : String(format: "×%.1f is out of reach by these levers: the best found is ×%.2f%@.", target, steps.map(\.ratio).max() ?? 0,
                     changes.isEmpty ? "" : " with \(changes)")
        return TargetSearch(targetRatio: target, reached: reached, steps: steps, verdict: verdict)
    }

    /// When nobody waited (the gate failed on another ground), widen the hours, once.
    static func fallback(_ scenario: Scenario, tried: Set<String>) -> String? {
        !tried.contains("smart.openingHours") && raise("smart.openingHours", scenario) != nil ? "smart.openingHours" : nil
    }

    /// The scenario with `lever` one step up, and the setting as a reader sees it; nil at its limit.
    static func raise(_ lever: String, _ s: Scenario) -> (Scenario, String)? {
        var next = s
        switch lever {
        case "lanes.export" where s.exportLanes < 12:
            next.exportLanes += 1
            return (next, "\(next.exportLanes) lanes")
        case "lanes.import" where s.importLanes < 12:
            next.importLanes += 1
            return (next, "\(next.importLanes) lanes")
        case "smart.officers" where s.officers < 40:
            next.officers += 2
            return (next, "\(next.officers) officers")
        case "inspection.teams" where s.inspectionTeams < 60:
            next.inspectionTeams += 4
            return (next, "\(next.inspectionTeams) teams")
        case "acceptance.exportsPerDay":
            guard let limit = s.acceptancePerDay, limit < 20_000 else { return nil }
            next.acceptancePerDay = limit * 3 / 2
            return (next, "\(next.acceptancePerDay!) a day")
        case "corridor.shuttles" where s.shuttles < 12:
            next.shuttles = min(12, s.shuttles + 2)
            return (next, "\(next.shuttles) shuttles")
        case "corridor.shuttles" where !s.corridorWindow.alwaysOpen:
            next.corridorWindow = DailyHours(opens: max(0, s.corridorWindow.opens - 3_600), closes: min(86_400, s.corridorWindow.closes + 3_600))
            return (next, "window \(next.corridorWindow)")
        case "smart.openingHours" where !s.smartHours.alwaysOpen:
            next.smartHours = DailyHours(opens: max(0, s.smartHours.opens - 3_600), closes: min(86_400, s.smartHours.closes + 3_600))
            return (next, "lanes open \(next.smartHours)")
        default:
            return nil
        }
    }
}
