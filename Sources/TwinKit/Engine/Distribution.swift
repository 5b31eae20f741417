import Foundation

/// A distribution of durations or amounts, as a scenario file names it.
public enum Distribution: Sendable, Equatable {
    case constant(Double)
    case exponential(mean: Double)
    case uniform(min: Double, max: Double)
    case triangular(min: Double, mode: Double, max: Double)
    /// Parameters on the natural scale: the mean and standard deviation of the values.
    case lognormal(mean: Double, sd: Double)
    /// Each observed value equally likely.
    case empirical([Double])

    /// One draw.
    public func sample(_ random: inout RandomStream) -> Double {
        switch self {
        case .constant(let value): return value
        case .exponential(let mean): return random.exponential(mean: mean)
        case .uniform(let low, let high): return low + (high - low) * random.uniform()
        case .triangular(let low, let mode, let high):
            let u = random.uniform()
            let cut = (mode - low) / (high - low)
            return u < cut ? low + ((high - low) * (mode - low) * u).squareRoot()
                : high - ((high - low) * (high - mode) * (1 - u)).squareRoot()
        case .lognormal(let mean, let sd):
            let sigma2 = log(1 + (sd * sd) / (mean * mean))
            return exp(log(mean) - sigma2 / 2 + sigma2.squareRoot() * random.normal())
        case .empirical(let values):
            return values[min(values.count - 1, Int(random.uniform() * Double(values.count)))]
        }
    }

    /// The distribution's mean.
    public var mean: Double {
        switch self {
        case .constant(let value): value
        case .exponential(let mean): mean
        case .uniform(let low, let high): (low + high) / 2
        case .triangular(let low, let mode, let high): (low + mode + high) / 3
        case .lognormal(let mean, _): mean
        case .empirical(let values): values.reduce(0, +) / Double(values.count)
        }
    }

    /// The same shape with every value multiplied by `factor` (a what-if on a duration).
    public func scaled(by factor: Double) -> Distribution {
        switch self {
        case .constant(let value): .constant(value * factor)
        case .exponential(let mean): .exponential(mean: mean * factor)
        case .uniform(let low, let high): .uniform(min: low * factor, max: high * factor)
        case .triangular(let low, let mode, let high): .triangular(min: low * factor, mode: mode * factor, max: high * factor)
        case .lognormal(let mean, let sd): .lognormal(mean: mean * factor, sd: sd * factor)
        case .empirical(let values): .empirical(values.map { $0 * factor })
        }
    }

    /// What is wrong with the parameters, if anything (empty when they are usable).
    public var problems: [String] {
        switch self {
        case .constant(let value): value >= 0 ? [] : ["must not be negative"]
        case .exponential(let mean): mean > 0 ? [] : ["mean must be above 0"]
        case .uniform(let low, let high): low >= 0 && high >= low ? [] : ["needs 0 ≤ min ≤ max"]
        case .triangular(let low, let mode, let high):
            low >= 0 && low <= mode && mode <= high && high > low ? [] : ["needs 0 ≤ min ≤ mode ≤ max and min < max"]
        case .lognormal(let mean, let sd): mean > 0 && sd >= 0 ? [] : ["needs mean above 0 and sd not negative"]
        case .empirical(let values): !values.isEmpty && values.allSatisfy { $0 >= 0 } ? [] : ["needs at least one value, none negative"]
        }
    }

    /// As a reader sees it in a report: "triangular(180, 240, 420)".
    public var summary: String {
        func f(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(format: "%.2f", v) }
        return switch self {
        case .constant(let value): f(value)
        case .exponential(let mean): "exponential(mean \(f(mean)))"
        case .uniform(let low, let high): "uniform(\(f(low)), \(f(high)))"
        case .triangular(let low, let mode, let high): "triangular(\(f(low)), \(f(mode)), \(f(high)))"
        case .lognormal(let mean, let sd): "lognormal(mean \(f(mean)), sd \(f(sd)))"
        case .empirical(let values): "empirical(\(values.count) values)"
        }
    }
}
