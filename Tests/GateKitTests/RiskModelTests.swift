import Foundation
import GateKit
import Testing

/// A small deterministic generator for test data (SplitMix64).
struct TestRandom {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func unit() -> Double { Double(next() >> 11) / Double(UInt64(1) << 53) }
    mutating func uuid() -> UUID {
        let hex = String(format: "%016llx%016llx", next(), next())
        let parts = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { range in
            String(hex[hex.index(hex.startIndex, offsetBy: range.lowerBound)..<hex.index(hex.startIndex, offsetBy: range.upperBound)])
        }
        return UUID(uuidString: parts.joined(separator: "-"))!
    }
    /// Standard normal (Box–Muller).
    mutating func normal() -> Double { (-2 * log(max(unit(), 1e-300))).squareRoot() * cos(2 * .pi * unit()) }
}

@Suite("Risk: sampling, metrics and the learned score")
struct RiskModelTests {
    static let secret = Data("customs sampling secret 2026".utf8)

    @Test("random sampling is reproducible with the secret, near its rate, and differs without it")
    func sampling() throws {
        let sampling = try #require(RandomSampling(secret: Self.secret))
        let other = try #require(RandomSampling(secret: Data("another secret of 16+ bytes".utf8)))
        var random = TestRandom(state: 7)
        let ids = (0..<20_000).map { _ in random.uuid() }
        let sampled = ids.filter { sampling.isSampled($0, rate: 0.05) }
        #expect(abs(Double(sampled.count) / Double(ids.count) - 0.05) < 0.006, "\(sampled.count) of \(ids.count)")
        #expect(ids.allSatisfy { sampling.draw(for: $0) == RandomSampling(secret: Self.secret)!.draw(for: $0) })
        #expect(ids.prefix(100).filter { sampling.draw(for: $0) == other.draw(for: $0) }.isEmpty)
        #expect(!sampling.isSampled(ids[0], rate: 0))
        #expect(sampling.isSampled(ids[0], rate: 1))
        #expect(RandomSampling(secret: Data("short".utf8)) == nil)
    }

    @Test("channels order by strictness")
    func channels() {
        #expect(Channel.green < .yellow && Channel.yellow < .red)
        #expect([Channel.yellow, .red, .green].max() == .red)
    }

    @Test("AUC", arguments: [
        ([0.1, 0.2, 0.8, 0.9], [false, false, true, true], 1.0 as Double?),
        ([0.9, 0.8, 0.2, 0.1], [false, false, true, true], 0.0),
        ([0.5, 0.5, 0.5, 0.5], [false, true, false, true], 0.5),
        ([0.1, 0.4, 0.35, 0.8], [false, false, true, true], 0.75),
        ([0.1, 0.2], [true, true], nil),
    ])
    func auc(scores: [Double], labels: [Bool], expected: Double?) {
        #expect(RiskMetrics.auc(scores: scores, labels: labels) == expected)
    }

    @Test("precision at the inspection rate counts the true discrepancies among the top scores")
    func precisionAtRate() {
        let scores = [0.9, 0.8, 0.7, 0.1, 0.2, 0.3, 0.05, 0.15, 0.25, 0.35]
        let labels = [true, false, true, false, false, false, false, false, false, true]
        #expect(RiskMetrics.precision(atInspectionRate: 0.2, scores: scores, labels: labels) == 0.5)
        #expect(RiskMetrics.precision(atInspectionRate: 0.3, scores: scores, labels: labels) == 2.0 / 3)
        #expect(RiskMetrics.precision(atInspectionRate: 0.01, scores: scores, labels: labels) == nil)
    }

    /// Trips drawn from a known logistic law: log-odds = −3 + 1.5·a − 1.0·b + 0·c.
    static func synthetic(count: Int, seed: UInt64) -> (rows: [[Double]], labels: [Bool]) {
        var random = TestRandom(state: seed)
        var rows: [[Double]] = []
        var labels: [Bool] = []
        for _ in 0..<count {
            let row = [random.normal(), random.normal(), random.normal()]
            let p = 1 / (1 + exp(-(-3 + 1.5 * row[0] - 1.0 * row[1])))
            rows.append(row)
            labels.append(random.unit() < p)
        }
        return (rows, labels)
    }

