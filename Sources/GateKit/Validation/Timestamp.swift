import Foundation

extension IssueCode {
    public static let timestampMissingOffset = IssueCode(
        "timestamp.offset-missing",
        en: "must carry a UTC offset, e.g. 2026-11-23T08:00:00+07:00 (got \"{actual}\")",
        vi: "phải có múi giờ, ví dụ 2026-11-23T08:00:00+07:00 (nhận được \"{actual}\")",
        zh: "必须带有时区偏移，例如 2026-11-23T08:00:00+07:00（实际为\"{actual}\"）")
    public static let timestampInvalid = IssueCode(
        "timestamp.invalid",
        en: "must be an RFC 3339 timestamp such as 2026-11-23T08:00:00+07:00 (got \"{actual}\")",
        vi: "phải là thời điểm RFC 3339, ví dụ 2026-11-23T08:00:00+07:00 (nhận được \"{actual}\")",
        zh: "必须是 RFC 3339 时间，例如 2026-11-23T08:00:00+07:00（实际为\"{actual}\"）")
}

extension IssueCode {
    /// A valid timestamp outside the field's plausible window.
    public static let timestampImplausible = IssueCode(
        "timestamp.implausible",
        en: "must lie between {earliest} and {latest} ({window}), not \"{actual}\"",
        vi: "phải nằm trong khoảng từ {earliest} đến {latest} ({window}), không phải \"{actual}\"",
        zh: "必须在 {earliest} 至 {latest} 之间（{window}），而不是\"{actual}\"")
}

/// The span of time a timestamp field may name: a year 0 or 9999, a device clock reset to
/// 1970, is a typo or a fault to be told at once, not a record to keep.
public struct PlausibleWindow: Sendable, Equatable {
    /// The earliest plausible instant.
    public let earliest: Date
    /// The latest plausible instant.
    public let latest: Date
    /// How the window is set, for the message ("30 days before to 366 days after the server's time").
    public let rule: String

    /// A window from `earliest` to `latest`, described by `rule` in messages.
    public init(earliest: Date, latest: Date, rule: String) {
        self.earliest = earliest
        self.latest = latest
        self.rule = rule
    }

    /// A trip is declared at most 366 days ahead and at most 30 days late (a declaration past
    /// its arrival window expires anyway; 30 days lets one be corrected after a long closure).
    public static func plannedArrival(around now: Date) -> PlausibleWindow {
        PlausibleWindow(
            earliest: now.addingTimeInterval(-30 * 86_400), latest: now.addingTimeInterval(366 * 86_400),
            rule: "30 days before to 366 days after the server's time")
    }

    /// A lane device may send readings it buffered while offline for up to 7 days; one a
    /// day or more ahead has a broken clock (a smaller lead is refused by the lane's own
    /// clock-skew rule, with its own message).
    public static func observedAt(around now: Date) -> PlausibleWindow {
        PlausibleWindow(
            earliest: now.addingTimeInterval(-7 * 86_400), latest: now.addingTimeInterval(86_400),
            rule: "7 days before to 1 day after the server's time")
    }

    /// Validity dates and deadlines entered by staff: within this century.
    public static let calendar = PlausibleWindow(
        earliest: Date(timeIntervalSince1970: 946_684_800), latest: Date(timeIntervalSince1970: 4_102_444_800),
        rule: "2000-01-01 to 2100-01-01")

    /// Throws `timestamp.implausible` when `date` is outside the window.
    public func check(_ date: Date, written text: String? = nil) throws(Issue) {
        guard date < earliest || date > latest else { return }
        throw Issue(.timestampImplausible, [
            "earliest": Timestamp.format(earliest), "latest": Timestamp.format(latest), "window": rule,
            "actual": text ?? Timestamp.format(date),
        ])
    }
}

/// RFC 3339 timestamps: parsed only with an explicit offset (a local time without one is
/// ambiguous across the border, where the two sides are an hour apart), written in UTC
/// with milliseconds.
public enum Timestamp {
    /// Parses `2026-11-23T08:00:00+07:00`, `…Z`, with optional fractional seconds.
    public static func parse(_ text: String) throws(Issue) -> Date {
        let bytes = Array(text.utf8)
        func digits(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[start..<start + count] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        func byte(_ index: Int) -> UInt8? { index < bytes.count ? bytes[index] : nil }
        let invalid = Issue(.timestampInvalid, ["actual": text])

        guard let year = digits(0, 4), byte(4) == 45, let month = digits(5, 2), byte(7) == 45,
              // RFC 3339 §5.6: `T` (or `t`); the space that ISO 8601 profiles allow is refused,
              // so every client sends the one form.
              let day = digits(8, 2), let separator = byte(10), separator == 84 || separator == 116,
              let hour = digits(11, 2), byte(13) == 58, let minute = digits(14, 2), byte(16) == 58,
              let second = digits(17, 2)
        else { throw invalid }

        var index = 19
        var fraction = 0.0
        if byte(index) == 46 {
            index += 1
            var scale = 0.1
            let start = index
            while let b = byte(index), b >= 48, b <= 57 {
                fraction += Double(b - 48) * scale
                scale /= 10
                index += 1
            }
            if index == start { throw invalid }
        }

        let offsetSeconds: Int
        switch byte(index) {
        case nil:
            throw Issue(.timestampMissingOffset, ["actual": text])
        case 90?, 122?:  // Z, z
            offsetSeconds = 0
            index += 1
        case let sign? where sign == 43 || sign == 45:  // + or -
            guard let oh = digits(index + 1, 2), byte(index + 3) == 58, let om = digits(index + 4, 2),
                  oh <= 23, om <= 59
            else { throw invalid }
            offsetSeconds = (oh * 3600 + om * 60) * (sign == 45 ? -1 : 1)
            index += 6
        default:
            throw invalid
        }
        guard index == bytes.count,
              (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day),
              hour <= 23, minute <= 59, second <= 59
        else { throw invalid }

        let days = daysFromCivil(year: year, month: month, day: day)
        // A leap second (:60) is refused: UTC clocks smear it, no device here reports one,
        // and accepting it would make two strings name the same instant.
        let seconds = Double(days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds) + fraction
        return Date(timeIntervalSince1970: seconds)
    }

    /// `2026-11-23T01:00:00.000Z`: UTC, millisecond precision.
    public static func format(_ date: Date) -> String {
        let totalMillis = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let millis = Int(((totalMillis % 1000) + 1000) % 1000)
        let totalSeconds = (totalMillis - Int64(millis)) / 1000
        let days = Int(floorDiv(totalSeconds, 86_400))
        let secondsOfDay = Int(totalSeconds - Int64(days) * 86_400)
        let (year, month, day) = civilFromDays(days)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
            year, month, day, secondsOfDay / 3600, (secondsOfDay / 60) % 60, secondsOfDay % 60, millis)
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }

    private static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    // Howard Hinnant's civil-calendar algorithms: exact for every proleptic Gregorian date,
    // and free of Calendar/TimeZone, which are slow and not needed for UTC.
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The proleptic Gregorian date (year, month, day) of a day counted from 1970-01-01,
    /// without a Calendar (Howard Hinnant's algorithm).
    public static func civilFromDays(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
