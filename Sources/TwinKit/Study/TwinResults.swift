import Foundation

/// A mean over replications with its 95 % confidence interval (Student t).
public struct Estimate: Sendable, Codable, Equatable {
    public var mean: Double
    /// Half the width of the 95 % interval; 0 with fewer than two replications.
    public var halfWidth: Double
    /// How many replications it rests on.
    public var n: Int

    public init(mean: Double, halfWidth: Double, n: Int) {
        self.mean = mean
        self.halfWidth = halfWidth
        self.n = n
    }

    /// The estimate of `values`' mean.
    public init(_ values: [Double]) {
        n = values.count
        let mean = values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
        self.mean = mean
        guard values.count > 1 else { halfWidth = 0; return }
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
        halfWidth = StudentT.quantile975(degreesOfFreedom: values.count - 1) * (variance / Double(values.count)).squareRoot()
    }

    public var low: Double { mean - halfWidth }
    public var high: Double { mean + halfWidth }
    /// Half-width as a share of the mean (0 when the mean is 0).
    public var relativeHalfWidth: Double { mean == 0 ? 0 : abs(halfWidth / mean) }
}

/// The two-sided 95 % quantile of Student's t.
public enum StudentT {
    private static let table: [Double] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
        2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ]

    public static func quantile975(degreesOfFreedom df: Int) -> Double {
        guard df >= 1 else { return .infinity }
        if df <= table.count { return table[df - 1] }
        // Beyond 30 degrees of freedom the normal quantile with a 1/df correction is within 0.1 %.
        return 1.959964 + 2.4 / Double(df)
    }
}

/// One point of a capacity ramp: the arrival rate tried and what came of it.
public struct RampPoint: Sendable, Codable, Equatable {
    /// Trucks a day arriving.
    public var demandPerDay: Double
    public var p95Hours: Double
    public var throughputPerDay: Double
    /// Whether p95 time at the border stayed within the target and the gate kept up.
    public var passed: Bool
}

/// The highest arrival rate at which p95 time at the border stays within the target.
public struct CapacityResult: Sendable, Codable, Equatable {
    /// The middle of the last passing and the first failing rate (trucks/day).
    public var perDay: Double
    /// The last rate that passed and the first that failed: the capacity lies between.
    public var low: Double
    public var high: Double
    public var targetP95Hours: Double
    /// Every rate tried, in the order tried.
    public var ramp: [RampPoint]
    /// False when even the highest rate tried passed (the capacity is at least `low`).
    public var bounded: Bool
}

/// One term of the cost of moving a container through the border.
public struct CostTerm: Sendable, Codable, Equatable {
    /// `waiting`, `yard`, `transshipment`, `energy`, `shuttle`.
    public var term: String
    /// VND per container.
    public var vnd: Estimate
}

/// Energy and emissions per container.
public struct EnergyResult: Sendable, Codable, Equatable {
    public var dieselLitres: Estimate
    public var electricKWh: Estimate
    public var co2Kg: Estimate
}

/// One bar of the distribution of time at the border.
public struct HistogramBin: Sendable, Codable, Equatable {
    /// Lower edge in hours; the bin runs to the next bin's edge.
    public var fromHours: Double
    public var toHours: Double
    /// Share of containers (0…1), averaged over replications.
    public var share: Double
}

/// What one mode of the gate did at the scenario's demand, over all replications.
public struct ModeResult: Sendable, Codable, Equatable {
    /// `traditional` or `smart`.
    public var mode: String
    public var demandPerDay: Double
    public var days: Int
    public var replications: Int
    /// Containers cleared per day.
    public var throughputPerDay: Estimate
    /// Time at the border, arrival to release on the far side, hours.
    public var meanHours: Estimate
    public var p95Hours: Estimate
    /// Filled by the ramp search; nil when it was not run.
    public var capacity: CapacityResult?
    /// Each term and their total.
    public var cost: [CostTerm]
    public var costPerContainer: Estimate
    /// Cost per container the shuttles carried; nil when none did (the traditional gate).
    public var costPerShuttleContainer: Estimate?
    public var energy: EnergyResult
    /// Mean trucks waiting for a lane, by hour of day (0–23, local).
    public var queueByHour: [Double]
    /// Mean trucks inside the border yards, by hour of day.
    public var yardByHour: [Double]
    public var timeHistogram: [HistogramBin]
    /// Share of trucks by risk channel (`green`, `yellow`, `red`) and by lane outcome
    /// (`release`, `refer`, `reject`, traditional mode: `inspected`).
    public var shares: [String: Double]
    /// Share of containers carried by the autonomous shuttles.
    public var shuttleShare: Double
    /// Simulated events handled, all replications.
    public var events: Int
}

