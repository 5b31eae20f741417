import Foundation

/// The board's figures per day, from what the gate recorded: vehicles decided, how long a
/// truck stood in the lane from its first reading to the decision (mean and 95th
/// percentile), and the share of declarations sent green. Aggregates only: nothing here
/// names a person, a plate or an enterprise.
public struct DailyKPI: Sendable, Equatable {
    /// The day, `yyyy-MM-dd`, in the gate zone's calendar.
    public var day: String
    public var vehicles: Int
    public var released: Int
    /// Seconds from a passage's first reading to its decision.
    public var clearanceMeanSeconds: Double?
    public var clearanceP95Seconds: Double?
    public var declarations: Int
    public var green: Int

    /// Green declarations as a share of all declared that day; nil without any.
    public var greenShare: Double? { declarations == 0 ? nil : Double(green) / Double(declarations) }
}

/// Computes `DailyKPI`s; the server reads the records, this groups and summarises them.
public enum GateKPIs {
    /// One decided vehicle: when, and whether it was released.
    public struct Decision: Sendable {
        public var at: Date
        public var released: Bool
        public init(at: Date, released: Bool) { self.at = at; self.released = released }
    }

    /// One passage: its first reading and its decision.
    public struct Passage: Sendable {
        public var opened: Date
        public var decided: Date
        public init(opened: Date, decided: Date) { self.opened = opened; self.decided = decided }
    }

    /// One declaration: when it was submitted and its channel.
    public struct Declared: Sendable {
        public var at: Date
        public var channel: Channel
        public init(at: Date, channel: Channel) { self.at = at; self.channel = channel }
    }

    /// The last `days` days up to `now` (oldest first, every day present even when empty),
    /// counted in `zone`'s calendar.
    public static func daily(
        decisions: [Decision], passages: [Passage], declarations: [Declared], days: Int, now: Date, zone: TimeZone
    ) -> [DailyKPI] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        func key(_ date: Date) -> String {
            let parts = calendar.dateComponents([.year, .month, .day], from: date)
            return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
        }
        let today = calendar.startOfDay(for: now)
        let keys = (0..<days).reversed().compactMap { calendar.date(byAdding: .day, value: -$0, to: today) }.map(key)
        var table = Dictionary(uniqueKeysWithValues: keys.map {
            ($0, DailyKPI(day: $0, vehicles: 0, released: 0, declarations: 0, green: 0))
        })
        for decision in decisions {
            table[key(decision.at)]?.vehicles += 1
            if decision.released { table[key(decision.at)]?.released += 1 }
        }
        for declared in declarations {
            table[key(declared.at)]?.declarations += 1
            if declared.channel == .green { table[key(declared.at)]?.green += 1 }
        }
        let waits = Dictionary(grouping: passages.filter { $0.decided >= $0.opened }, by: { key($0.decided) })
            .mapValues { $0.map { $0.decided.timeIntervalSince($0.opened) }.sorted() }
        for (day, seconds) in waits where table[day] != nil && !seconds.isEmpty {
            table[day]?.clearanceMeanSeconds = seconds.reduce(0, +) / Double(seconds.count)
            table[day]?.clearanceP95Seconds = percentile(seconds, 0.95)
        }
        return keys.compactMap { table[$0] }
    }

    /// The nearest-rank percentile of sorted values (`p` in 0…1).
    public static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[min(sorted.count, max(1, rank)) - 1]
    }
}
