import Crypto
import Foundation

/// Which learner a model file holds.
public enum RiskModelKind: String, Sendable, Codable, CaseIterable {
    /// Gradient-boosted trees: finds interactions on its own. The default.
    case boostedTrees = "boosted-trees"
    /// L2 logistic regression: one weight per feature, the simplest to audit.
    case logistic
}

/// Score cut-offs: a score at or above `red` asks for a physical inspection, at or above
/// `yellow` for a document check.
public struct RiskThresholds: Sendable, Equatable, Codable {
    public var yellow: Double
    public var red: Double
    public init(yellow: Double, red: Double) {
        self.yellow = yellow
        self.red = red
    }

    /// The channel a score alone asks for.
    public func channel(for score: Double) -> Channel {
        score >= red ? .red : score >= yellow ? .yellow : .green
    }
}

/// One feature's part in a score, for the officer.
public struct FeatureContribution: Sendable, Equatable, Codable {
    public var feature: String
    /// The trip's value of the feature.
    public var value: Double
    /// Its effect on the log-odds: positive raises the risk.
    public var contribution: Double
}

/// A model's verdict on one trip.
public struct RiskScore: Sendable, Equatable {
    /// Probability of a discrepancy, 0…1.
    public var score: Double
    /// The channel the thresholds give this score.
    public var channel: Channel
    /// Features that raised the score, largest first.
    public var raisedBy: [FeatureContribution]
}

/// A trained risk model as stored in a model file: the learner, the norms its features
/// were computed against, the thresholds, and where it came from.
public struct RiskModel: Sendable, Equatable, Codable {
    public static let currentFormat = "smartgate-risk-model/1"

    public var format: String
    /// Names the model in every declaration it scored, e.g. `bt-20261124T0800Z-3f2a1c`.
    public var version: String
    public var kind: RiskModelKind
    public var trainedAt: Date
    public var trainingRows: Int
    /// Share of training trips recorded as discrepancies.
    public var recordedRate: Double
    public var features: [String]
    public var norms: RiskNorms
    public var thresholds: RiskThresholds
    public var trees: BoostedRiskTrees?
    public var logistic: LogisticRiskModel?

    /// Learns norms, then the learner, then thresholds that send the top `inspectionRate`
    /// share of the training trips to yellow or red and the top `redRate` share to red.
    public static func train(
        cases: [RiskCase], labels: [Bool], kind: RiskModelKind = .boostedTrees, inspectionRate: Double = 0.08,
        redRate: Double = 0.02, trees settings: BoostedRiskTrees.Settings = .init(), at now: Date
    ) throws(RiskModelError) -> RiskModel {
        guard cases.count == labels.count else { throw RiskModelError("\(cases.count) trips but \(labels.count) outcomes") }
        guard inspectionRate > 0, inspectionRate < 1, redRate >= 0, redRate <= inspectionRate else {
            throw RiskModelError("rates: 0 < inspection rate < 1 and 0 ≤ red rate ≤ inspection rate")
        }
        let norms = RiskNorms.learn(from: cases)
        let rows = cases.map { RiskFeatures.extract($0, norms: norms) }
        var model = RiskModel(
            format: currentFormat, version: "", kind: kind, trainedAt: now, trainingRows: cases.count,
            recordedRate: Double(labels.filter { $0 }.count) / Double(max(labels.count, 1)), features: RiskFeatures.names,
            norms: norms, thresholds: RiskThresholds(yellow: 1, red: 1), trees: nil, logistic: nil)
        switch kind {
        case .boostedTrees:
            model.trees = try BoostedRiskTrees.train(rows: rows, labels: labels, settings: settings)
        case .logistic:
            model.logistic = try LogisticRiskModel.train(rows: rows, labels: labels, features: RiskFeatures.names, version: "")
        }
        let scores = rows.map(model.probability).sorted(by: >)
        func cut(_ rate: Double) -> Double {
            let count = Int((Double(scores.count) * rate).rounded())
            guard count > 0 else { return 1.000_001 }  // above every probability: nobody
            return scores[min(count, scores.count) - 1]
        }
        model.thresholds = RiskThresholds(yellow: cut(inspectionRate), red: cut(redRate))
        model.version = model.fingerprint()
        return model
    }

    /// Probability of a discrepancy for a feature row.
    public func probability(_ row: [Double]) -> Double {
        1 / (1 + exp(-logit(row)))
    }

    public func logit(_ row: [Double]) -> Double {
        if let trees { return trees.logit(row) }
        if let logistic { return logistic.logit(row) }
        return 0
    }

    /// Scores a trip and explains the score.
    public func assess(_ trip: RiskCase) -> RiskScore {
        let row = RiskFeatures.extract(trip, norms: norms)
        let contributions: [Double]
        if let trees {
            contributions = trees.explain(row).contributions
        } else if let logistic {
            contributions = logistic.contributions(row)
        } else {
            contributions = []
        }
        let score = probability(row)
        let raised = contributions.indices
            .filter { contributions[$0] > 0.05 }
            .sorted { contributions[$0] > contributions[$1] }
            .map { FeatureContribution(feature: features[$0], value: row[$0], contribution: contributions[$0]) }
        return RiskScore(score: score, channel: thresholds.channel(for: score), raisedBy: raised)
    }

    /// Reads a model file, refusing one that does not hang together.
    public static func decode(_ data: Data) throws(RiskModelError) -> RiskModel {
        let model: RiskModel
        do {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            model = try decoder.decode(RiskModel.self, from: data)
        } catch {
            throw RiskModelError("not a SmartGate risk model: \(error)")
        }
        guard model.format == currentFormat else {
            throw RiskModelError("model format \(model.format) is not \(currentFormat)")
        }
        guard model.features == RiskFeatures.names else {
            throw RiskModelError("model \(model.version) was trained on other features than this build extracts")
        }
        let t = model.thresholds
        guard t.yellow.isFinite, t.red.isFinite, t.yellow <= t.red, t.yellow >= 0 else {
            throw RiskModelError("model \(model.version): thresholds must satisfy 0 ≤ yellow ≤ red")
        }
        switch model.kind {
        case .boostedTrees:
            guard let trees = model.trees, model.logistic == nil else { throw RiskModelError("model \(model.version): boosted-trees without trees") }
            try trees.validate()
            guard trees.width == model.features.count else { throw RiskModelError("model \(model.version): trees are \(trees.width) features wide") }
        case .logistic:
            guard let logistic = model.logistic, model.trees == nil else { throw RiskModelError("model \(model.version): logistic without weights") }
            try logistic.validate()
            guard logistic.features == model.features else { throw RiskModelError("model \(model.version): weights name other features") }
        }
        return model
    }

    /// The model file: sorted keys, so two trainings on the same data give the same bytes.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }

    /// `bt-` or `lr-`, the training date, and the first 6 hex digits of a hash of the
    /// learned parameters: two different models never share a version.
    func fingerprint() -> String {
        var copy = self
        copy.version = ""
        let bytes = (try? copy.encoded()) ?? Data()
        let digest = Hex.lowercase(SHA256.hash(data: bytes).prefix(3))
        let stamp = Timestamp.format(trainedAt).prefix(16).replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
        return "\(kind == .boostedTrees ? "bt" : "lr")-\(stamp)Z-\(digest)"
    }
}
