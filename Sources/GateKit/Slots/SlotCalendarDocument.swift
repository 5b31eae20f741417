import Foundation

extension IssueCode {
    public static let slotPeriod = IssueCode(
        "slot.period",
        en: "must open before it closes, each period after the one before (got {actual})",
        vi: "giờ mở phải trước giờ đóng, mỗi khoảng sau khoảng trước (nhận được {actual})",
        zh: "开放时间必须早于关闭时间，且各时段依次排列（实际为{actual}）")
    public static let slotLength = IssueCode(
        "slot.length",
        en: "must divide a day into whole slots: one of {allowed} (got {actual})",
        vi: "phải chia một ngày thành các khung trọn vẹn: một trong {allowed} (nhận được {actual})",
        zh: "必须能将一天整分为时段：{allowed}之一（实际为{actual}）")
}

/// The wire form of a slot calendar (`PUT /api/v1/slot-calendars/{gate}/{direction}`):
/// every field optional but `hours`, each bad one reported at once.
public enum SlotCalendarDocument {
    public static let fields = ["slotMinutes", "lanes", "lanesByHour", "servicePerLaneHour", "hours", "exceptions", "priority", "arrival", "maxMovesPerDay", "horizonDays", "yardCapacity"]
    public static let slotLengths = [15, 20, 30, 60, 120, 180, 240]

    /// Reads a calendar for `gate` and `direction`; `lanes` defaults to the gate's lanes of
    /// that direction.
    public static func parse(
        _ json: JSONValue, gate: String, direction: LaneDirection, timeZone: String, lanes defaultLanes: Int
    ) throws(ValidationFailure) -> SlotCalendar {
        var reader = FieldReader()
        guard let root = reader.object(json, at: "") else { try reader.finish(); throw ValidationFailure([]) }
        reader.refuseUnknown(in: root, allowed: fields + ["gate", "direction", "timeZone"])
        // What a read shows may be written back; it must then say what the path says.
        for (field, fixed) in [("gate", gate), ("direction", direction.rawValue), ("timeZone", timeZone)] {
            if let given = root[field], given != .string(fixed) {
                reader.add(Issue(field: field, .notAllowed, ["allowed": fixed, "actual": { if case .string(let text) = given { text } else { given.typeName } }()]))
            }
        }
        var calendar = SlotCalendar(gate: gate, direction: direction, timeZone: timeZone, lanes: defaultLanes, hours: [:])
        if let minutes = integer(root["slotMinutes"], at: "slotMinutes", 15...240, &reader) {
            if slotLengths.contains(minutes) { calendar.slotMinutes = minutes } else {
                reader.add(Issue(field: "slotMinutes", .slotLength, ["allowed": slotLengths.map(String.init).joined(separator: ", "), "actual": "\(minutes)"]))
            }
        }
        calendar.lanes = integer(root["lanes"], at: "lanes", 0...20, &reader) ?? defaultLanes
        if let byHour = reader.object(root["lanesByHour"], at: "lanesByHour", required: false) {
            for (key, value) in byHour.sorted(by: { $0.key < $1.key }) {
                guard let hour = Int(key), (0...23).contains(hour), key.count == 2 else {
                    reader.add(Issue(field: "lanesByHour.\(key)", .pattern, ["description": "a local hour 00–23", "actual": key]))
                    continue
                }
                if let lanes = integer(value, at: "lanesByHour.\(key)", 0...20, &reader) { calendar.lanesByHour[hour] = lanes }
            }
        }
        if let rate = reader.number(root["servicePerLaneHour"], at: "servicePerLaneHour", required: false, minimum: 0, maximum: 600, exclusiveMinimum: true) {
            calendar.servicePerLaneHour = NSDecimalNumber(decimal: rate).doubleValue
        }
        if let week = reader.object(root["hours"], at: "hours") {
            reader.refuseUnknown(in: week, allowed: Weekday.allCases.map(\.rawValue), at: "hours")
            for day in Weekday.allCases {
                if let periods = periods(week[day.rawValue], at: "hours.\(day.rawValue)", &reader) { calendar.hours[day] = periods }
            }
        }
        calendar.exceptions = exceptions(root["exceptions"], &reader)
        calendar.priority = priority(root["priority"], &reader)
        calendar.arrival = arrival(root["arrival"], &reader)
        calendar.maxMovesPerDay = integer(root["maxMovesPerDay"], at: "maxMovesPerDay", 0...20, &reader) ?? calendar.maxMovesPerDay
        calendar.horizonDays = integer(root["horizonDays"], at: "horizonDays", 1...90, &reader) ?? calendar.horizonDays
        calendar.yardCapacity = integer(root["yardCapacity"], at: "yardCapacity", 0...10_000, &reader) ?? calendar.yardCapacity
        try reader.finish()
        return calendar
    }

