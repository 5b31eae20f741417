import Foundation
import GateKit
import NIOConcurrencyHelpers
import Vapor

/// Kim Thành's exports in the demo go through the waiting yard, as issue 16 has them: the
/// exporter declares and books a slot through the API; most trucks come on time, some
/// late, some too early (told when to come back), a few never; the yard's cameras read
/// them in, the yard calls them forward to the lane, and the lane decides.
struct DemoYard: Sendable {
    /// How a generated truck keeps its booking.
    enum Habit: String, Sendable {
        case onTime = "on time", late, early, noShow = "will not come", sleepy = "misses its first call"

        static func draw(_ random: inout SplitMix64) -> Habit {
            switch random.unit() {
            case ..<0.70: .onTime
            case ..<0.80: .late
            case ..<0.90: .early
            case ..<0.94: .sleepy
            default: .noShow
            }
        }
    }

    let traffic: DemoTraffic
    let lane: String
    let gate: String
    let entry: String
    let exit: String
    /// Trucks waiting for their call, by normalised plate, with their habit.
    private let waiting = NIOLockedValueBox([String: (truck: DemoTruck, habit: Habit)]())

    /// The demo's calendar: time runs faster than life, so 15-minute slots with the places
    /// a lane clears at demo speed, an early allowance of one slot and one minute's grace.
    static let calendar = #"{"slotMinutes":15,"lanes":1,"servicePerLaneHour":600,"hours":{"mon":[{"open":"00:00","close":"24:00"}],"tue":[{"open":"00:00","close":"24:00"}],"wed":[{"open":"00:00","close":"24:00"}],"thu":[{"open":"00:00","close":"24:00"}],"fri":[{"open":"00:00","close":"24:00"}],"sat":[{"open":"00:00","close":"24:00"}],"sun":[{"open":"00:00","close":"24:00"}]},"priority":{"share":0.2,"releaseMinutes":5,"releaseJitterMinutes":2},"arrival":{"earlyMinutes":15,"graceMinutes":1,"callMinutes":1},"maxMovesPerDay":2,"horizonDays":2,"yardCapacity":80}"#

    /// Writes the demo's calendar for the yard's gate (before the server starts).
    static func prepare(_ app: Application, gate: String, direction: LaneDirection) async throws {
        let context = app.smartGate
        let directory = try await context.gates.snapshot(on: app.db)
        let zone = directory.zone(of: gate)
        let calendar = try SlotCalendarDocument.parse(try JSONValue.parse(Data(Self.calendar.utf8)), gate: gate, direction: direction, timeZone: zone, lanes: 1)
        let audit = context.audit
        try await context.commits.perform { db in
            let version = try await SlotCalendars.version(gate: gate, direction: direction, on: db)
            _ = try await SlotCalendars.save(calendar, expecting: version, actor: "demo", audit: audit, at: Date(), on: db)
        }
    }

