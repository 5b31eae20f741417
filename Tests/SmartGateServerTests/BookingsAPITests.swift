import Foundation
import GateKit
import Testing
import VaporTesting
@testable import SmartGateServer

/// Issue 16 over HTTP: calendars, slots, bookings and their refusals, on SQLite and
/// PostgreSQL.
@Suite("Slot booking API")
struct BookingsAPITests {
    static let zone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
    /// Tomorrow at Kim Thành: every slot of it is still ahead.
    static var tomorrow: LocalDate { LocalDate(Date().addingTimeInterval(86_400), in: zone) }
    static func slot(_ clock: String, day: LocalDate = tomorrow, direction: String = "outbound") -> String { "kim-thanh.\(direction).\(day)T\(clock)" }

    static func plate(_ n: Int) -> String { String(format: "24C-%03d.%02d", 100 + n / 100, n % 100) }

    /// A calendar of `places` places an hour at Kim Thành outbound, no priority reserve,
    /// closed on the days `closed` names.
    static func calendar(places: Int, share: Double = 0, moves: Int = 2, closed: [LocalDate] = []) -> String {
        let exceptions = closed.map { #"{"date":"\#($0)","name":"closed","hours":[]}"# }.joined(separator: ",")
        return #"{"exceptions":[\#(exceptions)],"slotMinutes":60,"lanes":1,"servicePerLaneHour":\#(places),"hours":{"mon":[{"open":"06:00","close":"22:00"}],"tue":[{"open":"06:00","close":"22:00"}],"wed":[{"open":"06:00","close":"22:00"}],"thu":[{"open":"06:00","close":"22:00"}],"fri":[{"open":"06:00","close":"22:00"}],"sat":[{"open":"06:00","close":"22:00"}],"sun":[{"open":"06:00","close":"22:00"}]},"priority":{"share":\#(share),"releaseMinutes":60,"releaseJitterMinutes":0},"maxMovesPerDay":\#(moves)}"#
    }

    static func setCalendar(_ app: Application, places: Int, share: Double = 0, moves: Int = 2, closed: [LocalDate] = []) async throws {
        let put = try await app.send(.PUT, "/api/v1/slot-calendars/kim-thanh/outbound", json: calendar(places: places, share: share, moves: moves, closed: closed), as: .role(.gateOperator))
        #expect(put.status == .ok, "\(put.text)")
    }

    static func declare(_ app: Application, _ n: Int, hsCode: String = "081060") async throws -> String {
        let created = try await app.send(.POST, "/api/v1/declarations", json: Fixture.declaration(plate: plate(n), driver: "D\(1_000_000 + n)", hsCode: hsCode), as: .role(.declarant))
        #expect(created.status == .created, "\(created.text)")
        return try #require(created.object["id"] as? String)
    }

    static func book(_ app: Application, _ declaration: String, _ slot: String, key: String? = nil, as caller: TestCaller = .role(.declarant)) async throws -> TestingHTTPResponse {
        try await app.send(.POST, "/api/v1/bookings", json: #"{"declarationId":"\#(declaration)","slotId":"\#(slot)"}"#,
                           headers: key.map { ["Idempotency-Key": $0] } ?? [:], as: caller)
    }

    static func freeAt(_ app: Application, _ slot: String) async throws -> (free: Int, freePriority: Int) {
        let list = try await app.send(.GET, "/api/v1/slots?gate=kim-thanh&direction=outbound&date=\(tomorrow)", as: .role(.declarant))
        let item = try #require((list.object["items"] as? [[String: Any]])?.first { $0["id"] as? String == slot })
        return (try #require(item["free"] as? Int), try #require(item["freePriority"] as? Int))
    }

    @Test("64 clients race for a slot of 5: exactly 5 are granted, the rest get 409 with the next free slots", arguments: TestDatabase.available)
    func contention(_ database: TestDatabase) async throws {
        try await withSmartGate(database, settings: { $0.rateLimits = .unlimited }) { app in
            try await Self.setCalendar(app, places: 5)
            var declarations: [String] = []
            for n in 0..<64 { declarations.append(try await Self.declare(app, n)) }
            let target = Self.slot("10:00")
            let answers = try await withThrowingTaskGroup(of: (HTTPStatus, Data).self) { group in
                for id in declarations {
                    group.addTask { let answer = try await Self.book(app, id, target); return (answer.status, Data(answer.body.readableBytesView)) }
                }
                var all: [(HTTPStatus, Data)] = []
                for try await answer in group { all.append(answer) }
                return all
            }
            let statuses = answers.map { ($0.0, (try? JSONSerialization.jsonObject(with: $0.1)) as? [String: Any] ?? [:]) }
            #expect(statuses.filter { $0.0 == .created }.count == 5)
            let refused = statuses.filter { $0.0 == .conflict }
            #expect(refused.count == 59)
            for (_, body) in refused {
                #expect(body["code"] as? String == "full")
                let offered = body["nextFree"] as? [[String: Any]] ?? []
                #expect(!offered.isEmpty && !offered.contains { $0["id"] as? String == target })
                #expect(offered.allSatisfy { ($0["freePriority"] as? Int ?? 0) > 0 })
            }
            let free = try await Self.freeAt(app, target)
            #expect(free.free == 0 && free.freePriority == 0)
            let listed = try await app.send(.GET, "/api/v1/bookings?state=booked&limit=100", as: .role(.declarant))
            #expect((listed.object["items"] as? [Any])?.count == 5)
        }
    }

    @Test("a booking: 201 with its place taken, the same key answers the same, the declaration and its plate cannot book twice", arguments: TestDatabase.available)
    func booking(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            try await Self.setCalendar(app, places: 3)
            let id = try await Self.declare(app, 1)
            let first = try await Self.book(app, id, Self.slot("09:00"), key: "b-1")
            #expect(first.status == .created)
            let booking = try #require(first.object["id"] as? String)
            #expect(first.headers.first(name: .location) == "/api/v1/bookings/\(booking)")
            #expect(first.object["state"] as? String == "booked" && first.object["priority"] as? Bool == true)
            let again = try await Self.book(app, id, Self.slot("09:00"), key: "b-1")
            #expect(again.status == .created && again.object["id"] as? String == booking)
            #expect(try await Self.freeAt(app, Self.slot("09:00")).freePriority == 2)
            let twice = try await Self.book(app, id, Self.slot("12:00"))
            #expect(twice.status == .conflict && twice.object["code"] as? String == "already-booked")
            let inVietnamese = try await app.send(.POST, "/api/v1/bookings", json: #"{"declarationId":"\#(id)","slotId":"\#(Self.slot("12:00"))"}"#,
                                                  headers: ["Accept-Language": "vi"], as: .role(.declarant))
            #expect(inVietnamese.object["detail"] as? String == BookingRefusal.alreadyBooked.detail(in: .vi))
            let other = try await Self.book(app, id, Self.slot("12:00"), as: .otherDeclarant)
            #expect(other.status == .notFound)
            let read = try await app.send(.GET, "/api/v1/bookings/\(booking)", as: .role(.customsOfficer))
            #expect(read.status == .ok)
            #expect(try await app.send(.GET, "/api/v1/bookings/\(booking)", as: .elsewhere(.customsOfficer)).status == .notFound)
        }
    }

    @Test("refusals name the field or the conflict", arguments: TestDatabase.available)
    func refusals(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            let id = try await Self.declare(app, 2)
            let cases: [(String, HTTPStatus, String)] = [
                (Self.slot("09:00", direction: "inbound"), .unprocessableEntity, "slotId"),
                (Self.slot("09:30"), .unprocessableEntity, "slotId"),  // not on the hourly grid
                (Self.slot("09:00", day: Self.tomorrow.adding(days: 30)), .unprocessableEntity, "slotId"),
                ("ban-vuoc.outbound.\(Self.tomorrow)T09:00", .unprocessableEntity, "slotId"),
                ("nonsense", .unprocessableEntity, "slotId"),
            ]
            for (slot, status, field) in cases {
                let answer = try await Self.book(app, id, slot)
                #expect(answer.status == status, "\(slot): \(answer.text)")
                #expect(answer.problemFields == [field], "\(slot): \(answer.text)")
            }
            let missing = try await app.send(.POST, "/api/v1/bookings", json: #"{"slot":"x"}"#, as: .role(.declarant))
            #expect(Set(missing.problemFields) == ["slot", "slotId", "declarationId"])
            let started = try await Self.book(app, id, "kim-thanh.outbound.\(LocalDate(Date().addingTimeInterval(-86_400), in: Self.zone))T09:00")
            #expect(started.status == .conflict && started.object["code"] as? String == "slot-started")
            #expect(!((started.object["nextFree"] as? [Any]) ?? []).isEmpty)
        }
    }

    @Test("the reserve for fresh produce holds against general goods until its release", arguments: TestDatabase.available)
    func priorityReserve(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            try await Self.setCalendar(app, places: 2, share: 0.5)
            let steel = try await Self.declare(app, 3, hsCode: "720851")
            let steel2 = try await Self.declare(app, 4, hsCode: "720851")
            let fruit = try await Self.declare(app, 5)
            #expect(try await Self.book(app, steel, Self.slot("15:00")).status == .created)
            let refused = try await Self.book(app, steel2, Self.slot("15:00"))
            #expect(refused.status == .conflict && refused.object["code"] as? String == "full")
            let places = try await Self.freeAt(app, Self.slot("15:00"))
            #expect(places.free == 0 && places.freePriority == 1)
            #expect(try await Self.book(app, fruit, Self.slot("15:00")).status == .created)
        }
    }