    /// The calendar as the API shows it, in the same form it is written.
    public static func json(_ calendar: SlotCalendar) -> JSONValue {
        func periods(_ list: [OpeningPeriod]) -> JSONValue {
            .array(list.map { .object(["open": .string(OpeningPeriod.clock($0.open)), "close": .string(OpeningPeriod.clock($0.close))]) })
        }
        func number(_ value: Int) -> JSONValue { .number(Decimal(value)) }
        return .object([
            "gate": .string(calendar.gate), "direction": .string(calendar.direction.rawValue), "timeZone": .string(calendar.timeZone),
            "slotMinutes": number(calendar.slotMinutes), "lanes": number(calendar.lanes),
            "lanesByHour": .object(Dictionary(uniqueKeysWithValues: calendar.lanesByHour.map { (String(format: "%02d", $0.key), number($0.value)) })),
            "servicePerLaneHour": .number(shortest(calendar.servicePerLaneHour)),
            "hours": .object(Dictionary(uniqueKeysWithValues: calendar.hours.map { ($0.key.rawValue, periods($0.value)) })),
            "exceptions": .array(calendar.exceptions.map {
                .object(["date": .string($0.date.description), "name": .string($0.name), "hours": periods($0.hours)])
            }),
            "priority": .object([
                "share": .number(shortest(calendar.priority.share)), "hsChapters": .array(calendar.priority.chapters.map(JSONValue.string)),
                "releaseMinutes": number(calendar.priority.releaseMinutes), "releaseJitterMinutes": number(calendar.priority.releaseJitterMinutes),
            ]),
            "arrival": .object([
                "earlyMinutes": number(calendar.arrival.earlyMinutes), "graceMinutes": number(calendar.arrival.graceMinutes),
                "callMinutes": number(calendar.arrival.callMinutes),
            ]),
            "maxMovesPerDay": number(calendar.maxMovesPerDay), "horizonDays": number(calendar.horizonDays),
            "yardCapacity": number(calendar.yardCapacity),
        ])
    }

    /// The decimal a person would write for `value` (`0.9`, not `0.90000000000000002`), so a
    /// stored calendar reads back within its own limits.
    private static func shortest(_ value: Double) -> Decimal { Decimal(string: "\(value)") ?? Decimal(value) }

    private static func integer(_ value: JSONValue?, at path: String, _ range: ClosedRange<Int>, _ reader: inout FieldReader) -> Int? {
        guard let number = reader.number(value, at: path, required: false, minimum: Decimal(range.lowerBound), maximum: Decimal(range.upperBound)) else { return nil }
        let whole = NSDecimalNumber(decimal: number).intValue
        guard Decimal(whole) == number else {
            reader.add(Issue(field: path, .wrongType, ["expected": "a whole number", "actual": "\(number)"]))
            return nil
        }
        return whole
    }

    private static func periods(_ value: JSONValue?, at path: String, _ reader: inout FieldReader) -> [OpeningPeriod]? {
        guard let items = reader.array(value, at: path, required: false, maxCount: 6) else { return nil }
        var periods: [OpeningPeriod] = []
        for (index, item) in items.enumerated() {
            let itemPath = "\(path)[\(index)]"
            guard let object = reader.object(item, at: itemPath) else { continue }
            reader.refuseUnknown(in: object, allowed: ["open", "close"], at: itemPath)
            let open = reader.parse(object["open"], at: "\(itemPath).open", maxLength: 5) { text throws(Issue) in try clock(text) }
            let close = reader.parse(object["close"], at: "\(itemPath).close", maxLength: 5) { text throws(Issue) in try clock(text) }
            guard let open, let close else { continue }
            guard open < close, open >= (periods.last?.close ?? 0) else {
                reader.add(Issue(field: itemPath, .slotPeriod, ["actual": "\(OpeningPeriod.clock(open))–\(OpeningPeriod.clock(close))"]))
                continue
            }
            periods.append(OpeningPeriod(open: open, close: close))
        }
        return periods
    }

