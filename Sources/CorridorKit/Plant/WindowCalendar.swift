import Foundation
import GateKit

/// The agreed crossing windows as absolute time: is the corridor open at an instant, until
/// when, and when does it open next. Times are Unix seconds.
public struct WindowCalendar: Sendable {
    private let timeZone: TimeZone
    private let daily: [ClosedRange<Double>]
    /// Keyed by local date as yyyymmdd.
    private let exceptions: [Int: [ClosedRange<Double>]]
    /// The zone's offset when it has had no daylight-saving transition since `fixedSince`
    /// (most border zones), so a day from then on needs no calendar lookup.
    private let fixedOffset: Double?

    /// 2000-01-01 UTC: the zone's rules are judged from this instant, not from the wall
    /// clock, so the same plant behaves alike in the server, a simulation and a test.
    private static let fixedSince: Double = 946_684_800

    /// Compiles validated windows (see ``issues(in:)``).
    public init(_ windows: CorridorWindows, timeZone: TimeZone) {
        self.timeZone = timeZone
        daily = Self.ranges(windows.daily)
        var exceptions: [Int: [ClosedRange<Double>]] = [:]
        for exception in windows.exceptions ?? [] {
            let digits = exception.date.filter(\.isNumber)
            guard let key = Int(digits) else { continue }
            exceptions[key] = exception.closed == true ? [] : Self.ranges(exception.windows ?? [])
        }
        self.exceptions = exceptions
        let since = Date(timeIntervalSince1970: Self.fixedSince)
        fixedOffset = timeZone.nextDaylightSavingTimeTransition(after: since) == nil ? Double(timeZone.secondsFromGMT(for: since)) : nil
    }

    /// A corridor that is always open (scheduling instances, tests).
    public static func alwaysOpen() -> WindowCalendar {
        WindowCalendar(CorridorWindows(daily: [DailyWindow(from: "00:00", to: "24:00")]), timeZone: TimeZone(identifier: "UTC")!)
    }

    /// The open interval containing `time`, or nil when the corridor is closed then.
    public func window(containing time: Double) -> Range<Double>? {
        let (dayStart, key) = day(of: time)
        for range in ranges(on: key) {
            let start = dayStart + range.lowerBound, end = dayStart + range.upperBound
            if time >= start && time < end {
                // A window ending at 24:00 runs on into one starting at 00:00 the next day
                // (looked at up to two weeks ahead: a corridor open round the clock).
                var until = end
                for _ in 0..<14 {
                    let (nextStart, nextKey) = day(of: until + 1)
                    guard abs(nextStart - until) < 1, let first = ranges(on: nextKey).first, first.lowerBound == 0 else { break }
                    until = nextStart + first.upperBound
                    if first.upperBound < 86_400 { break }
                }
                return start..<until
            }
        }
        return nil
    }

    /// The first instant at or after `time` when the corridor is open, within `horizonDays`.
    public func nextOpening(atOrAfter time: Double, horizonDays: Int = 60) -> Double? {
        if window(containing: time) != nil { return time }
        var (dayStart, key) = day(of: time)
        for _ in 0...horizonDays {
            for range in ranges(on: key) where dayStart + range.lowerBound >= time {
                return dayStart + range.lowerBound
            }
            (dayStart, key) = day(of: dayStart + 86_400 + 3_600)
        }
        return nil
    }

    /// True when a crossing that starts at `time` and takes `seconds` ends inside one window.
    public func admits(crossingAt time: Double, taking seconds: Double) -> Bool {
        guard let window = window(containing: time) else { return false }
        return time + seconds <= window.upperBound
    }

    private func ranges(on key: Int) -> [ClosedRange<Double>] {
        exceptions.isEmpty ? daily : exceptions[key] ?? daily
    }

    private func day(of time: Double) -> (start: Double, key: Int) {
        let fixed = time >= Self.fixedSince ? fixedOffset : nil
        let offset = fixed ?? Double(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: time)))
        let localDay = ((time + offset) / 86_400).rounded(.down)
        let start = localDay * 86_400 - offset
        let (year, month, day) = Timestamp.civilFromDays(Int(localDay))
        return (start, year * 10_000 + month * 100 + day)
    }

    private static func ranges(_ windows: [DailyWindow]) -> [ClosedRange<Double>] {
        windows.compactMap { window in
            guard let from = seconds(window.from), let to = seconds(window.to), from < to else { return nil }
            return from...to
        }.sorted { $0.lowerBound < $1.lowerBound }
    }

    /// Seconds after midnight of `HH:mm` ("24:00" allowed), or nil.
    static func seconds(_ text: String) -> Double? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2,
              let hours = Int(parts[0]), let minutes = Int(parts[1]),
              (0...24).contains(hours), (0...59).contains(minutes), hours < 24 || minutes == 0 else { return nil }
        return Double(hours * 3_600 + minutes * 60)
    }

    /// Everything wrong with a windows section.
    static func issues(in windows: CorridorWindows) -> [PlantIssue] {
        var issues: [PlantIssue] = []
        func check(_ list: [DailyWindow], at path: String) {
            var previousEnd = -1.0
            let parsed = list.enumerated().map { ($0, seconds($1.from), seconds($1.to)) }
            for (i, from, to) in parsed {
                if from == nil { issues.append(PlantIssue("\(path)[\(i)].from", "expected HH:mm, got \(list[i].from)")) }
                if to == nil { issues.append(PlantIssue("\(path)[\(i)].to", "expected HH:mm (24:00 for midnight), got \(list[i].to)")) }
                guard let from, let to else { continue }
                if from >= to { issues.append(PlantIssue("\(path)[\(i)].to", "a window ends after it starts; split one across midnight into two")) }
            }
            for (i, from, to) in parsed.sorted(by: { ($0.1 ?? 0) < ($1.1 ?? 0) }) {
                guard let from, let to else { continue }
                if from < previousEnd { issues.append(PlantIssue("\(path)[\(i)]", "windows of one day overlap")) }
                previousEnd = max(previousEnd, to)
            }
        }
        check(windows.daily, at: "windows.daily")
        var dates = Set<String>()
        let datePattern = try! NSRegularExpression(pattern: "^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$")
        for (i, exception) in (windows.exceptions ?? []).enumerated() {
            let at = "windows.exceptions[\(i)]"
            let range = NSRange(exception.date.startIndex..., in: exception.date)
            if datePattern.firstMatch(in: exception.date, range: range) == nil {
                issues.append(PlantIssue("\(at).date", "expected YYYY-MM-DD, got \(exception.date)"))
            }
            if !dates.insert(exception.date).inserted { issues.append(PlantIssue("\(at).date", "duplicate date \(exception.date)")) }
            switch (exception.closed, exception.windows) {
            case (true?, nil): break
            case (true?, _?): issues.append(PlantIssue("\(at).windows", "a closed day has no windows"))
            case (_, let list?): check(list, at: "\(at).windows")
            case (_, nil): issues.append(PlantIssue(at, "give closed: true or the day's windows"))
            }
        }
        return issues
    }
}
