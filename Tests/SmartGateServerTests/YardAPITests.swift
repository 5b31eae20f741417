import Foundation
import GateKit
import Testing
import VaporTesting
@testable import SmartGateServer

/// Issue 16's waiting yard, call-forward and wait times over HTTP; the sweep runs with the
/// test's clock (`YardDispatch.sweep(app, now:)`), never on its own.
@Suite("Waiting yard and wait times")
struct YardAPITests {
    static let zone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
    static let allDay = #"{"slotMinutes":60,"lanes":2,"servicePerLaneHour":12,"hours":{"mon":[{"open":"00:00","close":"24:00"}],"tue":[{"open":"00:00","close":"24:00"}],"wed":[{"open":"00:00","close":"24:00"}],"thu":[{"open":"00:00","close":"24:00"}],"fri":[{"open":"00:00","close":"24:00"}],"sat":[{"open":"00:00","close":"24:00"}],"sun":[{"open":"00:00","close":"24:00"}]},"priority":{"share":0},"arrival":{"earlyMinutes":60,"graceMinutes":30,"callMinutes":10},"yardCapacity":50}"#

    static func settings(_ settings: inout ServerSettings) {
        settings.yardSweepSeconds = 0
        settings.rateLimits = .unlimited
    }

    /// The slot starting `hours` after the current hour's start, in Kim Thành's calendar.
    static func slot(hoursAhead hours: Int) -> (id: String, start: Date) {
        let start = Date(timeIntervalSince1970: ((Date().timeIntervalSince1970 / 3600).rounded(.down) + Double(hours)) * 3600)
        let day = LocalDate(start, in: zone)
        let hour = Calendar(identifier: .gregorian).dateComponents(in: zone, from: start).hour ?? 0
        return ("kim-thanh.outbound.\(day)T\(String(format: "%02d", hour)):00", start)
    }

    static func prepare(_ app: Application) async throws {
        let put = try await app.send(.PUT, "/api/v1/slot-calendars/kim-thanh/outbound", json: allDay, as: .role(.gateOperator))
        #expect(put.status == .ok, "\(put.text)")
    }

    static func declareAndBook(_ app: Application, _ n: Int, hoursAhead: Int?) async throws -> (declaration: String, booking: String?, token: String?) {
        let id = try await BookingsAPITests.declare(app, n)
        guard let hoursAhead else { return (id, nil, nil) }
        let booked = try await BookingsAPITests.book(app, id, slot(hoursAhead: hoursAhead).id)
        #expect(booked.status == .created, "\(booked.text)")
        return (id, booked.object["id"] as? String, booked.object["driverToken"] as? String)
    }

