import Foundation
import GateKit

/// Slot booking as the portal does it: GateKit's own calendar cuts each day into slots
/// with the lanes' capacity, and GateKit's places keep the fresh-produce reserve until its
/// release. A truck takes the first slot, from the hour it wanted, that admits it.
struct TwinSlots {
    /// How long before the hour it wants a trader books: the reserve for fresh produce is
    /// still held then (it is released 2 h before a slot), so general goods cannot take it.
    static let bookingLeadSeconds = 6.0 * 3_600

    private let calendars: [Bool: SlotCalendar]
    private let base: Double
    private var days: [Bool: [LocalDate: [Slot]]] = [:]
    private var places: [SlotId: SlotPlaces] = [:]

    init(scenario: Scenario, base: Double) {
        self.base = base
        let hours = [OpeningPeriod(open: Int(scenario.smartHours.opens / 60), close: Int(scenario.smartHours.closes / 60))]
        let week = Dictionary(uniqueKeysWithValues: Weekday.allCases.map { ($0, hours) })
        let perLaneHour = 3_600 / scenario.smartLaneSeconds.mean * scenario.slotFill
        calendars = [
            true: SlotCalendar(gate: "kim-thanh", direction: .outbound, timeZone: scenario.timeZone, lanes: scenario.exportLanes,
                               servicePerLaneHour: perLaneHour, hours: week),
            // The twin's imports carry no fresh produce: a reserve kept for it would stay empty.
            false: SlotCalendar(gate: "kim-thanh", direction: .inbound, timeZone: scenario.timeZone, lanes: scenario.importLanes,
                                servicePerLaneHour: perLaneHour, hours: week, priority: PriorityReserve(share: 0)),
        ]
    }

    /// The start of the slot booked, in simulated seconds; `wanted` itself when no slot
    /// within a month admits the truck (it then comes unbooked).
    mutating func book(wanted: Double, export: Bool, priority: Bool) -> (start: Double, end: Double) {
        let calendar = calendars[export]!
        let bookedAt = Date(timeIntervalSince1970: base + wanted - Self.bookingLeadSeconds)
        var date = LocalDate(Date(timeIntervalSince1970: base + wanted), in: calendar.zone)
        for _ in 0..<31 {
            for slot in slots(export, on: date) where slot.end.timeIntervalSince1970 - base > wanted {
                var taken = places[slot.id] ?? SlotPlaces(capacity: slot.capacity, reserve: slot.reserve)
                guard taken.admits(leaving: SlotPlaces.protectedReserve(of: slot, priority: priority, at: bookedAt)) else { continue }
                if priority { taken.priority += 1 } else { taken.general += 1 }
                places[slot.id] = taken
                return (slot.start.timeIntervalSince1970 - base, slot.end.timeIntervalSince1970 - base)
            }
            date = date.adding(days: 1)
        }
        return (wanted, wanted)
    }

    private mutating func slots(_ export: Bool, on date: LocalDate) -> [Slot] {
        if let known = days[export]?[date] { return known }
        let made = calendars[export]!.slots(on: date)
        days[export, default: [:]][date] = made
        return made
    }
}
