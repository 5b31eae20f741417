import Foundation

/// A non-homogeneous Poisson arrival process whose rate is constant within each hour of
/// the day: border crossings "rarely, if ever, operate in steady state".
public struct HourlyArrivals: Sendable, Equatable {
    /// Arrivals per hour, for hours 0…23 of the local day.
    public let ratesPerHour: [Double]

    public init(ratesPerHour: [Double]) {
        precondition(ratesPerHour.count == 24)
        self.ratesPerHour = ratesPerHour
    }

    /// `perDay` arrivals a day spread over the hours by `weights` (any scale).
    public init(perDay: Double, weights: [Double]) {
        let total = weights.reduce(0, +)
        self.init(ratesPerHour: weights.map { total > 0 ? perDay * $0 / total : 0 })
    }

    public var perDay: Double { ratesPerHour.reduce(0, +) }

    /// The next arrival after `time` (seconds from a local midnight), by inverting the
    /// cumulative rate: exact, and one uniform draw per arrival. Nil when every rate is 0.
    public func next(after time: Double, _ random: inout RandomStream) -> Double? {
        guard ratesPerHour.contains(where: { $0 > 0 }) else { return nil }
        var remaining = random.exponential(mean: 1)
        var t = time
        while true {
            let hourStart = (t / 3_600).rounded(.down)
            let rate = ratesPerHour[Int(hourStart.truncatingRemainder(dividingBy: 24))] / 3_600
            let end = (hourStart + 1) * 3_600
            let mass = rate * (end - t)
            if rate > 0, remaining <= mass { return t + remaining / rate }
            remaining -= mass
            t = end
        }
    }
}
