import Foundation
import GateKit

/// The smart mode's risk channels: SmartGate's own risk model, trained on a synthetic
/// history with the scenario's inspection and red rates, scores trips it has not seen; a
/// truck's channel is one of those scores, drawn at random.
public struct RiskChannels: Sendable {
    /// The channels of the held-out trips, in order.
    let pool: [Channel]
    public let shares: [Channel: Double]

    /// Trains on 4,000 synthetic trips and scores 2,000 others (a fixed history, so the
    /// pool depends only on the two rates).
    public init(greenShare: Double, redShare: Double) throws {
        let rows = SyntheticRiskHistory(count: 6_000, seed: 17).rows()
        let training = Array(rows.prefix(4_000)), held = rows.dropFirst(4_000)
        let model = try RiskModel.train(
            cases: training.map(\.riskCase), labels: training.map(\.discrepancy), kind: .logistic,
            inspectionRate: 1 - greenShare, redRate: min(redShare, 1 - greenShare), at: Date(timeIntervalSince1970: Scenario.epoch))
        let channels = held.map { model.assess($0.riskCase).channel }
        var counts: [Channel: Double] = [:]
        for channel in channels { counts[channel, default: 0] += 1 }
        pool = channels
        shares = counts.mapValues { $0 / Double(channels.count) }
    }

    private static let trainedByShares = TrainedChannels()

    /// The channels for these shares, trained once per process: the same rates give the same
    /// model, and training is the slowest step of a short study.
    public static func trained(greenShare: Double, redShare: Double) throws -> RiskChannels {
        try trainedByShares.channels(greenShare, redShare)
    }

    func draw(_ random: inout RandomStream) -> Channel {
        pool[min(pool.count - 1, Int(random.uniform() * Double(pool.count)))]
    }
}

/// Trained channels by (green, red) share, behind a lock.
private final class TrainedChannels: @unchecked Sendable {
    private let lock = NSLock()
    private var known: [[Double]: RiskChannels] = [:]

    func channels(_ green: Double, _ red: Double) throws -> RiskChannels {
        if let found = lock.withLock({ known[[green, red]] }) { return found }
        let made = try RiskChannels(greenShare: green, redShare: red)
        lock.withLock { known[[green, red]] = made }
        return made
    }
}