/// A ratio smart ÷ traditional, with the interval it rests on.
public struct Ratio: Sendable, Codable, Equatable {
    public var value: Double
    public var low: Double
    public var high: Double
}

/// Smart against traditional. In JSON each ratio is a plain number
/// (`"ratio": {"capacity": 2.65, "costPerContainer": 0.66, …}`) and the intervals sit
/// beside them (`"intervals": {"capacity": [2.55, 2.76], …}`).
public struct Ratios: Sendable, Codable, Equatable {
    /// Capacity ratio; its interval comes from the two ramps' brackets.
    public var capacity: Ratio?
    /// Cost per container ratio (paired replications, common random numbers).
    public var costPerContainer: Ratio
    /// A shuttle container's cost against the traditional gate's cost per container: the
    /// claim's "firms using the automated vehicles". Nil when no container went by shuttle.
    public var shuttleContainerCost: Ratio?
    public var meanHours: Ratio
    public var p95Hours: Ratio

    public init(capacity: Ratio?, costPerContainer: Ratio, shuttleContainerCost: Ratio?, meanHours: Ratio, p95Hours: Ratio) {
        self.capacity = capacity
        self.costPerContainer = costPerContainer
        self.shuttleContainerCost = shuttleContainerCost
        self.meanHours = meanHours
        self.p95Hours = p95Hours
    }

    private enum Key: String, CodingKey { case capacity, costPerContainer, shuttleContainerCost, meanHours, p95Hours, intervals }

    private var named: [(Key, Ratio?)] {
        [(.capacity, capacity), (.costPerContainer, costPerContainer), (.shuttleContainerCost, shuttleContainerCost),
         (.meanHours, meanHours), (.p95Hours, p95Hours)]
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        var intervals = container.nestedContainer(keyedBy: Key.self, forKey: .intervals)
        for (key, ratio) in named {
            try container.encode(ratio?.value, forKey: key)
            try intervals.encode(ratio.map { [$0.low, $0.high] }, forKey: key)
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        let intervals = try container.nestedContainer(keyedBy: Key.self, forKey: .intervals)
        func ratio(_ key: Key) throws -> Ratio? {
            guard let value = try container.decodeIfPresent(Double.self, forKey: key),
                  let bounds = try intervals.decodeIfPresent([Double].self, forKey: key), bounds.count == 2 else { return nil }
            return Ratio(value: value, low: bounds[0], high: bounds[1])
        }
        guard let cost = try ratio(.costPerContainer), let mean = try ratio(.meanHours), let p95 = try ratio(.p95Hours) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "ratios without their intervals"))
        }
        self.init(capacity: try ratio(.capacity), costPerContainer: cost, shuttleContainerCost: try ratio(.shuttleContainerCost),
                  meanHours: mean, p95Hours: p95)
    }
}

/// One row of the one-at-a-time sensitivity table (the tornado chart).
public struct SensitivityRow: Sendable, Codable, Equatable {
    public var parameter: String
    /// The value shown at each end, as a reader sees it ("3 lanes").
    public var lowSetting: String
    public var highSetting: String
    /// The headline (smart ÷ traditional cost per container) at each end.
    public var lowValue: Double
    public var highValue: Double
}

/// One step of the lever search towards a capacity ratio.
public struct LeverStep: Sendable, Codable, Equatable {
    public var lever: String
    public var setting: String
    public var capacityPerDay: Double
    public var ratio: Double
}

/// The answer to `--target-ratio`.
public struct TargetSearch: Sendable, Codable, Equatable {
    public var targetRatio: Double
    public var reached: Bool
    public var steps: [LeverStep]
    /// Said in a sentence: what to change, or why it is out of reach.
    public var verdict: String
}

/// A parameter as the report lists it: its value and where it comes from.
public struct ParameterRow: Sendable, Codable, Equatable {
    public var name: String
    public var value: String
    /// The source, or "assumption".
    public var source: String
}

/// Everything `smartgate simulate` found, for the table, the JSON, the CSV and the HTML report.
public struct TwinReport: Sendable, Codable, Equatable {
    public var scenario: String
    public var seed: UInt64
    public var traditional: ModeResult?
    public var smart: ModeResult?
    /// Present when both modes ran.
    public var ratio: Ratios?
    public var sensitivity: [SensitivityRow]
    public var targetSearch: TargetSearch?
    public var parameters: [ParameterRow]
    /// What the figures do not say.
    public var caveats: [String]
    /// The levers changed from the scenario file ("lanes: 7").
    public var levers: [String]
    public var wallSeconds: Double
}
