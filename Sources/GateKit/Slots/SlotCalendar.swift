import Foundation

/// A day in a gate's own calendar (`2027-02-06`), independent of any time zone.
public struct LocalDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Reads `yyyy-MM-dd`; nil when it is not a real day of the Gregorian calendar.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        self.init(year: year, month: month, day: day)
        // 2027-02-30 would roll over to March: refuse it instead.
        guard let date = start(in: TimeZone(identifier: "UTC")!), LocalDate(date, in: TimeZone(identifier: "UTC")!) == self else { return nil }
    }

    /// The day `date` falls on in `zone`.
    public init(_ date: Date, in zone: TimeZone) {
        let parts = SlotCalendar.gregorian(zone).dateComponents([.year, .month, .day], from: date)
        self.init(year: parts.year ?? 1970, month: parts.month ?? 1, day: parts.day ?? 1)
    }

    public var description: String { String(format: "%04d-%02d-%02d", year, month, day) }

    /// Midnight of this day in `zone`, plus `minutes`.
    public func start(in zone: TimeZone, plusMinutes minutes: Int = 0) -> Date? {
        let calendar = SlotCalendar.gregorian(zone)
        guard let midnight = calendar.date(from: DateComponents(year: year, month: month, day: day)) else { return nil }
        return calendar.date(byAdding: .minute, value: minutes, to: midnight)
    }

    /// The next day.
    public func adding(days: Int) -> LocalDate {
        let utc = TimeZone(identifier: "UTC")!
        let date = start(in: utc).flatMap { SlotCalendar.gregorian(utc).date(byAdding: .day, value: days, to: $0) } ?? Date(timeIntervalSince1970: 0)
        return LocalDate(date, in: utc)
    }

    /// Monday … Sunday.
    public var weekday: Weekday {
        let utc = TimeZone(identifier: "UTC")!
        let index = start(in: utc).map { SlotCalendar.gregorian(utc).component(.weekday, from: $0) } ?? 1
        return Weekday.allCases[(index + 5) % 7]  // Calendar counts from Sunday = 1
    }

    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }
}

/// A day of the week, as calendars name their opening hours.
public enum Weekday: String, Sendable, CaseIterable, Codable {
    case mon, tue, wed, thu, fri, sat, sun
}

/// Opening hours of one day: from `open` to `close`, minutes after local midnight.
public struct OpeningPeriod: Sendable, Equatable {
    public var open: Int
    public var close: Int

    public init(open: Int, close: Int) {
        self.open = open
        self.close = close
    }

    /// `HH:MM` → minutes after midnight (`24:00` closes at the end of the day).
    public static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]),
              (0...24).contains(hour), (0...59).contains(minute), hour < 24 || minute == 0 else { return nil }
        return hour * 60 + minute
    }

    /// Minutes after midnight → `HH:MM`.
    public static func clock(_ minutes: Int) -> String { String(format: "%02d:%02d", minutes / 60, minutes % 60) }
}

/// A date whose hours differ from the week's: a holiday (Tết, Spring Festival) or an agreed
/// closure; no periods means closed all day.
public struct CalendarException: Sendable, Equatable {
    public var date: LocalDate
    public var name: String
    public var hours: [OpeningPeriod]

    public init(date: LocalDate, name: String, hours: [OpeningPeriod]) {
        self.date = date
        self.name = name
        self.hours = hours
    }
}

/// The share of each slot kept for priority goods (fresh fruit and vegetables) until
/// shortly before the slot, when what is left goes to everyone.
public struct PriorityReserve: Sendable, Equatable {
    /// 0 … 0.9 of each slot's places.
    public var share: Double
    /// HS chapters whose goods are priority, e.g. `07` (vegetables) and `08` (fruit).
    public var chapters: [String]
    /// How long before the slot's start the reserve goes to everyone.
    public var releaseMinutes: Int
    /// Up to this many minutes earlier, drawn per slot and kept secret, so that a bot
    /// polling at the release minute gains nothing over a person (CONTRACTS §11).
    public var releaseJitterMinutes: Int

    public init(share: Double = 0.2, chapters: [String] = ["07", "08"], releaseMinutes: Int = 120, releaseJitterMinutes: Int = 20) {
        self.share = share
        self.chapters = chapters
        self.releaseMinutes = releaseMinutes
        self.releaseJitterMinutes = releaseJitterMinutes
    }

    /// A trip is priority when every goods line is in a priority chapter: one crate of
    /// lychees on a truck of steel does not move the truck up.
    public func covers(hsCodes: [String]) -> Bool {
        !hsCodes.isEmpty && hsCodes.allSatisfy { code in chapters.contains { code.hasPrefix($0) } }
    }
}

