import Foundation

/// A gate mode as the reports show it: its result, its name and its colour.
struct ReportedMode {
    var result: ModeResult
    /// "Traditional" or "Smart".
    var name: String
    var colour: String
    /// The traditional gate's lines are dashed, so the two read apart without colour.
    var dashed: Bool

    /// The modes that ran, traditional first.
    static func all(_ report: TwinReport) -> [ReportedMode] {
        var modes: [ReportedMode] = []
        if let traditional = report.traditional {
            modes.append(ReportedMode(result: traditional, name: "Traditional", colour: ChartPalette.traditional, dashed: true))
        }
        if let smart = report.smart {
            modes.append(ReportedMode(result: smart, name: "Smart", colour: ChartPalette.smart, dashed: false))
        }
        return modes
    }
}

/// How one row's figures are printed.
struct FigureStyle: Sendable {
    var decimals: Int
    var grouped: Bool
    /// The figure is a share 0…1 shown as a percentage.
    var percent: Bool

    static let count = FigureStyle(decimals: 0, grouped: true, percent: false)
    static let hours = FigureStyle(decimals: 2, grouped: false, percent: false)
    static let money = FigureStyle(decimals: 0, grouped: true, percent: false)
    static let quantity = FigureStyle(decimals: 2, grouped: true, percent: false)
    static let share = FigureStyle(decimals: 1, grouped: false, percent: true)

    func text(_ value: Double) -> String {
        percent ? ReportNumber.percent(value, decimals: decimals)
            : ReportNumber.fixed(value, decimals: decimals, grouped: grouped)
    }
}

/// What one mode measured for one metric.
enum ComparisonCell {
    case missing
    case estimate(Estimate)
    /// A single figure without an interval (a share of trucks).
    case level(Double)
    case capacity(CapacityResult)

    /// The figure a CSV writes as the mean; shares in percent, as the unit column says.
    func mean(_ style: FigureStyle) -> Double? {
        switch self {
        case .missing: return nil
        case .estimate(let estimate): return estimate.mean
        case .level(let value): return style.percent ? value * 100 : value
        case .capacity(let capacity): return capacity.perDay
        }
    }

    /// The half-width a CSV writes: for a capacity, half its bracket (none when unbounded).
    var halfWidth: Double? {
        switch self {
        case .missing, .level: return nil
        case .estimate(let estimate): return estimate.halfWidth
        case .capacity(let capacity): return capacity.bounded ? (capacity.high - capacity.low) / 2 : nil
        }
    }

    /// "12.34 ± 0.56", "62.5 %", "1,250 (1,200–1,300)".
    func text(_ style: FigureStyle) -> String {
        switch self {
        case .missing:
            return ReportNumber.missing
        case .estimate(let estimate):
            return style.text(estimate.mean) + " ± " + style.text(estimate.halfWidth)
        case .level(let value):
            return style.text(value)
        case .capacity(let capacity):
            guard capacity.bounded else { return "≥ " + style.text(capacity.low) + " (never failed)" }
            return style.text(capacity.perDay) + " (" + style.text(capacity.low) + "–" + style.text(capacity.high) + ")"
        }
    }
}

/// Smart ÷ traditional for one metric.
enum ComparisonRatio {
    case missing
    /// A ratio the study computed with its interval.
    case interval(Ratio)
    /// Only the two means divided: the study gave no interval for this metric.
    case point(Double)

    var value: Double? {
        switch self {
        case .missing: return nil
        case .interval(let ratio): return ratio.value
        case .point(let value): return value
        }
    }

    /// "×1.85 (1.70–2.01)" or "×1.85".
    var text: String {
        switch self {
        case .missing:
            return ReportNumber.missing
        case .interval(let ratio):
            return ReportNumber.multiplier(ratio.value) + " (" + ReportNumber.fixed(ratio.low, decimals: 2)
                + "–" + ReportNumber.fixed(ratio.high, decimals: 2) + ")"
        case .point(let value):
            return ReportNumber.multiplier(value)
        }
    }

    /// The study's ratio when it has one; otherwise the two means divided, when both exist.
    static func of(_ ratio: Ratio?, traditional: Double?, smart: Double?) -> ComparisonRatio {
        if let ratio { return .interval(ratio) }
        guard let traditional, let smart, traditional != 0 else { return .missing }
        let value = smart / traditional
        return value.isFinite ? .point(value) : .missing
    }
}

/// One metric of the comparison, the same for the terminal table, the HTML table and the CSV.
struct ComparisonRow {
    /// The CSV's metric name.
    var key: String
    var label: String
    var unit: String
    var style: FigureStyle
    var traditional: ComparisonCell
    var smart: ComparisonCell
    var ratio: ComparisonRatio
}

