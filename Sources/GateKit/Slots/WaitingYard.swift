import Foundation

/// How a booked truck stands against its slot when it reaches the waiting yard.
public enum ArrivalStanding: String, Sendable, Equatable, CaseIterable {
    /// Before the yard takes it: it is told when to come back.
    case early
    /// In time: from `earlyMinutes` before the slot to `graceMinutes` after its start.
    case onTime = "on-time"
    /// Later than the grace: it goes to the back of the queue of its hour, never refused.
    case late
    /// After the slot's end and the grace: the booking is a no-show, the truck waits
    /// unbooked.
    case missed

    /// Where a truck arriving at `arrival` stands for `slot`.
    public static func of(arrival: Date, slot: Slot, allowance: ArrivalAllowance) -> ArrivalStanding {
        let grace = Double(allowance.graceMinutes * 60)
        if arrival < slot.start.addingTimeInterval(-Double(allowance.earlyMinutes * 60)) { return .early }
        if arrival <= slot.start.addingTimeInterval(grace) { return .onTime }
        if arrival <= slot.end.addingTimeInterval(grace) { return .late }
        return .missed
    }

    /// Whether a booking whose truck has not arrived is a no-show at `now`.
    public static func isNoShow(slot: Slot, allowance: ArrivalAllowance, now: Date) -> Bool {
        now > slot.end.addingTimeInterval(Double(allowance.graceMinutes * 60))
    }
}

/// A truck in the waiting yard, as the queue orders it.
public struct YardTruck: Sendable, Equatable {
    /// What a booked truck brings to the queue.
    public struct Booked: Sendable, Equatable {
        public var slotStart: Date
        public var priority: Bool
        /// Late past the grace, or moved back after a missed call: the back of its hour.
        public var movedBack: Bool

        public init(slotStart: Date, priority: Bool, movedBack: Bool) {
            self.slotStart = slotStart
            self.priority = priority
            self.movedBack = movedBack
        }
    }

    public var id: UUID
    public var arrivedAt: Date
    /// nil: unbooked, in the living queue.
    public var booked: Booked?
    public var missedCalls: Int

    public init(id: UUID, arrivedAt: Date, booked: Booked?, missedCalls: Int = 0) {
        self.id = id
        self.arrivedAt = arrivedAt
        self.booked = booked
        self.missedCalls = missedCalls
    }
}

/// The virtual queue of a waiting yard and who is called forward next.
public enum YardQueue {
    /// Booked trucks first, priority goods before others, then by the hour of the slot (a
    /// truck moved back at the end of its hour), then by slot time, then by arrival; the
    /// living queue of unbooked trucks after them, by arrival.
    public static func order(_ trucks: [YardTruck]) -> [YardTruck] {
        trucks.sorted { key($0) < key($1) }
    }

    /// (class: priority 0, booked 1, unbooked 2; hour; moved back; slot; arrival; id).
    private static func key(_ truck: YardTruck) -> (Int, Double, Int, Double, Double, String) {
        guard let booked = truck.booked else {
            return (2, 0, 0, 0, truck.arrivedAt.timeIntervalSince1970, truck.id.uuidString)
        }
        let hour = (booked.slotStart.timeIntervalSince1970 / 3600).rounded(.down)
        return (booked.priority ? 0 : 1, hour, booked.movedBack ? 1 : 0, booked.slotStart.timeIntervalSince1970,
                truck.arrivedAt.timeIntervalSince1970, truck.id.uuidString)
    }

    /// The truck to call when a lane frees at `now`: the first booked truck whose slot is
    /// within the early allowance, else, only when the slot has places its bookings will
    /// not use, the first of the living queue.
    public static func next(in trucks: [YardTruck], now: Date, allowance: ArrivalAllowance, unusedCapacity: Bool) -> YardTruck? {
        let ordered = order(trucks)
        let early = Double(allowance.earlyMinutes * 60)
        if let booked = ordered.first(where: { $0.booked.map { $0.slotStart.addingTimeInterval(-early) <= now } ?? false }) {
            return booked
        }
        return unusedCapacity ? ordered.first { $0.booked == nil } : nil
    }

    /// What becomes of a truck that did not reach its lane before the call's deadline:
    /// moved back and callable once more, then out of the queue.
    public static func afterMissedCall(_ truck: YardTruck) -> YardTruck? {
        guard truck.missedCalls < 1 else { return nil }
        var moved = truck
        moved.missedCalls += 1
        moved.booked?.movedBack = true
        return moved
    }
}