/// When a truck may come and how long it may be late (issue 16, arrival policy).
public struct ArrivalAllowance: Sendable, Equatable {
    /// A truck may enter the waiting yard this long before its slot.
    public var earlyMinutes: Int
    /// Later than this after its slot's start, a truck goes to the back of its hour; later
    /// than this after its slot's end without arriving, the booking is a no-show.
    public var graceMinutes: Int
    /// How long a called truck has to reach its lane.
    public var callMinutes: Int

    public init(earlyMinutes: Int = 60, graceMinutes: Int = 30, callMinutes: Int = 10) {
        self.earlyMinutes = earlyMinutes
        self.graceMinutes = graceMinutes
        self.callMinutes = callMinutes
    }
}

/// The booking calendar of one gate and direction, in the gate's local time.
public struct SlotCalendar: Sendable, Equatable {
    public var gate: String
    public var direction: LaneDirection
    /// The gate's IANA zone (`Asia/Ho_Chi_Minh`, `Asia/Shanghai`).
    public var timeZone: String
    public var slotMinutes: Int
    /// Lanes open by default, and per local hour where that differs.
    public var lanes: Int
    public var lanesByHour: [Int: Int]
    /// Trucks one lane clears in an hour.
    public var servicePerLaneHour: Double
    public var hours: [Weekday: [OpeningPeriod]]
    public var exceptions: [CalendarException]
    public var priority: PriorityReserve
    public var arrival: ArrivalAllowance
    /// Moves a booking may have in one local day.
    public var maxMovesPerDay: Int
    /// How many days ahead slots can be booked.
    public var horizonDays: Int
    /// Trucks the waiting yard before these lanes holds.
    public var yardCapacity: Int = 120

    public init(
        gate: String, direction: LaneDirection, timeZone: String, slotMinutes: Int = 60, lanes: Int, lanesByHour: [Int: Int] = [:],
        servicePerLaneHour: Double = 12, hours: [Weekday: [OpeningPeriod]], exceptions: [CalendarException] = [],
        priority: PriorityReserve = PriorityReserve(), arrival: ArrivalAllowance = ArrivalAllowance(), maxMovesPerDay: Int = 2, horizonDays: Int = 14
    ) {
        self.gate = gate
        self.direction = direction
        self.timeZone = timeZone
        self.slotMinutes = slotMinutes
        self.lanes = lanes
        self.lanesByHour = lanesByHour
        self.servicePerLaneHour = servicePerLaneHour
        self.hours = hours
        self.exceptions = exceptions
        self.priority = priority
        self.arrival = arrival
        self.maxMovesPerDay = maxMovesPerDay
        self.horizonDays = horizonDays
    }

    /// A calendar open every day from 06:00 to 22:00, what a gate starts with.
    public static func standard(gate: String, direction: LaneDirection, timeZone: String, lanes: Int) -> SlotCalendar {
        let day = [OpeningPeriod(open: 6 * 60, close: 22 * 60)]
        return SlotCalendar(gate: gate, direction: direction, timeZone: timeZone, lanes: lanes,
                            hours: Dictionary(uniqueKeysWithValues: Weekday.allCases.map { ($0, day) }))
    }

    public var zone: TimeZone { TimeZone(identifier: timeZone) ?? TimeZone(identifier: "UTC")! }

    /// The hours of `date`: its exception's if it has one, else its weekday's.
    public func periods(on date: LocalDate) -> [OpeningPeriod] {
        if let exception = exceptions.first(where: { $0.date == date }) { return exception.hours }
        return hours[date.weekday] ?? []
    }

    /// Lanes open in local hour `hour`.
    public func lanes(atHour hour: Int) -> Int { lanesByHour[hour] ?? lanes }

    /// Places in a slot starting at local hour `hour`: lanes × service rate × slot length,
    /// rounded down, so the calendar never promises more than the lanes can clear.
    public func capacity(atHour hour: Int) -> Int {
        Int((Double(lanes(atHour: hour)) * servicePerLaneHour * Double(slotMinutes) / 60).rounded(.down))
    }

    /// Lanes open at `time`: the calendar's lanes that local hour while it is open, else none.
    public func lanesOpen(at time: Date) -> Int {
        let local = Self.gregorian(zone).dateComponents([.hour, .minute], from: time)
        let minute = (local.hour ?? 0) * 60 + (local.minute ?? 0)
        let isOpen = periods(on: LocalDate(time, in: zone)).contains { $0.open <= minute && minute < $0.close }
        return isOpen ? lanes(atHour: local.hour ?? 0) : 0
    }

    static func gregorian(_ zone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar
    }
}