    @Test("moves: capped per day, the old place given back; a cancel frees the place; a new plate loses the booking", arguments: TestDatabase.available)
    func movesAndLosses(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            try await Self.setCalendar(app, places: 1, moves: 1)
            let id = try await Self.declare(app, 6)
            let booking = try #require(try await Self.book(app, id, Self.slot("08:00")).object["id"] as? String)
            let moved = try await app.send(.POST, "/api/v1/bookings/\(booking)/move", json: #"{"slotId":"\#(Self.slot("13:00"))"}"#, as: .role(.declarant))
            #expect(moved.status == .ok && moved.object["slotId"] as? String == Self.slot("13:00") && moved.object["moves"] as? Int == 1)
            #expect(try await Self.freeAt(app, Self.slot("08:00")).freePriority == 1)
            let capped = try await app.send(.POST, "/api/v1/bookings/\(booking)/move", json: #"{"slotId":"\#(Self.slot("14:00"))"}"#, as: .role(.declarant))
            #expect(capped.status == .conflict && capped.object["code"] as? String == "moves-exhausted")
            // Another declaration takes 08:00; moving this one back finds it full.
            let other = try await Self.declare(app, 7)
            #expect(try await Self.book(app, other, Self.slot("08:00")).status == .created)
            let cancelled = try await app.send(.POST, "/api/v1/bookings/\(booking)/cancel", as: .role(.declarant))
            #expect(cancelled.status == .ok && cancelled.object["state"] as? String == "cancelled")
            #expect(try await Self.freeAt(app, Self.slot("13:00")).freePriority == 1)
            #expect(try await app.send(.POST, "/api/v1/bookings/\(booking)/cancel", as: .role(.declarant)).status == .ok)
            // The other one's truck changes plate: its booking is lost and its place freed.
            let otherBooking = try await app.send(.GET, "/api/v1/bookings?declarationId=\(other)", as: .role(.declarant))
            let otherId = try #require((otherBooking.object["items"] as? [[String: Any]])?.first?["id"] as? String)
            let amended = try await app.send(.PATCH, "/api/v1/declarations/\(other)", json: #"{"vehicle":{"plate":"24C-999.99"}}"#,
                                             headers: ["If-Match": "\"1\""], as: .role(.declarant))
            #expect(amended.status == .ok, "\(amended.text)")
            let lost = try await app.send(.GET, "/api/v1/bookings/\(otherId)", as: .role(.declarant))
            #expect(lost.object["state"] as? String == "lost" && lost.object["endedReason"] as? String == "plate-changed")
            #expect(try await Self.freeAt(app, Self.slot("08:00")).freePriority == 1)
        }
    }

    @Test("calendars: an operator of the gate writes one, every bad field named; others may not", arguments: TestDatabase.available)
    func calendars(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            let standard = try await app.send(.GET, "/api/v1/slot-calendars/kim-thanh/outbound", as: .role(.declarant))
            #expect(standard.status == .ok && standard.headers.first(name: .eTag) == "\"0\"" && standard.object["lanes"] as? Int == 2)
            let bad = try await app.send(.PUT, "/api/v1/slot-calendars/kim-thanh/outbound", json: #"{"slotMinutes":7,"hours":{"mon":[{"open":"25:00","close":"08:00"}]}}"#, as: .role(.gateOperator))
            #expect(bad.status == .unprocessableEntity)
            #expect(Set(bad.problemFields) == ["slotMinutes", "hours.mon[0].open"])
            #expect(try await app.send(.PUT, "/api/v1/slot-calendars/kim-thanh/outbound", json: Self.calendar(places: 4), as: .elsewhere(.gateOperator)).status == .forbidden)
            #expect(try await app.send(.PUT, "/api/v1/slot-calendars/kim-thanh/outbound", json: Self.calendar(places: 4), as: .role(.customsOfficer)).status == .forbidden)
            try await Self.setCalendar(app, places: 4)
            let stale = try await app.send(.PUT, "/api/v1/slot-calendars/kim-thanh/outbound", json: Self.calendar(places: 6), headers: ["If-Match": "\"0\""], as: .role(.gateOperator))
            #expect(stale.status == .conflict)
            let slots = try await app.send(.GET, "/api/v1/slots?gate=kim-thanh&direction=outbound&date=\(Self.tomorrow)", as: .role(.declarant))
            let items = slots.object["items"] as? [[String: Any]] ?? []
            #expect(items.count == 16 && items.first?["capacity"] as? Int == 4)
            let badQuery = try await app.send(.GET, "/api/v1/slots?gate=nowhere&direction=up&date=tomorrow", as: .role(.declarant))
            #expect(Set(badQuery.problemFields) == ["gate", "direction", "date"])
            let audit = try await app.send(.GET, "/api/v1/audit?limit=200", as: .role(.admin))
            #expect(audit.text.contains("slot.calendar.updated"))
        }
    }

    @Test("the refusals of the booking's and the declaration's state: not live, the same slot, a cancelled declaration's booking lost", arguments: TestDatabase.available)
    func stateRefusals(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            let id = try await Self.declare(app, 8)
            let booking = try #require(try await Self.book(app, id, Self.slot("09:00")).object["id"] as? String)
            let same = try await app.send(.POST, "/api/v1/bookings/\(booking)/move", json: #"{"slotId":"\#(Self.slot("09:00"))"}"#, as: .role(.declarant))
            #expect(same.status == .unprocessableEntity && same.problemFields == ["slotId"])
            #expect(try await app.send(.POST, "/api/v1/declarations/\(id)/cancel", as: .role(.declarant)).status == .ok)
            let lost = try await app.send(.GET, "/api/v1/bookings/\(booking)", as: .role(.declarant))
            #expect(lost.object["state"] as? String == "lost" && lost.object["endedReason"] as? String == "declaration-cancelled")
            let notLive = try await Self.book(app, id, Self.slot("11:00"))
            #expect(notLive.status == .conflict && notLive.object["code"] as? String == "declaration-not-live")
            let moved = try await app.send(.POST, "/api/v1/bookings/\(booking)/move", json: #"{"slotId":"\#(Self.slot("12:00"))"}"#, as: .role(.declarant))
            #expect(moved.status == .conflict && moved.object["code"] as? String == "booking-not-live")
            #expect(try await app.send(.POST, "/api/v1/bookings/\(booking)/cancel", as: .role(.declarant)).status == .conflict)
        }
    }

    @Test("the per-account booking budget answers 429")
    func budget() async throws {
        // The clock stands still: no refill between the requests, however slow the machine.
        let clock = ManualClock()
        try await withSmartGate(.sqlite, settings: { $0.rateLimits.bookingPerMinute = 6; $0.clock = clock.server }) { app in
            var statuses: [HTTPStatus] = []
            for _ in 0..<12 { statuses.append(try await Self.book(app, UUID().uuidString, Self.slot("09:00")).status) }
            #expect(statuses.contains(.tooManyRequests))
            #expect(statuses.first == .notFound)
        }
    }
}