    @Test("training recovers the law's weights and ranks held-out trips well")
    func trainingRecoversTheLaw() throws {
        let train = Self.synthetic(count: 8_000, seed: 1)
        let test = Self.synthetic(count: 4_000, seed: 2)
        let model = try LogisticRiskModel.train(rows: train.rows, labels: train.labels, features: ["a", "b", "c"], version: "test-1", l2: 1e-4)
        // Weights are in standardised units; the features are standard normal, so ≈ the law's.
        #expect(abs(model.weights[0] - 1.5) < 0.15, "\(model.weights)")
        #expect(abs(model.weights[1] + 1.0) < 0.15, "\(model.weights)")
        #expect(abs(model.weights[2]) < 0.1, "\(model.weights)")
        let auc = try #require(RiskMetrics.auc(scores: test.rows.map(model.score), labels: test.labels))
        #expect(auc > 0.8, "AUC \(auc)")
        // A feature that carries nothing ranks trips no better than chance.
        let noise = try #require(RiskMetrics.auc(scores: test.rows.map { $0[2] }, labels: test.labels))
        #expect(abs(noise - 0.5) < 0.05)
    }

    @Test("contributions and the intercept add up to the log-odds; the strongest comes first")
    func explanations() throws {
        let data = Self.synthetic(count: 2_000, seed: 3)
        let model = try LogisticRiskModel.train(rows: data.rows, labels: data.labels, features: ["a", "b", "c"], version: "test-2")
        let row = [2.5, -0.1, 0.2]
        let explanation = model.explain(row)
        #expect(abs(explanation.map(\.contribution).reduce(model.intercept, +) - model.logit(row)) < 1e-9)
        #expect(explanation.first?.feature == "a")
        #expect(model.score(row) > model.score([-2.5, 0.1, 0.2]))
    }

    @Test("a model file round-trips; a damaged one is refused with a reason")
    func modelFile() throws {
        let data = Self.synthetic(count: 1_000, seed: 4)
        let model = try LogisticRiskModel.train(rows: data.rows, labels: data.labels, features: ["a", "b", "c"], version: "test-3")
        let decoded = try LogisticRiskModel.decode(try model.encoded())
        #expect(decoded == model)
        #expect(decoded.score([1, 2, 3]) == model.score([1, 2, 3]))
        var damaged = model
        damaged.weights.removeLast()
        #expect(throws: RiskModelError.self) { _ = try LogisticRiskModel.decode(try damaged.encoded()) }
        #expect(throws: RiskModelError.self) { _ = try LogisticRiskModel.decode(Data("{}".utf8)) }
    }

    @Test("bad training data is refused, naming the problem", arguments: [
        ([[1.0, 2.0], [1.0]], [true, false], "row 1 has 1 values"),
        ([[1.0, 2.0], [3.0, 4.0]], [true, true], "both outcomes"),
        ([[1.0, .nan], [3.0, 4.0]], [true, false], "not a finite number"),
        ([[1.0, 2.0]], [true, false], "1 rows but 2 labels"),
    ])
    func badTrainingData(rows: [[Double]], labels: [Bool], message: String) {
        #expect {
            _ = try LogisticRiskModel.train(rows: rows, labels: labels, features: ["x", "y"], version: "bad")
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test("perfectly separable data stays finite thanks to the penalty")
    func separable() throws {
        let rows = (0..<200).map { [Double($0)] }
        let labels = (0..<200).map { $0 >= 100 }
        let model = try LogisticRiskModel.train(rows: rows, labels: labels, features: ["x"], version: "sep")
        #expect(model.weights.allSatisfy { $0.isFinite })
        #expect(model.score([150]) > 0.9 && model.score([50]) < 0.1)
    }
}