/// The rows of the comparison, built once from the report.
enum ComparisonRows {
    /// Capacity, throughput, time at the border, cost, energy, channels and shuttle share.
    static func metrics(_ report: TwinReport) -> [ComparisonRow] {
        let ratios = report.ratio
        var rows = [capacity(report)]
        let demand = (report.traditional ?? report.smart).map { ReportNumber.fixed($0.demandPerDay, decimals: 0, grouped: true) }
        let throughputLabel = demand.map { "Throughput at a demand of \($0) trucks/day" } ?? "Throughput at demand"
        rows.append(estimate("throughput_per_day", throughputLabel, "containers/day", .count, report, nil) { $0.throughputPerDay })
        rows.append(estimate("mean_hours", "Mean time at the border", "hours", .hours, report, ratios?.meanHours) { $0.meanHours })
        rows.append(estimate("p95_hours", "95th-percentile time at the border", "hours", .hours, report, ratios?.p95Hours) { $0.p95Hours })
        rows.append(estimate("cost_per_container", "Cost per container", "VND", .money, report, ratios?.costPerContainer) { $0.costPerContainer })
        if report.smart?.costPerShuttleContainer != nil {
            // The claim is for firms using the shuttles: their container against the traditional gate's.
            rows.append(estimate("cost_per_shuttle_container", "Cost per container, shuttle users (traditional: every container)", "VND",
                                 .money, report, ratios?.shuttleContainerCost) { $0.costPerShuttleContainer ?? $0.costPerContainer })
        }
        rows.append(estimate("diesel_litres", "Diesel per container", "L", .quantity, report, nil) { $0.energy.dieselLitres })
        rows.append(estimate("electric_kwh", "Electricity per container", "kWh", .quantity, report, nil) { $0.energy.electricKWh })
        rows.append(estimate("co2_kg", "CO₂ per container", "kg", .quantity, report, nil) { $0.energy.co2Kg })
        for channel in ["green", "yellow", "red"] {
            rows.append(level("share_\(channel)", "Trucks in the \(channel) channel", report) { $0.shares[channel] })
        }
        rows.append(level("shuttle_share", "Containers carried by shuttle", report) { $0.shuttleShare })
        return rows
    }

    /// One row per cost term, in the order the terms first appear, then (when asked) the total.
    static func costs(_ report: TwinReport, includingTotal: Bool = true) -> [ComparisonRow] {
        var rows: [ComparisonRow] = costTerms(report).map { term in
            let traditional = report.traditional?.cost.first(where: { $0.term == term })?.vnd
            let smart = report.smart?.cost.first(where: { $0.term == term })?.vnd
            return ComparisonRow(
                key: "cost_\(term)", label: term.prefix(1).uppercased() + String(term.dropFirst()), unit: "VND",
                style: .money,
                traditional: traditional.map { ComparisonCell.estimate($0) } ?? .missing,
                smart: smart.map { ComparisonCell.estimate($0) } ?? .missing,
                ratio: .of(nil, traditional: traditional?.mean, smart: smart?.mean))
        }
        if includingTotal {
            rows.append(estimate("cost_total", "Total", "VND", .money, report, report.ratio?.costPerContainer) { $0.costPerContainer })
        }
        return rows
    }

    /// The cost terms of either mode, in the order they first appear. A term named "total" is
    /// left out: the total has its own row, and stacking it on its parts would count it twice.
    static func costTerms(_ report: TwinReport) -> [String] {
        var terms: [String] = []
        for mode in [report.traditional, report.smart].compactMap({ $0 }) {
            for term in mode.cost where !terms.contains(term.term) && term.term.lowercased() != "total" {
                terms.append(term.term)
            }
        }
        return terms
    }

    /// The target of the capacity ramps, from whichever mode ran one.
    static func targetP95Hours(_ report: TwinReport) -> Double? {
        (report.traditional?.capacity ?? report.smart?.capacity)?.targetP95Hours
    }

    private static func capacity(_ report: TwinReport) -> ComparisonRow {
        let traditional = report.traditional?.capacity
        let smart = report.smart?.capacity
        let target = targetP95Hours(report).map { " at p95 ≤ " + ReportNumber.fixed($0, decimals: 1) + " h" } ?? ""
        return ComparisonRow(
            key: "capacity_per_day", label: "Capacity" + target, unit: "trucks/day", style: .count,
            traditional: traditional.map { ComparisonCell.capacity($0) } ?? .missing,
            smart: smart.map { ComparisonCell.capacity($0) } ?? .missing,
            ratio: .of(report.ratio?.capacity, traditional: traditional?.perDay, smart: smart?.perDay))
    }

