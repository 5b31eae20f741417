import Foundation

/// How a model does on a held-out history, against random sampling at the same
/// inspection rate: what `smartgate risk evaluate` prints.
public struct RiskEvaluation: Sendable {
    public var trips: Int
    public var recordedRate: Double
    public var auc: Double?
    /// Share of trips the thresholds send to yellow or red.
    public var inspectionRate: Double
    /// Of those, the share recorded as discrepancies.
    public var precision: Double
    /// Random sampling at the same rate: its expected precision is the recorded rate;
    /// `randomDrawPrecision` is one seeded draw of it.
    public var randomDrawPrecision: Double
    /// Share of recorded discrepancies that the thresholds sent to yellow or red.
    public var recall: Double
    /// Channel × recorded outcome counts: `[channel: (clean, discrepancy)]`.
    public var confusion: [Channel: (clean: Int, discrepancy: Int)]
    /// Each feature alone as a score (oriented so that ≥ 0.5): the most separating first.
    public var featureAUC: [(feature: String, auc: Double)]
    /// For generated histories: of the true discrepancies of each planted pattern, the
    /// share sent to yellow or red.
    public var patternRecall: [(pattern: String, trips: Int, recall: Double)]

    public init(model: RiskModel, rows: [RiskHistoryRow], seed: UInt64 = 1) {
        let features = rows.map { RiskFeatures.extract($0.riskCase, norms: model.norms) }
        let scores = features.map(model.probability)
        let labels = rows.map(\.discrepancy)
        let channels = scores.map(model.thresholds.channel(for:))
        trips = rows.count
        let positives = labels.filter { $0 }.count
        recordedRate = Double(positives) / Double(max(rows.count, 1))
        auc = RiskMetrics.auc(scores: scores, labels: labels)
        let inspected = channels.indices.filter { channels[$0] != .green }
        inspectionRate = Double(inspected.count) / Double(max(rows.count, 1))
        let hits = inspected.filter { labels[$0] }.count
        precision = inspected.isEmpty ? 0 : Double(hits) / Double(inspected.count)
        recall = positives == 0 ? 0 : Double(hits) / Double(positives)
        var random = SeededGenerator(seed: seed)
        var order = Array(rows.indices)
        order.shuffle(using: &random)
        let drawn = order.prefix(inspected.count)
        randomDrawPrecision = drawn.isEmpty ? 0 : Double(drawn.filter { labels[$0] }.count) / Double(drawn.count)
        var table: [Channel: (clean: Int, discrepancy: Int)] = [:]
        for channel in Channel.allCases { table[channel] = (0, 0) }
        for (channel, label) in zip(channels, labels) {
            if label { table[channel]!.discrepancy += 1 } else { table[channel]!.clean += 1 }
        }
        confusion = table
        featureAUC = model.features.indices.compactMap { j in
            guard let value = RiskMetrics.auc(scores: features.map { $0[j] }, labels: labels) else { return nil }
            return (model.features[j], max(value, 1 - value))
        }.sorted { $0.auc > $1.auc }
        var byPattern: [String: (Int, Int)] = [:]
        for (row, channel) in zip(rows, channels) where row.pattern != "none" {
            byPattern[row.pattern, default: (0, 0)].0 += 1
            if channel != .green { byPattern[row.pattern, default: (0, 0)].1 += 1 }
        }
        patternRecall = byPattern.keys.sorted().map { ($0, byPattern[$0]!.0, Double(byPattern[$0]!.1) / Double(byPattern[$0]!.0)) }
    }

    /// The report, one figure per line.
    public func report(model: RiskModel) -> [String] {
        func percent(_ x: Double) -> String { String(format: "%.1f %%", x * 100) }
        var lines = [
            "model               \(model.version) (\(model.kind.rawValue), \(model.trainingRows) training trips)",
            "trips               \(trips), recorded discrepancies \(percent(recordedRate))",
            "AUC                 \(auc.map { String(format: "%.4f", $0) } ?? "n/a (one class only)")",
            "inspection rate     \(percent(inspectionRate)) sent to yellow or red by the thresholds "
                + String(format: "(yellow ≥ %.4f, red ≥ %.4f)", model.thresholds.yellow, model.thresholds.red),
            "precision           \(percent(precision)) of inspected trips had a recorded discrepancy",
            "random sampling     \(percent(recordedRate)) expected at the same rate (one seeded draw: \(percent(randomDrawPrecision)))",
            String(format: "margin              %.1f× random sampling's precision (+%.1f points)",
                   recordedRate > 0 ? precision / recordedRate : 0, (precision - recordedRate) * 100),
            "recall              \(percent(recall)) of recorded discrepancies were sent to yellow or red",
            "confusion           channel   clean  discrepancy",
        ]
        for channel in Channel.allCases {
            let cell = confusion[channel]!
            lines.append("                    " + channel.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
                + String(format: "%7d  %11d", cell.clean, cell.discrepancy))
        }
        if let best = featureAUC.first {
            lines.append("best single feature \(best.feature) AUC " + String(format: "%.4f", best.auc) + " (alone; the history keeps every one ≤ 0.7)")
        }
        for entry in patternRecall {
            lines.append("planted pattern     " + entry.pattern.padding(toLength: 15, withPad: " ", startingAt: 0)
                + String(format: "%6d true discrepancies, %5.1f %% sent to yellow or red", entry.trips, entry.recall * 100))
        }
        return lines
    }
}
