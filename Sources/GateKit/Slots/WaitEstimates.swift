import Foundation

/// The three wait figures a crossing publishes, each saying how it was obtained.
public enum WaitEstimates {
    /// Waits of the last hour's completed passages, yard entry to lane decision.
    public struct Measured: Sendable, Equatable {
        public var passages: Int
        public var p50Seconds: Double?
        public var p95Seconds: Double?
    }

    /// What the queue now means at the recent service rate.
    public struct Expected: Sendable, Equatable {
        public var seconds: Double?
        public var servicePerHour: Double
        /// `recent` when the last hour served enough trucks to measure a rate, else
        /// `nominal` (open lanes × the calendar's service rate).
        public var basis: String
    }

    /// One hour ahead: who is expected, what the lanes clear, the queue left and the wait.
    public struct HourForecast: Sendable, Equatable {
        public var hourStart: Date
        public var bookedArrivals: Int
        public var patternArrivals: Double
        public var capacity: Double
        public var queueAfter: Double
        /// nil when the lanes are closed that hour.
        public var waitSeconds: Double?
    }

    /// p50 and p95 (nearest rank) of `waits` in seconds; nil figures when there were none.
    public static func measured(_ waits: [Double]) -> Measured {
        let sorted = waits.sorted()
        guard !sorted.isEmpty else { return Measured(passages: 0, p50Seconds: nil, p95Seconds: nil) }
        return Measured(passages: sorted.count, p50Seconds: GateKPIs.percentile(sorted, 0.5), p95Seconds: GateKPIs.percentile(sorted, 0.95))
    }

    /// A rate measured over fewer trucks than this is noise; the nominal one is used instead.
    public static let minimumServedForRate = 4

    /// The wait of a truck joining the back of `queue` now: the queue over the service rate.
    public static func expected(queue: Int, servedLastHour: Int, nominalPerHour: Double) -> Expected {
        let recent = servedLastHour >= minimumServedForRate
        let rate = recent ? Double(servedLastHour) : nominalPerHour
        let seconds: Double? = rate > 0 ? Double(queue) / rate * 3600 : (queue == 0 ? 0 : nil)
        return Expected(seconds: seconds, servicePerHour: rate, basis: recent ? "recent" : "nominal")
    }

    /// Hour by hour: the queue carried over, plus the booked arrivals and the unbooked ones
    /// the same weekday and hour brought in past weeks, less what the lanes clear; a truck
    /// arriving mid-hour waits for the queue ahead and half the hour's arrivals.
    public static func predicted(
        queueNow: Int, hours: [(start: Date, booked: Int, pattern: Double, capacity: Double)]
    ) -> [HourForecast] {
        var queue = Double(queueNow)
        return hours.map { hour in
            let arrivals = Double(hour.booked) + hour.pattern
            let wait: Double? = hour.capacity > 0 ? (queue + arrivals / 2) / hour.capacity * 3600 : nil
            queue = max(0, queue + arrivals - hour.capacity)
            return HourForecast(hourStart: hour.start, bookedArrivals: hour.booked, patternArrivals: hour.pattern,
                                capacity: hour.capacity, queueAfter: queue, waitSeconds: wait)
        }
    }
}