    /// Books and sends trucks until `deadline`, while `calls` drives the called ones.
    func run(until deadline: Date?) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.calls() }
            var random = SplitMix64(seed: traffic.options.seed &+ 31_337)
            var serial = 0
            while !Task.isCancelled, deadline.map({ Date() < $0 }) ?? true {
                serial += 1
                var truck = DemoTruck.make(lane: lane, gate: gate, direction: .export, serial: serial, side: traffic.side, random: &random)
                truck.eventPrefix = "\(traffic.runId)-yard-\(truck.eventPrefix)"
                let habit = Habit.draw(&random)
                if truck.declaration != nil, let booked = await book(truck, habit: habit) {
                    group.addTask { await self.arrive(truck, habit: habit, slotStart: booked.start) }
                }
                try? await Task.sleep(for: .milliseconds(Int(traffic.options.secondsPerTruck * 1000 * (0.5 + random.unit()))))
            }
        }
    }

    /// Declares the truck and books the first slot its habit asks for.
    private func book(_ truck: DemoTruck, habit: Habit) async -> (slot: String, start: Date)? {
        guard let declaration = truck.declaration,
              let taxCode = (declaration["declarant"] as? [String: Any])?["taxCode"] as? String,
              let token = traffic.tokens.withLockedValue({ $0[taxCode] }) else { return nil }
        let bearer = ("Authorization", "Bearer \(token)")
        guard let created = await traffic.postAnswer("/api/v1/declarations", declaration, credential: bearer, idempotencyKey: "demo-\(truck.eventPrefix)"),
              let id = created["id"] as? String else { return nil }
        let zone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
        let now = Date()
        // Too early means more than the early allowance (15 min) before the slot.
        let earliest = now.addingTimeInterval(habit == .early ? 16 * 60 : 0)
        struct Day: Decodable { struct Item: Decodable { var id: String; var start: Date; var free: Int; var freePriority: Int }; var items: [Item] }
        for day in [LocalDate(now, in: zone), LocalDate(now.addingTimeInterval(86_400), in: zone)] {
            guard let data = await traffic.get("/api/v1/slots?gate=\(gate)&direction=outbound&date=\(day)", credential: bearer),
                  let slots = try? WireJSON.decoder().decode(Day.self, from: data) else { continue }
            for slot in slots.items where slot.start > earliest && max(slot.free, slot.freePriority) > 0 {
                guard let booking = await traffic.postAnswer("/api/v1/bookings", ["declarationId": id, "slotId": slot.id], credential: bearer,
                                                             idempotencyKey: "demo-\(truck.eventPrefix)-booking"),
                      booking["id"] != nil else { continue }
                line("booking, \(gate)", truck, "BOOKED", "slot \(Self.clock(slot.start, zone)) local (\(habit.rawValue))")
                return (slot.id, slot.start)
            }
        }
        return nil
    }

    /// The truck reaches the yard as its habit has it (or never).
    private func arrive(_ truck: DemoTruck, habit: Habit, slotStart: Date) async {
        switch habit {
        case .noShow: return
        case .late: try? await Task.sleep(for: .seconds(max(0, slotStart.timeIntervalSinceNow + 80)))
        case .onTime, .sleepy, .early: try? await Task.sleep(for: .milliseconds(500))
        }
        guard !Task.isCancelled, let plate = plate(of: truck) else { return }
        waiting.withLockedValue { $0[plate] = (truck, habit) }
        guard let answer = await read(entry, plate: plate, event: "\(truck.eventPrefix)-in") else { return }
        if let comeBack = answer["comeBackAt"] as? String, let time = try? Timestamp.parse(comeBack) {
            line("yard, \(gate)", truck, "EARLY", "told to come back at \(Self.clock(time, TimeZone(identifier: "Asia/Ho_Chi_Minh")!)) local")
            try? await Task.sleep(for: .seconds(max(0, time.timeIntervalSinceNow + 1)))
            guard !Task.isCancelled, let again = await read(entry, plate: plate, event: "\(truck.eventPrefix)-in-2") else { return }
            report(truck, again)
            return
        }
        report(truck, answer)
    }

    private func report(_ truck: DemoTruck, _ answer: [String: Any]) {
        let visit = answer["visit"] as? [String: Any] ?? [:]
        let position = (visit["position"] as? Int).map { ", #\($0) in the queue" } ?? ""
        line("yard, \(gate)", truck, "IN", "\(visit["standing"] as? String ?? "?")\(position)")
    }

    /// Follows the yard's public board: each new call sends its truck out of the yard and
    /// through the lane it was called to.
    private func calls() async {
        var handled = Set<String>()
        var random = SplitMix64(seed: traffic.options.seed &+ 4_711)
        struct Board: Decodable { struct Call: Decodable { var plate: String; var lane: String; var deadline: Date }; var calls: [Call] }
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            guard let data = await traffic.get("/api/v1/yard/board?gate=\(gate)", credential: ("Accept", "application/json")),
                  let board = try? WireJSON.decoder().decode(Board.self, from: data) else { continue }
            for call in board.calls where handled.insert("\(call.plate) \(call.deadline.timeIntervalSince1970)").inserted {
                guard let (truck, habit) = waiting.withLockedValue({ $0[call.plate] }) else { continue }
                // The console's times are UTC, the deadline too.
                let zone = TimeZone(identifier: "UTC")!
                if habit == .sleepy {
                    waiting.withLockedValue { $0[call.plate] = (truck, .onTime) }
                    line("→ \(call.lane)", truck, "CALLED", "by \(Self.clock(call.deadline, zone, seconds: true)); the driver does not come")
                    continue
                }
                line("→ \(call.lane)", truck, "CALLED", "by \(Self.clock(call.deadline, zone, seconds: true))")
                waiting.withLockedValue { $0[call.plate] = nil }
                _ = await read(exit, plate: call.plate, event: "\(truck.eventPrefix)-out")
                var atLane = truck
                atLane.declaration = nil  // declared already
                atLane.lane = call.lane
                atLane.readings = truck.readings.map { reading in
                    var moved = reading
                    if let device = reading["deviceId"] as? String { moved["deviceId"] = device.replacingOccurrences(of: truck.lane, with: call.lane) }
                    return moved
                }
                await traffic.drive(atLane, random: &random)
            }
        }
    }

    private func read(_ yardLane: String, plate: String, event: String) async -> [String: Any]? {
        guard let key = traffic.deviceKeys.withLockedValue({ $0[yardLane] }) else { return nil }
        let body: [String: Any] = ["deviceId": "\(yardLane)-anpr", "eventId": event, "observedAt": Timestamp.format(Date()), "kind": "plate", "plate": plate, "confidence": 0.96]
        return await traffic.postAnswer("/api/v1/yard/lanes/\(yardLane)/readings", body, credential: ("X-Device-Key", key))
    }

    private func plate(of truck: DemoTruck) -> String? {
        guard let vehicle = truck.declaration?["vehicle"] as? [String: Any], let raw = vehicle["plate"] as? String else { return nil }
        return (try? VehiclePlate(raw).normalized) ?? raw
    }

    private func line(_ place: String, _ truck: DemoTruck, _ what: String, _ detail: String) {
        let plate = plate(of: truck).flatMap { try? VehiclePlate($0).display } ?? "—"
        var text = "\(Timestamp.format(Date()).dropFirst(11).prefix(8))  \(place.padding(toLength: 22, withPad: " ", startingAt: 0))"
        text += "\(plate.padding(toLength: 13, withPad: " ", startingAt: 0))\(what.padding(toLength: 8, withPad: " ", startingAt: 0))\(detail)"
        DemoTraffic.console(text)
    }

    static func clock(_ date: Date, _ zone: TimeZone, seconds: Bool = false) -> String {
        let parts = Calendar(identifier: .gregorian).dateComponents(in: zone, from: date)
        let base = String(format: "%02d:%02d", parts.hour ?? 0, parts.minute ?? 0)
        return seconds ? base + String(format: ":%02d", parts.second ?? 0) : base
    }
}

extension DemoTraffic {
    /// POSTs like `post` and answers the body of a 2xx as an object.
    func postAnswer(_ path: String, _ body: [String: Any], credential: (name: String, value: String), idempotencyKey: String? = nil) async -> [String: Any]? {
        do {
            let data = try JSONSerialization.data(withJSONObject: body)
            var headers: HTTPHeaders = ["Content-Type": "application/json"]
            headers.add(name: credential.name, value: credential.value)
            if let idempotencyKey { headers.add(name: "Idempotency-Key", value: idempotencyKey) }
            let response = try await app.client.post(URI(string: baseURL + path), headers: headers) { $0.body = ByteBuffer(data: data) }
            guard (200..<300).contains(response.status.code), let buffer = response.body else {
                let text = response.body.map { String(buffer: $0) } ?? ""
                app.logger.notice("demo traffic: \(path) answered \(response.status.code): \(text.prefix(300))")
                return nil
            }
            return (try? JSONSerialization.jsonObject(with: Data(buffer: buffer))) as? [String: Any]
        } catch {
            return nil
        }
    }
}
