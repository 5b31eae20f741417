import Foundation

/// One reason behind a channel, as the officer reads it.
public struct RiskReason: Sendable, Equatable, Codable {
    /// `rule`, `sampling` or `model`.
    public var source: String
    /// Stable: `RULE`, `RULE_SAMPLE`, `MODEL_SCORE`, or `MODEL_` + the feature in upper case.
    public var code: String
    public var message: String
    /// The channel this reason asks for; nil for an explanation of the score.
    public var channel: Channel?
    public var ruleId: UUID?
    /// For model reasons: the feature's effect on the log-odds.
    public var contribution: Double?

    public init(source: String, code: String, message: String, channel: Channel?, ruleId: UUID? = nil, contribution: Double? = nil) {
        self.source = source
        self.code = code
        self.message = message
        self.channel = channel
        self.ruleId = ruleId
        self.contribution = contribution
    }
}

/// Customs' verdict on a declared trip before it arrives.
public struct RiskDecision: Sendable, Equatable {
    /// The strictest channel any rule, the sampling draw or the score asks for.
    public var channel: Channel
    public var score: Double?
    public var modelVersion: String?
    public var reasons: [RiskReason]
    /// Blocking rules that name the declarant: the declaration is refused.
    public var blockedBy: [RiskReason]
}

/// A rule as stored, with its id.
public struct StoredRiskRule: Sendable, Equatable {
    public var id: UUID
    public var rule: RiskRule
    public init(id: UUID, rule: RiskRule) {
        self.id = id
        self.rule = rule
    }
}

/// Selectivity: rules, random sampling and the learned score, combined. The channel is
/// the strictest of them (CONTRACTS §9), and every contributor leaves a reason.
public enum RiskSelectivity {
    /// How many of the score's strongest features are given as reasons.
    public static let explainedFeatures = 3

    public static func assess(
        _ trip: RiskCase, declarationId: UUID, rules: [StoredRiskRule], model: RiskModel?, sampling: RandomSampling?, at now: Date
    ) -> RiskDecision {
        var channel = Channel.green
        var reasons: [RiskReason] = []
        var blocked: [RiskReason] = []
        for stored in rules where stored.rule.applies(to: trip, norms: model?.norms, at: now) {
            let rule = stored.rule
            if rule.block {
                blocked.append(RiskReason(source: "rule", code: "RULE_BLOCK", message: "\(rule.name): \(rule.reason)", channel: nil, ruleId: stored.id))
                continue
            }
            guard let ruleChannel = rule.minChannel else { continue }
            if let rate = rule.sampleRate {
                // Without a sampling secret nobody could audit the draw, so nothing is drawn.
                guard let sampling, sampling.isSampled(declarationId, rate: rate) else { continue }
                reasons.append(RiskReason(
                    source: "sampling", code: "RULE_SAMPLE",
                    message: "\(rule.name): drawn at random (\(percent(rate)) of matching trips). \(rule.reason)",
                    channel: ruleChannel, ruleId: stored.id))
            } else {
                reasons.append(RiskReason(source: "rule", code: "RULE", message: "\(rule.name): \(rule.reason)", channel: ruleChannel, ruleId: stored.id))
            }
            channel = max(channel, ruleChannel)
        }
        var score: Double?
        if let model {
            let result = model.assess(trip)
            score = result.score
            channel = max(channel, result.channel)
            if result.channel != .green {
                let threshold = result.channel == .red ? model.thresholds.red : model.thresholds.yellow
                reasons.append(RiskReason(
                    source: "model", code: "MODEL_SCORE",
                    message: String(format: "Risk score %.3f is at or above the %@ threshold %.3f.", result.score, result.channel.rawValue, threshold),
                    channel: result.channel))
            }
            for part in result.raisedBy.prefix(explainedFeatures) {
                reasons.append(RiskReason(
                    source: "model", code: "MODEL_" + part.feature.uppercased(), message: explain(part, trip: trip), channel: nil,
                    contribution: (part.contribution * 1000).rounded() / 1000))
            }
        }
        return RiskDecision(channel: channel, score: score, modelVersion: model?.version, reasons: reasons, blockedBy: blocked)
    }

    /// A feature's part in the score, in the officer's words.
    static func explain(_ part: FeatureContribution, trip: RiskCase) -> String {
        let heading = trip.mainLine.map { "HS \($0.heading)" } ?? "these goods"
        let effect = String(format: " (+%.2f log-odds)", part.contribution)
        let text: String
        switch part.feature {
        case "value_vs_norm_log": text = String(format: "Declared value per kg is %.2f× the norm for ", exp(part.value)) + heading + "."
        case "mass_vs_norm_log": text = String(format: "Goods mass per container is %.2f× the norm for ", exp(part.value)) + heading + "."
        case "origin_unusual_for_hs": text = "Origin \(trip.mainLine?.origin ?? "?") is rare for \(heading)."
        case "declarant_new": text = part.value > 0 ? "The declarant has fewer than 5 earlier trips." : "The declarant is established."
        case "declarant_discrepancy_rate":
            text = "The declarant has \(trip.history.priorDiscrepancies) recorded discrepancies in \(trip.history.priorTrips) earlier trips."
        case "missing_required_documents": text = "Required documents missing: " + trip.missingDocuments.map(\.rawValue).sorted().joined(separator: ", ") + "."
        default:
            let meaning = RiskFeatures.meanings[part.feature] ?? part.feature
            text = meaning.prefix(1).uppercased() + meaning.dropFirst() + String(format: " (value %.2f).", part.value)
        }
        return text + effect
    }

    private static func percent(_ rate: Double) -> String {
        String(format: "%g %%", (rate * 1000).rounded() / 10)
    }
}
