import Foundation
import Testing
@testable import GateKit

/// Issue 16's domain rules: calendars, places, booking refusals, arrival, the yard queue
/// and the wait figures.
@Suite("Slot booking rules")
struct SlotBookingTests {
    static let hanoi = "Asia/Ho_Chi_Minh"
    /// Monday 7 December 2026, 00:00 in Lào Cai (UTC+7).
    static let monday = LocalDate(year: 2026, month: 12, day: 7)

    static func calendar(_ adjust: (inout SlotCalendar) -> Void = { _ in }) -> SlotCalendar {
        var calendar = SlotCalendar.standard(gate: "kim-thanh", direction: .outbound, timeZone: hanoi, lanes: 2)
        adjust(&calendar)
        return calendar
    }

    static func at(_ date: LocalDate, _ clock: String, zone: String = hanoi) -> Date {
        date.start(in: TimeZone(identifier: zone)!, plusMinutes: OpeningPeriod.minutes(clock)!)!
    }

    // MARK: Calendars

    @Test("a calendar document with every field wrong names every field")
    func documentIssues() throws {
        let json = try JSONValue.parse(Data("""
        {"slotMinutes": 45, "lanes": -1, "lanesByHour": {"25": 1, "07": 1.5}, "servicePerLaneHour": 0,
         "hours": {"mon": [{"open": "09:00", "close": "08:00"}], "someday": []},
         "exceptions": [{"date": "2027-02-30", "name": "Tết"}, {"date": "2027-02-06", "name": "Tết"}, {"date": "2027-02-06", "name": "again"}],
         "priority": {"share": 0.95, "hsChapters": ["7"]}, "arrival": {"callMinutes": 0}, "colour": "red"}
        """.utf8))
        #expect(throws: ValidationFailure.self) { try SlotCalendarDocument.parse(json, gate: "kim-thanh", direction: .outbound, timeZone: Self.hanoi, lanes: 2) }
        do {
            _ = try SlotCalendarDocument.parse(json, gate: "kim-thanh", direction: .outbound, timeZone: Self.hanoi, lanes: 2)
        } catch {
            #expect(Set(error.issues.map(\.field)) == [
                "slotMinutes", "lanes", "lanesByHour.25", "lanesByHour.07", "servicePerLaneHour", "hours.mon[0]", "hours.someday",
                "exceptions[0].date", "exceptions[2].date", "priority.share", "priority.hsChapters[0]", "arrival.callMinutes", "colour",
            ])
        }
    }

    @Test("a calendar reads back as it was written")
    func documentRoundTrip() throws {
        let json = try JSONValue.parse(Data("""
        {"slotMinutes": 30, "lanes": 3, "lanesByHour": {"12": 1}, "servicePerLaneHour": 10,
         "hours": {"mon": [{"open": "07:00", "close": "11:30"}, {"open": "13:00", "close": "24:00"}]},
         "exceptions": [{"date": "2027-02-06", "name": "Tết", "hours": []}],
         "priority": {"share": 0.25, "hsChapters": ["07", "08"], "releaseMinutes": 90, "releaseJitterMinutes": 0},
         "arrival": {"earlyMinutes": 45, "graceMinutes": 15, "callMinutes": 5}, "maxMovesPerDay": 3, "horizonDays": 7}
        """.utf8))
        let calendar = try SlotCalendarDocument.parse(json, gate: "kim-thanh", direction: .outbound, timeZone: Self.hanoi, lanes: 2)
        let again = try SlotCalendarDocument.parse(SlotCalendarDocument.json(calendar), gate: "kim-thanh", direction: .outbound, timeZone: Self.hanoi, lanes: 2)
        #expect(again == calendar)
        #expect(calendar.hours[.mon] == [OpeningPeriod(open: 420, close: 690), OpeningPeriod(open: 780, close: 1440)])
        #expect(calendar.hours[.tue] == nil)
    }

    @Test("slots follow the weekday's hours, the exceptions and the gate's zone", arguments: [
        // (date, zone, expected first start in UTC, count)
        (LocalDate(year: 2026, month: 12, day: 7), "Asia/Ho_Chi_Minh", "2026-12-06T23:00:00.000Z", 16),  // Monday 06:00–22:00 at UTC+7
        (LocalDate(year: 2026, month: 12, day: 7), "Asia/Shanghai", "2026-12-06T22:00:00.000Z", 16),     // the same hours at UTC+8
        (LocalDate(year: 2027, month: 2, day: 6), "Asia/Ho_Chi_Minh", "", 0),                             // Tết: closed
        (LocalDate(year: 2027, month: 2, day: 7), "Asia/Ho_Chi_Minh", "2027-02-07T01:00:00.000Z", 4),    // agreed short day 08:00–12:00
    ])
    func grid(_ date: LocalDate, _ zone: String, _ first: String, _ count: Int) {
        let calendar = Self.calendar {
            $0.timeZone = zone
            $0.exceptions = [
                CalendarException(date: LocalDate(year: 2027, month: 2, day: 6), name: "Tết", hours: []),
                CalendarException(date: LocalDate(year: 2027, month: 2, day: 7), name: "short day", hours: [OpeningPeriod(open: 480, close: 720)]),
            ]
        }
        let slots = calendar.slots(on: date)
        #expect(slots.count == count)
        #expect(slots.first.map { Timestamp.format($0.start) } ?? "" == first)
    }

    @Test("a slot's places are the lanes open that hour times the service rate, rounded down", arguments: [
        (60, 2, [Int: Int](), 12.0, "08:00", 24, 4),
        (30, 2, [8: 1], 12.0, "08:30", 6, 1),
        (20, 3, [:], 10.0, "10:20", 10, 2),
        (60, 0, [:], 12.0, "08:00", 0, 0),
    ])
    func capacity(_ minutes: Int, _ lanes: Int, _ byHour: [Int: Int], _ rate: Double, _ start: String, _ places: Int, _ reserve: Int) throws {
        let calendar = Self.calendar {
            $0.slotMinutes = minutes
            $0.lanes = lanes
            $0.lanesByHour = byHour
            $0.servicePerLaneHour = rate
        }
        let slot = try #require(calendar.slot(SlotId(gate: "kim-thanh", direction: .outbound, date: Self.monday, startMinute: OpeningPeriod.minutes(start)!)))
        #expect(slot.capacity == places)
        #expect(slot.reserve == reserve)
    }

    @Test("slot ids read back, and ids off the grid name no slot", arguments: [
        ("kim-thanh.outbound.2026-12-07T08:00", true),
        ("kim-thanh.outbound.2026-12-07T08:30", false),  // 60-minute slots start on the hour
        ("kim-thanh.outbound.2026-12-07T05:00", false),  // before opening
        ("kim-thanh.outbound.2026-12-07T21:00", true),
        ("kim-thanh.inbound.2026-12-07T08:00", false),   // another calendar's
        ("kim-thanh.outbound.2026-02-30T08:00", false),
        ("kim-thanh.outbound.2026-12-07 08:00", false),
        ("kim-thanh.sideways.2026-12-07T08:00", false),
    ])
    func slotIds(_ text: String, _ offered: Bool) {
        let id = SlotId(text)
        #expect(id.map(\.description) == nil || id?.description == text)
        #expect((id.flatMap { Self.calendar().slot($0) } != nil) == offered)
    }

    @Test("the reserve is released a fixed time before the slot, earlier by the slot's secret draw")
    func release() throws {
        let calendar = Self.calendar { $0.priority = PriorityReserve(share: 0.2, releaseMinutes: 120, releaseJitterMinutes: 20) }
        let id = SlotId(gate: "kim-thanh", direction: .outbound, date: Self.monday, startMinute: 600)
        let plain = try #require(calendar.slot(id))
        let drawn = try #require(calendar.slot(id, jitter: { _ in 0.5 }))
        #expect(plain.releaseAt == Self.at(Self.monday, "08:00"))
        #expect(drawn.releaseAt == Self.at(Self.monday, "07:50"))
        #expect(!drawn.released(at: Self.at(Self.monday, "07:49")))
        #expect(drawn.released(at: Self.at(Self.monday, "07:50")))
    }

    // MARK: Places

    @Test("places: the reserve holds against general bookings until it is released", arguments: [
        // (capacity, reserve, general, priority, leaving, admits, free, freePriority)
        (5, 1, 3, 0, 1, true, 1, 2),
        (5, 1, 4, 0, 1, false, 0, 1),   // the last place is priority's
        (5, 1, 4, 0, 0, true, 1, 1),    // released: anyone takes it
        (5, 1, 3, 1, 1, true, 1, 1),    // the reserve is used by priority: general may fill the rest
        (5, 1, 2, 3, 1, false, 0, 0),   // priority overflowed into general places
        (5, 0, 5, 0, 0, false, 0, 0),
        (0, 0, 0, 0, 0, false, 0, 0),
    ])
    func places(_ capacity: Int, _ reserve: Int, _ general: Int, _ priority: Int, _ leaving: Int, _ admits: Bool, _ free: Int, _ freePriority: Int) {
        let places = SlotPlaces(capacity: capacity, reserve: reserve, general: general, priority: priority)
        #expect(places.admits(leaving: leaving) == admits)
        #expect(places.free(leaving: leaving) == free)
        #expect(places.freePriority == freePriority)
    }

    @Test("a trip is priority goods only when every line is in a priority chapter", arguments: [
        (["080390", "070200"], true), (["080390", "720851"], false), ([String](), false), (["0810"], true),
    ])
    func priorityGoods(_ codes: [String], _ priority: Bool) {
        #expect(PriorityReserve().covers(hsCodes: codes) == priority)
    }

    // MARK: Booking refusals

    @Test("booking refusals", arguments: [
        (DeclarationStatus.submitted, "kim-thanh", TripDirection.export, "2026-12-07T08:00", "07:00", nil as BookingRefusal?),
        (.amended, "kim-thanh", .transit, "2026-12-07T08:00", "07:00", nil),
        (.released, "kim-thanh", .export, "2026-12-07T08:00", "07:00", .declarationNotLive),
        (.cancelled, "kim-thanh", .export, "2026-12-07T08:00", "07:00", .declarationNotLive),
        (.submitted, "ban-vuoc", .export, "2026-12-07T08:00", "07:00", .otherGate),
        (.submitted, "kim-thanh", .import, "2026-12-07T08:00", "07:00", .otherDirection),
        (.submitted, "kim-thanh", .export, "2026-12-07T08:00", "08:00", .slotStarted),
        (.submitted, "kim-thanh", .export, "2026-12-28T08:00", "07:00", .beyondHorizon),
    ])
    func refusals(_ status: DeclarationStatus, _ gate: String, _ direction: TripDirection, _ slot: String, _ now: String, _ refusal: BookingRefusal?) throws {
        let calendar = Self.calendar()
        let id = try #require(SlotId("kim-thanh.outbound.\(slot)"))
        let slot = try #require(calendar.slot(id))
        let trip = BookableTrip(status: status, gate: gate, direction: direction, hsCodes: ["720851"])
        #expect(BookingRules.refusal(trip, slot: slot, calendar: calendar, now: Self.at(Self.monday, now)) == refusal)
    }

    @Test("every refusal reads in each language", arguments: BookingRefusal.allCases)
    func refusalWording(_ refusal: BookingRefusal) {
        let texts = Language.allCases.map { refusal.detail(in: $0) }
        #expect(texts.allSatisfy { !$0.isEmpty } && Set(texts).count == Language.allCases.count)
    }

    @Test("moves are capped per day", arguments: [(0, 2, true), (1, 2, true), (2, 2, false), (0, 0, false)])
    func moves(_ done: Int, _ cap: Int, _ allowed: Bool) {
        #expect(BookingRules.mayMove(movesToday: done, calendar: Self.calendar { $0.maxMovesPerDay = cap }) == allowed)
    }

    @Test("a refusal offers the day's next slots with a place, in order, skipping full and past ones, up to the limit", arguments: [
        (false, 2, ["kim-thanh.outbound.2026-12-07T10:00", "kim-thanh.outbound.2026-12-07T11:00"]),
        (true, 3, ["kim-thanh.outbound.2026-12-07T09:00", "kim-thanh.outbound.2026-12-07T10:00", "kim-thanh.outbound.2026-12-07T11:00"]),
    ])
    func offers(_ priority: Bool, _ limit: Int, _ expected: [String]) {
        let calendar = Self.calendar {  // 07:00–12:00, 24 places, 4 kept for fresh produce until 30 min before
            $0.hours = [.mon: [OpeningPeriod(open: 420, close: 720)]]
            $0.priority.releaseMinutes = 30
            $0.priority.releaseJitterMinutes = 0
        }
        let slots = calendar.slots(on: Self.monday)
        // 08:00 full; 09:00 full but for its reserve (priority only).
        let places: [SlotId: SlotPlaces] = Dictionary(uniqueKeysWithValues: slots.map { slot in
            let general = slot.id.startMinute == 480 ? 24 : slot.id.startMinute == 540 ? 20 : 1
            return (slot.id, SlotPlaces(capacity: slot.capacity, reserve: slot.reserve, general: general))
        })
        let offered = BookingRules.offers(in: slots, places: places, priority: priority, now: Self.at(Self.monday, "07:30"), limit: limit)
        #expect(offered.map(\.slot.id.description) == expected)
    }

    // MARK: Arrival and the yard

    @Test("arrival standing against a 10:00–11:00 slot, 60 min early and 30 min grace", arguments: [
        ("08:59", ArrivalStanding.early), ("09:00", .onTime), ("10:30", .onTime), ("10:31", .late), ("11:30", .late), ("11:31", .missed),
    ])
    func standing(_ clock: String, _ expected: ArrivalStanding) throws {
        let slot = try #require(Self.calendar().slot(SlotId(gate: "kim-thanh", direction: .outbound, date: Self.monday, startMinute: 600)))
        #expect(ArrivalStanding.of(arrival: Self.at(Self.monday, clock), slot: slot, allowance: ArrivalAllowance()) == expected)
        let noShow = ["11:31"].contains(clock)
        #expect(ArrivalStanding.isNoShow(slot: slot, allowance: ArrivalAllowance(), now: Self.at(Self.monday, clock)) == noShow)
    }

    static func truck(_ n: Int, arrived: String, slot: String?, priority: Bool = false, movedBack: Bool = false) -> YardTruck {
        YardTruck(id: UUID(uuidString: "00000000-0000-0000-0000-\(String(format: "%012d", n))")!, arrivedAt: at(monday, arrived),
                  booked: slot.map { .init(slotStart: at(monday, $0), priority: priority, movedBack: movedBack) })
    }

    @Test("the queue: priority goods, then the hour of the slot with the late at its back, then arrival; the living queue last")
    func queueOrder() {
        let trucks = [
            Self.truck(1, arrived: "08:05", slot: nil),
            Self.truck(2, arrived: "09:40", slot: "09:00", movedBack: true),
            Self.truck(3, arrived: "08:50", slot: "09:00"),
            Self.truck(4, arrived: "08:30", slot: "10:00"),
            Self.truck(5, arrived: "08:55", slot: "10:00", priority: true),
            Self.truck(6, arrived: "08:45", slot: "09:00"),
            Self.truck(7, arrived: "08:00", slot: nil),
        ]
        #expect(YardQueue.order(trucks).map { Int($0.id.uuidString.suffix(2))! } == [5, 6, 3, 2, 4, 7, 1])
    }

    @Test("call-forward takes the first booked truck whose slot is near; the living queue only gets unused places", arguments: [
        ("08:10", true, 3),    // 09:00 slots callable from 08:00; truck 5's 10:00 slot not yet
        ("07:50", true, 7),    // no booked slot near yet: the unbooked truck, places unused
        ("07:50", false, nil), // ... but not when the bookings will use every place
    ])
    func callForward(_ now: String, _ unused: Bool, _ called: Int?) {
        let trucks = [
            Self.truck(3, arrived: "07:40", slot: "09:00"),
            Self.truck(5, arrived: "07:45", slot: "10:00", priority: true),
            Self.truck(7, arrived: "07:30", slot: nil),
        ]
        let next = YardQueue.next(in: trucks, now: Self.at(Self.monday, now), allowance: ArrivalAllowance(), unusedCapacity: unused)
        #expect(next.map { Int($0.id.uuidString.suffix(2))! } == called)
    }

    @Test("a missed call moves the truck back once; a second miss takes it out of the queue")
    func missedCalls() throws {
        let first = try #require(YardQueue.afterMissedCall(Self.truck(3, arrived: "08:50", slot: "09:00")))
        #expect(first.missedCalls == 1 && first.booked?.movedBack == true)
        #expect(YardQueue.afterMissedCall(first) == nil)
    }

    // MARK: Wait figures

    @Test("measured: nearest-rank p50 and p95 of the last hour's waits; none measured is null")
    func measured() {
        let waits = (1...20).map { Double($0 * 60) }
        #expect(WaitEstimates.measured(waits) == .init(passages: 20, p50Seconds: 600, p95Seconds: 1140))
        #expect(WaitEstimates.measured([]) == .init(passages: 0, p50Seconds: nil, p95Seconds: nil))
    }

    @Test("expected: the queue over the recent rate, or the nominal one when too few were served", arguments: [
        (12, 24, 20.0, 1800.0 as Double?, "recent"),
        (12, 2, 24.0, 1800.0, "nominal"),
        (0, 0, 0.0, 0.0, "nominal"),
        (3, 0, 0.0, nil, "nominal"),
    ])
    func expected(_ queue: Int, _ served: Int, _ nominal: Double, _ seconds: Double?, _ basis: String) {
        let figure = WaitEstimates.expected(queue: queue, servedLastHour: served, nominalPerHour: nominal)
        #expect(figure.seconds == seconds)
        #expect(figure.basis == basis)
    }

    @Test("predicted: a known arrival and service pattern gives the queue and the wait hour by hour")
    func predicted() {
        let start = Self.at(Self.monday, "08:00")
        let hours = [(start, 20, 4.0, 24.0), (start + 3600, 30, 6.0, 24.0), (start + 7200, 0, 0.0, 0.0), (start + 10_800, 0, 2.0, 24.0)]
        let forecast = WaitEstimates.predicted(queueNow: 6, hours: hours.map { (start: $0.0, booked: $0.1, pattern: $0.2, capacity: $0.3) })
        // Hour 1: 6 waiting + 24 arriving, 24 cleared → 6 left; a mid-hour arrival waits (6 + 12) / 24 h = 45 min.
        #expect(forecast.map(\.queueAfter) == [6, 18, 18, 0])
        #expect(forecast.map(\.waitSeconds) == [2700, 3600, nil, 2850])
    }
}
