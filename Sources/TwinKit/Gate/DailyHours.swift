import Foundation

/// A daily opening, local time: "07:00-22:00"; "00:00-24:00" is always open.
public struct DailyHours: Sendable, Equatable, CustomStringConvertible {
    /// Seconds after local midnight.
    public var opens: Double
    public var closes: Double

    public init(opens: Double, closes: Double) {
        self.opens = opens
        self.closes = closes
    }

    /// Reads "HH:MM-HH:MM"; nil when it is not that or does not open before it closes.
    public init?(_ text: String) {
        let parts = text.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let opens = Self.seconds(parts[0]), let closes = Self.seconds(parts[1]), opens < closes else { return nil }
        self.init(opens: opens, closes: closes)
    }

    private static func seconds(_ clock: String) -> Double? {
        let pieces = clock.split(separator: ":")
        guard pieces.count == 2, pieces[0].count == 2, pieces[1].count == 2, let h = Int(pieces[0]), let m = Int(pieces[1]),
              (0...24).contains(h), (0..<60).contains(m), h < 24 || m == 0 else { return nil }
        return Double(h * 3_600 + m * 60)
    }

    public var hours: Double { (closes - opens) / 3_600 }
    public var alwaysOpen: Bool { opens == 0 && closes == 86_400 }

    /// Whether it is open at `secondOfDay`.
    public func isOpen(at secondOfDay: Double) -> Bool { secondOfDay >= opens && secondOfDay < closes }

    public var description: String {
        func clock(_ s: Double) -> String { String(format: "%02d:%02d", Int(s) / 3_600, Int(s) % 3_600 / 60) }
        return "\(clock(opens))-\(clock(closes))"
    }
}