    private static func estimate(
        _ key: String, _ label: String, _ unit: String, _ style: FigureStyle,
        _ report: TwinReport, _ ratio: Ratio?, _ pick: (ModeResult) -> Estimate
    ) -> ComparisonRow {
        let traditional = report.traditional.map(pick)
        let smart = report.smart.map(pick)
        return ComparisonRow(
            key: key, label: label, unit: unit, style: style,
            traditional: traditional.map { ComparisonCell.estimate($0) } ?? .missing,
            smart: smart.map { ComparisonCell.estimate($0) } ?? .missing,
            ratio: .of(ratio, traditional: traditional?.mean, smart: smart?.mean))
    }

    private static func level(
        _ key: String, _ label: String, _ report: TwinReport, _ pick: (ModeResult) -> Double?
    ) -> ComparisonRow {
        let traditional = report.traditional.flatMap(pick)
        let smart = report.smart.flatMap(pick)
        return ComparisonRow(
            key: key, label: label, unit: "%", style: .share,
            traditional: traditional.map { ComparisonCell.level($0) } ?? .missing,
            smart: smart.map { ComparisonCell.level($0) } ?? .missing,
            ratio: .of(nil, traditional: traditional, smart: smart))
    }
}

/// Which columns a comparison shows: a mode that did not run has none, and the ratio
/// needs both.
struct ComparisonColumns {
    var traditional: Bool
    var smart: Bool

    init(_ report: TwinReport) {
        traditional = report.traditional != nil
        smart = report.smart != nil
    }

    var ratio: Bool { traditional && smart }
    var isEmpty: Bool { !traditional && !smart }

    /// The headers after the metric's own column.
    var headers: [String] {
        var headers: [String] = []
        if traditional { headers.append("Traditional") }
        if smart { headers.append("Smart") }
        if ratio { headers.append("Smart ÷ traditional") }
        return headers
    }

    /// The row's figures under `headers`.
    func figures(_ row: ComparisonRow) -> [String] {
        var figures: [String] = []
        if traditional { figures.append(row.traditional.text(row.style)) }
        if smart { figures.append(row.smart.text(row.style)) }
        if ratio { figures.append(row.ratio.text) }
        return figures
    }
}

/// The sentence a board member reads first.
enum ReportHeadline {
    /// "Capacity ×2.10 (interval ×1.95–×2.27); cost per container −35.2 % (…); …", or why
    /// there is no comparison.
    static func sentence(_ report: TwinReport) -> String {
        guard let ratio = report.ratio, report.traditional != nil, report.smart != nil else {
            return withoutComparison(report)
        }
        var clauses = [
            capacityClause(ratio.capacity, report),
            changeClause("cost per container", ratio.costPerContainer),
        ]
        if let shuttle = ratio.shuttleContainerCost { clauses.append(changeClause("for a container the shuttles carry", shuttle)) }
        clauses.append(changeClause("95th-percentile time at the border", ratio.p95Hours))
        let sentence = clauses.joined(separator: "; ") + "."
        return sentence.prefix(1).uppercased() + String(sentence.dropFirst())
    }

    private static func capacityClause(_ ratio: Ratio?, _ report: TwinReport) -> String {
        guard let ratio else { return "capacity not measured (the capacity ramp did not run)" }
        guard ratio.value.isFinite else { return "capacity ratio could not be computed" }
        let interval = "(interval " + ReportNumber.multiplier(ratio.low) + "–" + ReportNumber.multiplier(ratio.high) + ")"
        if report.traditional?.capacity?.bounded == false {
            return "capacity " + ReportNumber.multiplier(ratio.value) + " " + interval
                + ", uncertain: the traditional gate passed every rate tried"
        }
        if report.smart?.capacity?.bounded == false {
            return "capacity at least " + ReportNumber.multiplier(ratio.value)
                + " (the smart gate passed every rate tried)"
        }
        return "capacity " + ReportNumber.multiplier(ratio.value) + " " + interval
    }

    private static func changeClause(_ subject: String, _ ratio: Ratio) -> String {
        guard ratio.value.isFinite else { return subject + " change could not be computed" }
        return subject + " " + ReportNumber.change(fromRatio: ratio.value) + " (interval "
            + ReportNumber.change(fromRatio: ratio.low) + " to " + ReportNumber.change(fromRatio: ratio.high) + ")"
    }

    private static func withoutComparison(_ report: TwinReport) -> String {
        let modes = ReportedMode.all(report)
        guard let only = modes.first else { return "Neither gate mode ran, so there is nothing to compare." }
        guard modes.count == 1 else { return "Both gate modes ran, but no smart ÷ traditional ratio was computed." }
        let cost = FigureStyle.money.text(only.result.costPerContainer.mean)
        let p95 = FigureStyle.hours.text(only.result.p95Hours.mean)
        return "Only the \(only.name.lowercased()) gate ran, so there is no comparison: cost per container "
            + "\(cost) VND, 95th-percentile time at the border \(p95) h."
    }
}