    static func read(_ app: Application, _ lane: String, _ n: Int, event: String) async throws -> TestingHTTPResponse {
        try await app.send(.POST, "/api/v1/yard/lanes/\(lane)/readings",
                           json: Fixture.reading("\(lane)-anpr", event, "plate", #""plate":"\#(BookingsAPITests.plate(n))","confidence":0.97"#),
                           as: .device(lane: lane))
    }

    @Test("a booked truck on time, one late, one unbooked: the queue, the calls, missed calls and the exit", arguments: TestDatabase.available)
    func callForward(_ database: TestDatabase) async throws {
        try await withSmartGate(database, settings: Self.settings) { app in
            try await Self.prepare(app)
            let onTime = try await Self.declareAndBook(app, 1, hoursAhead: 1)
            _ = try await Self.declareAndBook(app, 2, hoursAhead: nil)
            let entered = try await Self.read(app, "kim-thanh-yard-in-1", 1, event: "e1")
            #expect(entered.status == .ok, "\(entered.text)")
            let visit = try #require(entered.object["visit"] as? [String: Any])
            #expect(visit["standing"] as? String == "on-time" && visit["state"] as? String == "waiting" && visit["position"] as? Int == 1)
            // The camera's retry changes nothing.
            let retried = try await Self.read(app, "kim-thanh-yard-in-1", 1, event: "e1")
            #expect((retried.object["visit"] as? [String: Any])?["id"] as? String == visit["id"] as? String)
            let unbooked = try await Self.read(app, "kim-thanh-yard-in-1", 2, event: "e2")
            #expect((unbooked.object["visit"] as? [String: Any])?["standing"] as? String == "unbooked")
            let booking = try await app.send(.GET, "/api/v1/bookings/\(try #require(onTime.booking))", as: .role(.declarant))
            #expect(booking.object["state"] as? String == "in-yard")

            let queue = try await app.send(.GET, "/api/v1/yard?gate=kim-thanh", as: .role(.gateOperator))
            #expect(queue.object["occupancy"] as? Int == 2 && queue.object["unbooked"] as? Int == 1 && queue.object["capacity"] as? Int == 50)
            #expect((queue.object["items"] as? [[String: Any]])?.map { $0["plate"] as? String } == [BookingsAPITests.plate(1), BookingsAPITests.plate(2)].map { try? VehiclePlate($0).normalized })

            let now = Date()
            let first = try await YardDispatch.sweep(app, now: now)
            #expect(first.calls.count == 2)
            let board = try await app.send(.GET, "/api/v1/yard/board?gate=kim-thanh", as: .anonymous)
            let calls = try #require(board.object["calls"] as? [[String: Any]])
            #expect(calls.count == 2 && Set(calls.compactMap { $0["lane"] as? String }) == ["kim-thanh-out-1", "kim-thanh-out-2"])
            #expect(calls.allSatisfy { Set($0.keys) == ["plate", "lane", "deadline"] })
            let driver = try await app.send(.GET, "/api/v1/bookings/\(try #require(onTime.booking))/call?token=\(try #require(onTime.token))", as: .anonymous)
            #expect(driver.status == .ok && driver.object["lane"] as? String != nil && driver.object["yard"] as? String == "called")
            #expect(try await app.send(.GET, "/api/v1/bookings/\(try #require(onTime.booking))/call?token=forged", as: .anonymous).status == .notFound)

            // Nobody came: both calls lapse, the trucks move back and are called once more…
            let second = try await YardDispatch.sweep(app, now: now.addingTimeInterval(11 * 60))
            #expect(second.missedCalls == 2 && second.calls.count == 2)
            // … and after a second miss they are out of the queue.
            let third = try await YardDispatch.sweep(app, now: now.addingTimeInterval(22 * 60))
            #expect(third.missedCalls == 2 && third.calls.isEmpty)
            let empty = try await app.send(.GET, "/api/v1/yard?gate=kim-thanh", as: .role(.gateOperator))
            #expect(empty.object["occupancy"] as? Int == 0)
            // The exit reads a plate no longer queued: a clear 409.
            #expect(try await Self.read(app, "kim-thanh-yard-out-1", 1, event: "x1").status == .conflict)
        }
    }

    @Test("called trucks leave by the exit; a truck too early is told when to come back; a booking nobody used is a no-show", arguments: TestDatabase.available)
    func arrivals(_ database: TestDatabase) async throws {
        try await withSmartGate(database, settings: Self.settings) { app in
            try await Self.prepare(app)
            _ = try await Self.declareAndBook(app, 3, hoursAhead: 1)
            let early = try await Self.declareAndBook(app, 4, hoursAhead: 4)
            _ = try await Self.read(app, "kim-thanh-yard-in-1", 3, event: "a3")
            let tooEarly = try await Self.read(app, "kim-thanh-yard-in-1", 4, event: "a4")
            #expect((tooEarly.object["visit"] as? [String: Any])?["state"] as? String == "early")
            let comeBack = try #require(tooEarly.object["comeBackAt"] as? String)
            #expect(comeBack == Timestamp.format(Self.slot(hoursAhead: 4).start.addingTimeInterval(-3600)))
            let now = Date()
            #expect(try await YardDispatch.sweep(app, now: now).calls.count == 1)
            let left = try await Self.read(app, "kim-thanh-yard-out-1", 3, event: "x3")
            #expect((left.object["visit"] as? [String: Any])?["state"] as? String == "left")
            // The exit camera's retry answers as the first time (CONTRACTS §5), not "no such truck".
            let retried = try await Self.read(app, "kim-thanh-yard-out-1", 3, event: "x3")
            #expect(retried.status == .ok && (retried.object["visit"] as? [String: Any])?["id"] as? String == (left.object["visit"] as? [String: Any])?["id"] as? String)
            // The truck on its way keeps its lane reserved until the call's deadline.
            #expect(try await YardDispatch.sweep(app, now: now.addingTimeInterval(60)).missedCalls == 0)
            // Four hours and a half on, the early truck never came back: a no-show.
            let later = try await YardDispatch.sweep(app, now: Self.slot(hoursAhead: 5).start.addingTimeInterval(31 * 60))
            #expect(later.noShows == 1)
            let booking = try await app.send(.GET, "/api/v1/bookings/\(try #require(early.booking))", as: .role(.declarant))
            #expect(booking.object["state"] as? String == "no-show")
        }
    }

    @Test("wait times: public, labelled, numbers or null; the compact feed is the same data", arguments: TestDatabase.available)
    func waitTimes(_ database: TestDatabase) async throws {
        try await withSmartGate(database, settings: Self.settings) { app in
            try await Self.prepare(app)
            _ = try await Self.declareAndBook(app, 5, hoursAhead: 1)
            _ = try await Self.declareAndBook(app, 6, hoursAhead: 2)
            _ = try await Self.read(app, "kim-thanh-yard-in-1", 5, event: "w5")
            let feed = try await app.send(.GET, "/api/v1/waittimes", as: .anonymous)
            #expect(feed.status == .ok)
            let items = try #require(feed.object["items"] as? [[String: Any]])
            let kimThanh = try #require(items.first { $0["gate"] as? String == "kim-thanh" && $0["direction"] as? String == "outbound" })
            #expect(kimThanh["yard"] as? Bool == true && kimThanh["waiting"] as? Int == 1 && kimThanh["lanesOpen"] as? Int == 2)
            let measured = try #require(kimThanh["measured"] as? [String: Any])
            #expect((measured["method"] as? String)?.isEmpty == false && measured["updatedAt"] is String)
            #expect((measured["value"] as? [String: Any])?["p50Seconds"] is NSNull)
            let expected = try #require((kimThanh["expected"] as? [String: Any])?["value"] as? [String: Any])
            #expect(expected["seconds"] as? Double == 150 && expected["basis"] as? String == "nominal")  // 1 truck over 2 lanes × 12 an hour
            let hours = try #require((kimThanh["predicted"] as? [String: Any])?["value"] as? [[String: Any]])
            #expect(hours.count == 6)
            #expect(hours.map { $0["bookedArrivals"] as? Int } == [0, 0, 1, 0, 0, 0])  // one booked truck is already in the yard
            let compact = try await app.send(.GET, "/api/v1/waittimes?format=compact", as: .anonymous)
            let port = try #require((compact.object["ports"] as? [[String: Any]])?.first { $0["portId"] as? String == "kim-thanh" && $0["direction"] as? String == "outbound" })
            #expect(port["delayMinutes"] as? Int == 3 && port["vehiclesWaiting"] as? Int == 1)
            #expect(try await app.send(.GET, "/api/v1/waittimes?format=xml", as: .anonymous).problemFields == ["format"])
        }
    }
}