    private static func clock(_ text: String) throws(Issue) -> Int {
        guard let minutes = OpeningPeriod.minutes(text) else { throw Issue(.pattern, ["description": "HH:MM, 00:00–24:00", "actual": text]) }
        return minutes
    }

    private static func exceptions(_ value: JSONValue?, _ reader: inout FieldReader) -> [CalendarException] {
        guard let items = reader.array(value, at: "exceptions", required: false, maxCount: 366) else { return [] }
        var found: [CalendarException] = []
        var seen: [LocalDate: Int] = [:]
        for (index, item) in items.enumerated() {
            let path = "exceptions[\(index)]"
            guard let object = reader.object(item, at: path) else { continue }
            reader.refuseUnknown(in: object, allowed: ["date", "name", "hours"], at: path)
            let date = reader.parse(object["date"], at: "\(path).date", maxLength: 10) { text throws(Issue) in
                guard let date = LocalDate(text) else { throw Issue(.pattern, ["description": "a date yyyy-MM-dd", "actual": text]) }
                return date
            }
            let name = reader.string(object["name"], at: "\(path).name", maxLength: 80)
            let hours = periods(object["hours"] ?? .array([]), at: "\(path).hours", &reader)
            if let date, let earlier = seen[date] {
                reader.add(Issue(field: "\(path).date", .duplicate, ["other": "exceptions[\(earlier)].date"]))
                continue
            }
            if let date { seen[date] = index }
            if let date, let name, let hours { found.append(CalendarException(date: date, name: name, hours: hours)) }
        }
        return found.sorted { $0.date < $1.date }
    }

    private static func priority(_ value: JSONValue?, _ reader: inout FieldReader) -> PriorityReserve {
        var reserve = PriorityReserve()
        guard let object = reader.object(value, at: "priority", required: false) else { return reserve }
        reader.refuseUnknown(in: object, allowed: ["share", "hsChapters", "releaseMinutes", "releaseJitterMinutes"], at: "priority")
        if let share = reader.number(object["share"], at: "priority.share", required: false, minimum: 0, maximum: Decimal(string: "0.9")!) {
            reserve.share = NSDecimalNumber(decimal: share).doubleValue
        }
        if let chapters = reader.array(object["hsChapters"], at: "priority.hsChapters", required: false, maxCount: 97) {
            reserve.chapters = chapters.enumerated().compactMap { index, item in
                reader.parse(item, at: "priority.hsChapters[\(index)]", maxLength: 2) { text throws(Issue) in
                    guard text.count == 2, let chapter = Int(text), (1...97).contains(chapter) else {
                        throw Issue(.pattern, ["description": "an HS chapter 01–97", "actual": text])
                    }
                    return text
                }
            }
        }
        reserve.releaseMinutes = integer(object["releaseMinutes"], at: "priority.releaseMinutes", 0...10_080, &reader) ?? reserve.releaseMinutes
        reserve.releaseJitterMinutes = integer(object["releaseJitterMinutes"], at: "priority.releaseJitterMinutes", 0...240, &reader) ?? reserve.releaseJitterMinutes
        return reserve
    }

    private static func arrival(_ value: JSONValue?, _ reader: inout FieldReader) -> ArrivalAllowance {
        var allowance = ArrivalAllowance()
        guard let object = reader.object(value, at: "arrival", required: false) else { return allowance }
        reader.refuseUnknown(in: object, allowed: ["earlyMinutes", "graceMinutes", "callMinutes"], at: "arrival")
        allowance.earlyMinutes = integer(object["earlyMinutes"], at: "arrival.earlyMinutes", 0...720, &reader) ?? allowance.earlyMinutes
        allowance.graceMinutes = integer(object["graceMinutes"], at: "arrival.graceMinutes", 0...240, &reader) ?? allowance.graceMinutes
        allowance.callMinutes = integer(object["callMinutes"], at: "arrival.callMinutes", 1...60, &reader) ?? allowance.callMinutes
        return allowance
    }
}
