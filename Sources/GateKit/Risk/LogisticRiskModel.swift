import Foundation

/// Why a model could not be trained or loaded; the message names the problem.
public struct RiskModelError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A learned risk score: L2-regularised logistic regression over standardised features,
/// pure Swift. Each score comes with its explanation: every feature's contribution to the
/// log-odds, so an officer sees why a trip scored high.
///
/// Why logistic regression first: it trains in milliseconds by Newton's method, scores a
/// trip with one dot product (far above the 100,000/s aim), and its contributions are
/// exact, not approximations. Interactions the data needs are given to it as features
/// (the feature extractor's job).
public struct LogisticRiskModel: Codable, Sendable, Equatable {
    /// Identifies the model in every declaration it scored.
    public var version: String
    /// Feature names, in the order rows give them.
    public var features: [String]
    /// Standardisation learned from the training rows: z = (x − mean) / scale.
    public var means: [Double]
    public var scales: [Double]
    /// One weight per feature, in standardised units, and the intercept (log-odds of a
    /// trip whose every feature is at its training mean).
    public var weights: [Double]
    public var intercept: Double

    /// Fits the model by Newton–Raphson (iteratively reweighted least squares).
    /// - Parameters:
    ///   - rows: one row of feature values per trip, `features.count` wide.
    ///   - labels: true where the inspection found a discrepancy.
    ///   - l2: ridge penalty on the weights (not the intercept); keeps separable data finite.
    public static func train(
        rows: [[Double]], labels: [Bool], features: [String], version: String, l2: Double = 1e-2, maxIterations: Int = 50
    ) throws(RiskModelError) -> LogisticRiskModel {
        let width = features.count
        guard width > 0 else { throw RiskModelError("no features") }
        guard rows.count == labels.count else { throw RiskModelError("\(rows.count) rows but \(labels.count) labels") }
        if let bad = rows.firstIndex(where: { $0.count != width }) {
            throw RiskModelError("row \(bad) has \(rows[bad].count) values, not \(width)")
        }
        if let bad = rows.firstIndex(where: { $0.contains { !$0.isFinite } }) { throw RiskModelError("row \(bad) has a value that is not a finite number") }
        let positives = labels.filter { $0 }.count
        guard positives > 0, positives < labels.count else { throw RiskModelError("training needs both outcomes (found \(positives) of \(labels.count))") }

        let count = Double(rows.count)
        var means = [Double](repeating: 0, count: width)
        for row in rows { for j in 0..<width { means[j] += row[j] / count } }
        var scales = [Double](repeating: 0, count: width)
        for row in rows { for j in 0..<width { scales[j] += (row[j] - means[j]) * (row[j] - means[j]) / count } }
        // A constant feature carries no information; scale 1 keeps it harmless.
        scales = scales.map { $0 > 1e-12 ? $0.squareRoot() : 1 }
        let z = rows.map { row in (0..<width).map { (row[$0] - means[$0]) / scales[$0] } }

        // Parameters: θ[0] the intercept, θ[1...] the weights.
        let rate = Double(positives) / count
        var theta = [log(rate / (1 - rate))] + [Double](repeating: 0, count: width)
        for _ in 0..<maxIterations {
            var gradient = [Double](repeating: 0, count: width + 1)
            var hessian = [[Double]](repeating: [Double](repeating: 0, count: width + 1), count: width + 1)
            for (row, label) in zip(z, labels) {
                var logit = theta[0]
                for j in 0..<width { logit += theta[j + 1] * row[j] }
                let p = 1 / (1 + exp(-logit))
                let residual = (label ? 1 : 0) - p
                let w = max(p * (1 - p), 1e-12)
                let x = [1] + row
                for a in 0...width {
                    gradient[a] += residual * x[a]
                    for b in a...width { hessian[a][b] += w * x[a] * x[b] }
                }
            }
            for a in 0...width { for b in 0..<a { hessian[a][b] = hessian[b][a] } }
            for j in 1...width {
                gradient[j] -= l2 * count * theta[j]
                hessian[j][j] += l2 * count
            }
            guard let step = solve(hessian, gradient) else { throw RiskModelError("the training data is degenerate (singular system)") }
            for a in 0...width { theta[a] += step[a] }
            if step.map(abs).max() ?? 0 < 1e-9 { break }
        }
        return LogisticRiskModel(
            version: version, features: features, means: means, scales: scales, weights: Array(theta.dropFirst()), intercept: theta[0])
    }

    /// The log-odds of a discrepancy for one row.
    public func logit(_ row: [Double]) -> Double {
        var total = intercept
        for j in weights.indices { total += weights[j] * (row[j] - means[j]) / scales[j] }
        return total
    }

    /// The probability of a discrepancy, 0…1.
    public func score(_ row: [Double]) -> Double {
        1 / (1 + exp(-logit(row)))
    }

    /// Each feature's contribution to the log-odds, in feature order; with the intercept
    /// they add up to `logit(row)`.
    public func contributions(_ row: [Double]) -> [Double] {
        weights.indices.map { weights[$0] * (row[$0] - means[$0]) / scales[$0] }
    }

    /// The contributions with their feature names, largest in size first.
    public func explain(_ row: [Double]) -> [(feature: String, contribution: Double)] {
        zip(features, contributions(row)).map { ($0, $1) }.sorted { abs($0.1) > abs($1.1) }
    }

    /// Reads a model file, refusing one that does not hang together.
    public static func decode(_ data: Data) throws(RiskModelError) -> LogisticRiskModel {
        let model: LogisticRiskModel
        do {
            model = try JSONDecoder().decode(LogisticRiskModel.self, from: data)
        } catch {
            throw RiskModelError("not a SmartGate risk model: \(error)")
        }
        try model.validate()
        return model
    }

    /// Checks that the parameters hang together: one of each per feature, all finite.
    public func validate() throws(RiskModelError) {
        let width = features.count
        guard width > 0, means.count == width, scales.count == width, weights.count == width else {
            throw RiskModelError("model \(version): features, means, scales and weights differ in length")
        }
        guard (means + scales + weights + [intercept]).allSatisfy(\.isFinite), scales.allSatisfy({ $0 > 0 }) else {
            throw RiskModelError("model \(version): a parameter is not a finite number")
        }
    }

    /// The model file: JSON with sorted keys, so two trainings on the same data diff cleanly.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return try encoder.encode(self)
    }

    /// Solves `matrix · x = vector` by Gaussian elimination with partial pivoting.
    static func solve(_ matrix: [[Double]], _ vector: [Double]) -> [Double]? {
        let n = vector.count
        var a = matrix
        var b = vector
        for column in 0..<n {
            guard let pivot = (column..<n).max(by: { abs(a[$0][column]) < abs(a[$1][column]) }), abs(a[pivot][column]) > 1e-12 else { return nil }
            a.swapAt(column, pivot)
            b.swapAt(column, pivot)
            for row in (column + 1)..<n {
                let factor = a[row][column] / a[column][column]
                if factor == 0 { continue }
                for k in column..<n { a[row][k] -= factor * a[column][k] }
                b[row] -= factor * b[column]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for row in stride(from: n - 1, through: 0, by: -1) {
            var sum = b[row]
            for k in (row + 1)..<n { sum -= a[row][k] * x[k] }
            x[row] = sum / a[row][row]
        }
        return x
    }
}
