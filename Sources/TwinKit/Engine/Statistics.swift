import Foundation

/// Count, mean and spread of observations (Welford's method: stable over millions).
public struct Tally: Sendable {
    public private(set) var count = 0
    public private(set) var mean = 0.0
    private var squares = 0.0

    public init() {}

    public mutating func add(_ value: Double) {
        count += 1
        let delta = value - mean
        mean += delta / Double(count)
        squares += delta * (value - mean)
    }

    public var variance: Double { count > 1 ? squares / Double(count - 1) : 0 }
}

/// The time-weighted mean of a level (queue length, yard occupancy), split by hour of day.
public struct HourlyLevel: Sendable {
    private var area = [Double](repeating: 0, count: 24)
    private var span = [Double](repeating: 0, count: 24)
    private var level = 0.0
    private var since: Double
    /// Where the day starts: seconds to add to simulation time to get seconds since a local midnight.
    private let offset: Double

    public init(start: Double, midnightOffset: Double = 0) {
        since = start
        offset = midnightOffset
    }

    /// The level changes to `value` at `time`.
    public mutating func set(_ value: Double, at time: Double) {
        accumulate(to: time)
        level = value
    }

    public mutating func add(_ delta: Double, at time: Double) { set(level + delta, at: time) }

    public var current: Double { level }

    /// The mean level in each hour of the day up to `time`.
    public mutating func byHour(until time: Double) -> [Double] {
        accumulate(to: time)
        return (0..<24).map { span[$0] > 0 ? area[$0] / span[$0] : 0 }
    }

    private mutating func accumulate(to time: Double) {
        var t = since
        while t < time {
            let local = t + offset
            let hourEnd = ((local / 3_600).rounded(.down) + 1) * 3_600 - offset
            let end = min(time, hourEnd)
            let hour = Int((local / 3_600).rounded(.down).truncatingRemainder(dividingBy: 24))
            let h = hour < 0 ? hour + 24 : hour
            area[h] += level * (end - t)
            span[h] += end - t
            t = end
        }
        since = max(since, time)
    }
}

extension Array where Element == Double {
    /// The `p` quantile (0…1) of the values, nearest rank; 0 for no values.
    public func quantile(_ p: Double) -> Double {
        guard !isEmpty else { return 0 }
        let sorted = self.sorted()
        return sorted[Swift.min(sorted.count - 1, Swift.max(0, Int((Double(sorted.count) * p).rounded(.up)) - 1))]
    }
}
