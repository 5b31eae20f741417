import Foundation

/// Names one slot: gate, direction and local start, `kim-thanh.outbound.2026-12-06T08:00`.
/// Readable by a person on a phone, and stable: the same slot has the same id whatever
/// the calendar's capacity becomes.
public struct SlotId: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var gate: String
    public var direction: LaneDirection
    public var date: LocalDate
    /// Minutes after local midnight.
    public var startMinute: Int

    public init(gate: String, direction: LaneDirection, date: LocalDate, startMinute: Int) {
        self.gate = gate
        self.direction = direction
        self.date = date
        self.startMinute = startMinute
    }

    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, !parts[0].isEmpty, parts[0].count <= 64, let direction = LaneDirection(rawValue: parts[1]) else { return nil }
        let moment = parts[2].split(separator: "T", omittingEmptySubsequences: false).map(String.init)
        guard moment.count == 2, let date = LocalDate(moment[0]), let minute = OpeningPeriod.minutes(moment[1]), minute < 24 * 60 else { return nil }
        self.init(gate: parts[0], direction: direction, date: date, startMinute: minute)
    }

    public var description: String { "\(gate).\(direction.rawValue).\(date)T\(OpeningPeriod.clock(startMinute))" }

    public static func < (lhs: SlotId, rhs: SlotId) -> Bool {
        (lhs.date, lhs.startMinute, lhs.gate) < (rhs.date, rhs.startMinute, rhs.gate)
    }
}

/// One bookable slot of a calendar.
public struct Slot: Sendable, Equatable {
    public var id: SlotId
    public var start: Date
    public var end: Date
    public var capacity: Int
    /// Places kept for priority goods until `releaseAt`.
    public var reserve: Int
    public var releaseAt: Date

    public init(id: SlotId, start: Date, end: Date, capacity: Int, reserve: Int, releaseAt: Date) {
        self.id = id
        self.start = start
        self.end = end
        self.capacity = capacity
        self.reserve = reserve
        self.releaseAt = releaseAt
    }

    /// Whether the reserve has gone to everyone at `now`.
    public func released(at now: Date) -> Bool { now >= releaseAt }
}

extension SlotCalendar {
    /// The slots of `date`, in order: each opening period cut into slots of `slotMinutes`
    /// (a remainder too short for a slot is not offered). `jitter` gives each slot its
    /// secret draw in [0, 1) for the reserve's release.
    public func slots(on date: LocalDate, jitter: (SlotId) -> Double = { _ in 0 }) -> [Slot] {
        var slots: [Slot] = []
        for period in periods(on: date) {
            var minute = period.open
            while minute + slotMinutes <= period.close {
                if let slot = slot(SlotId(gate: gate, direction: direction, date: date, startMinute: minute), jitter: jitter) { slots.append(slot) }
                minute += slotMinutes
            }
        }
        return slots
    }

    /// The slot `id` names, if this calendar offers it.
    public func slot(_ id: SlotId, jitter: (SlotId) -> Double = { _ in 0 }) -> Slot? {
        guard id.gate == gate, id.direction == direction,
              periods(on: id.date).contains(where: { id.startMinute >= $0.open && id.startMinute + slotMinutes <= $0.close && (id.startMinute - $0.open) % slotMinutes == 0 }),
              let start = id.date.start(in: zone, plusMinutes: id.startMinute) else { return nil }
        let capacity = capacity(atHour: id.startMinute / 60)
        let reserve = Int((Double(capacity) * priority.share).rounded(.down))
        let early = Double(priority.releaseMinutes * 60) + Double(priority.releaseJitterMinutes * 60) * min(max(jitter(id), 0), 0.999_999)
        return Slot(id: id, start: start, end: start.addingTimeInterval(Double(slotMinutes * 60)), capacity: capacity, reserve: reserve,
                    releaseAt: start.addingTimeInterval(-early))
    }
}

/// How many places of a slot are taken, and what is left for whom.
///
/// Before the release a general booking may not eat into the reserve: it is admitted while
/// general + max(priority, reserve) < capacity. A priority booking, or any booking after the
/// release, is admitted while general + priority < capacity. The server applies the same
/// inequality as the condition of one UPDATE, so two racing clients cannot both take the
/// last place.
public struct SlotPlaces: Sendable, Equatable {
    public var capacity: Int
    public var reserve: Int
    public var general: Int
    public var priority: Int

    public init(capacity: Int, reserve: Int, general: Int = 0, priority: Int = 0) {
        self.capacity = capacity
        self.reserve = reserve
        self.general = general
        self.priority = priority
    }

    /// The reserve a booking must leave free: the slot's before its release, none after or
    /// for priority goods.
    public static func protectedReserve(of slot: Slot, priority: Bool, at now: Date) -> Int {
        priority || slot.released(at: now) ? 0 : slot.reserve
    }

    /// Whether one more booking fits, leaving `reserve` for priority goods.
    public func admits(leaving reserve: Int) -> Bool {
        general + max(priority, reserve) < capacity
    }

    /// Places a general booking can take now.
    public func free(leaving reserve: Int) -> Int { max(0, capacity - general - max(priority, reserve)) }

    /// Places a priority booking can take now.
    public var freePriority: Int { max(0, capacity - general - priority) }
}
