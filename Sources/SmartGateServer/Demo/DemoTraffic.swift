import Foundation
import GateKit
import NIOConcurrencyHelpers
import Vapor

/// The demo's traffic: trucks declared by traders and read by lane devices, sent through
/// the real HTTP API (not in-process shortcuts), so the demo exercises exactly what a
/// device or a trader's system would. Time runs faster than life: a truck is declared,
/// drives up and is read within seconds, and about one truck in four carries a problem
/// (wrong weight, broken or missing seal, misread container, undeclared vehicle…).
public final class DemoTraffic: LifecycleHandler, Sendable {
    public struct Options: Sendable {
        /// Average seconds between trucks arriving at each lane.
        public var secondsPerTruck: Double
        /// Stop generating after this many seconds (nil: until the server stops).
        public var stopAfter: Double?
        public var seed: UInt64
        /// Paired with the other side's demo: this side's import lanes take the trucks the
        /// other side announced over the link instead of generated ones.
        public var paired = false

        public init(secondsPerTruck: Double = 3, stopAfter: Double? = nil, seed: UInt64 = 2026, paired: Bool = false) {
            self.secondsPerTruck = secondsPerTruck
            self.stopAfter = stopAfter
            self.seed = seed
            self.paired = paired
        }
    }

    let app: Application
    let baseURL: String
    let options: Options
    let side: DemoSide
    private let task = NIOLockedValueBox<Task<Void, Never>?>(nil)
    /// Distinguishes this run's device events from earlier runs' on the same database.
    let runId = String(UInt64(Date().timeIntervalSince1970 * 1000), radix: 36)
    /// This run's device key for each lane (`DemoAccounts.prepare`).
    let deviceKeys = NIOLockedValueBox([String: String]())
    /// The declarants' session tokens by tax code, from signing in through the API.
    let tokens = NIOLockedValueBox([String: String]())

    init(app: Application, baseURL: String, options: Options) {
        self.app = app
        self.baseURL = baseURL
        self.options = options
        self.side = .of(app.smartGate.settings.side)
    }

    /// Creates the demo accounts and this run's device keys (before the server starts).
    func prepare() async throws {
        let keys = try await DemoAccounts.prepare(app, runId: runId)
        deviceKeys.withLockedValue { $0 = keys }
        try await DemoRisk.prepare(app, seed: options.seed)
        for yard in try await yards() { try await DemoYard.prepare(app, gate: yard.gate, direction: .outbound) }
    }

    /// The export lanes whose gate has a waiting yard (its trucks book and queue), one per
    /// gate, with the yard's entry and exit.
    func yards() async throws -> [DemoYard] {
        let directory = try await app.smartGate.gates.snapshot(on: app.db)
        var yards: [DemoYard] = []
        for lane in side.exportLanes where !yards.contains(where: { $0.gate == lane.gate }) {
            let yardLanes = directory.yardLanes.values.filter { $0.gateId == lane.gate && $0.direction == .outbound }
            guard let entry = yardLanes.first(where: { $0.kind == .entry }), let exit = yardLanes.first(where: { $0.kind == .exit }) else { continue }
            yards.append(DemoYard(traffic: self, lane: lane.id, gate: lane.gate, entry: entry.id, exit: exit.id))
        }
        return yards
    }

    public func didBootAsync(_ application: Application) async throws {
        task.withLockedValue { $0 = Task { await self.run() } }
    }

    /// Drives the trucks through the API at `baseURL` until `stopAfter` (for ever without
    /// it), with no server of its own (`smartgate demo --drive URL`).
    public func drive() async {
        await run()
    }

    public func shutdownAsync(_ application: Application) async {
        let running = task.withLockedValue { $0 }
        running?.cancel()
        await running?.value
    }

    /// Prints one decision as a line of the demo's console.
    static func printDecision(_ decision: LaneDecision, _ lane: LaneProfile) {
        let codes = decision.reasons.filter { $0.severity != .info }.map(\.code.rawValue)
        let notes = decision.reasons.filter { $0.severity == .info }.map(\.code.rawValue)
        let plate = decision.plate.flatMap { try? VehiclePlate($0).display } ?? decision.plate ?? "—"
        var line = "\(Timestamp.format(Date()).dropFirst(11).prefix(8))  \(lane.id.padding(toLength: 22, withPad: " ", startingAt: 0))"
        line += "\(plate.padding(toLength: 13, withPad: " ", startingAt: 0))\(decision.outcome.rawValue.uppercased().padding(toLength: 8, withPad: " ", startingAt: 0))"
        line += (codes + notes.map { "(\($0))" }).joined(separator: " ")
        console(line)
    }

    /// Writes a line to standard output at once (stdout is block-buffered when piped).
    static func console(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    private func run() async {
        guard await waitUntilUp() else {
            app.logger.error("demo traffic: the server did not come up at \(baseURL)")
            return
        }
        for (trader, name) in [(side.exporter, "exporter"), (side.importer, "importer")] {
            guard let token = await signIn(side.email(name)) else { return }
            tokens.withLockedValue { $0[trader.taxCode] = token }
        }
        let freeLane = side.freeLane ?? "?"
        let readmeKey = deviceKeys.withLockedValue { $0[freeLane] } ?? "?"
        let accounts = DemoAccounts.accounts(knownGates: [], side: side).map { account in
            "    \(account.email.padding(toLength: 30, withPad: " ", startingAt: 0))\(account.role.rawValue)"
                + (account.enterprise.map { " of \($0)" } ?? "")
        }.joined(separator: "\n")
        Self.console("""

        SmartGate demo (\(side.side)) is running at \(baseURL)
          Open \(baseURL)/ in a browser (Tiếng Việt · 中文 · English) and sign in with an account below:
          customs@… sees gates, decisions and inspections live, exporter@… declares trips,
          board@… sees the key figures, corridor@… runs the corridor map.
          Demo accounts (password: \(DemoAccounts.password)):
        \(accounts)
          Sign in (the answer's "token" goes in Authorization: Bearer …):
            curl -s -X POST \(baseURL)/api/v1/auth/login -H 'Content-Type: application/json' \\
                 -d '{"email":"\(side.email("customs"))","password":"\(DemoAccounts.password)"}'
          then:  curl -s '\(baseURL)/api/v1/decisions?limit=5' -H "Authorization: Bearer $TOKEN"
          lane \(freeLane) is left free for the README's curl flow; its device key for this run:
            export DEVICE_KEY=\(readmeKey)
          metrics (from this host): curl -s \(baseURL)/metrics
        Trucks below are declared and read through the HTTP API; Ctrl-C stops.

        TIME      LANE                  PLATE        OUTCOME REASONS
        """)
        // Paired, the import lanes take the other side's announced trucks (`arrivalDesk`);
        // an export lane behind a waiting yard takes the yard's called trucks (`DemoYard`).
        let yards = (try? await yards()) ?? []
        let exports = side.exportLanes.filter { lane in !yards.contains { $0.lane == lane.id } }
            .map { (id: $0.id, gate: $0.gate, direction: TripDirection.export) }
        let imports = options.paired ? [] : side.importLanes.map { (id: $0.id, gate: $0.gate, direction: TripDirection.import) }
        let lanes = Self.interleaved(exports, imports)
        let deadline = options.stopAfter.map { Date().addingTimeInterval($0) }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.inspectionDesk(until: deadline) }
            if self.options.paired { group.addTask { await self.arrivalDesk() } }
            group.addTask { await self.corridorDesk(until: deadline) }
            for yard in yards { group.addTask { await yard.run(until: deadline) } }
            for (index, lane) in lanes.enumerated() {
                group.addTask {
                    var random = SplitMix64(seed: self.options.seed &+ UInt64(index) &* 7919)
                    var truck = 0
                    while !Task.isCancelled, deadline.map({ Date() < $0 }) ?? true {
                        truck += 1
                        var scenario = DemoTruck.make(
                            lane: lane.id, gate: lane.gate, direction: lane.direction, serial: truck, side: self.side, random: &random)
                        // Event ids and idempotency keys must not repeat a previous run's on the same database.
                        scenario.eventPrefix = "\(self.runId)-\(scenario.eventPrefix)"
                        await self.drive(scenario, random: &random)
                        let pause = self.options.secondsPerTruck * (0.5 + random.unit())
                        try? await Task.sleep(for: .milliseconds(Int(pause * 1000)))
                    }
                }
            }
        }
    }

    /// The lanes in the order their generators are seeded: the first export lane, the
    /// import lanes, the other export lanes (the order the single-side demo always had).
    static func interleaved<Lane>(_ exports: [Lane], _ imports: [Lane]) -> [Lane] {
        Array(exports.prefix(1)) + imports + Array(exports.dropFirst())
    }

    /// Paired with the other side: each truck it announced and then saw leave is driven
    /// through this side's import lane at its gate, read as its declaration says (the
    /// gate operator reads the arrival and its declaration through the API).
    private func arrivalDesk() async {
        guard let token = await signIn(side.email("operator")) else { return }
        let bearer = ("Authorization", "Bearer \(token)")
        struct Arrivals: Decodable {
            struct Item: Decodable { var id: String; var peer: String; var gate: String; var state: String; var plate: String; var declarationStatus: String }
            var items: [Item]
        }
        struct Record: Decodable {
            struct Vehicle: Decodable { var plate: String; var trailerPlate: String? }
            struct Container: Decodable { var number: String; var seals: [String] }
            var vehicle: Vehicle
            var containers: [Container]
            var expectedGrossKg: Double
        }
        var announced = Set<String>()
        var driven = Set<String>()
        var turn = 0
        var random = SplitMix64(seed: options.seed &+ 77)
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            guard let data = await get("/api/v1/arrivals?limit=100", credential: bearer),
                  let arrivals = try? JSONDecoder().decode(Arrivals.self, from: data) else { continue }
            for item in arrivals.items.reversed() {
                let plate = (try? VehiclePlate(item.plate).display) ?? item.plate
                if announced.insert(item.id).inserted {
                    Self.console("          LINK      \(plate) announced by \(item.peer), expected at \(item.gate)")
                }
                guard item.state == "departed", ["submitted", "amended"].contains(item.declarationStatus), driven.insert(item.id).inserted,
                      let lanes = Optional(side.importLanes.filter { $0.gate == item.gate }), !lanes.isEmpty,
                      let body = await get("/api/v1/declarations/\(item.id)", credential: bearer),
                      let record = try? JSONDecoder().decode(Record.self, from: body) else { continue }
                turn += 1
                let lane = lanes[turn % lanes.count].id
                func device(_ name: String) -> String { "\(lane)-\(name)" }
                var readings: [[String: Any]] = [["deviceId": device("anpr-front"), "kind": "plate", "plate": record.vehicle.plate, "confidence": 0.96]]
                if let trailer = record.vehicle.trailerPlate {
                    readings.append(["deviceId": device("anpr-rear"), "kind": "plate", "plate": trailer, "confidence": 0.95])
                }
                for container in record.containers {
                    readings.append(["deviceId": device("ocr"), "kind": "container", "container": container.number, "confidence": 0.93])
                    readings += container.seals.map { ["deviceId": device("rfid"), "kind": "seal", "seal": $0, "intact": true] }
                }
                readings.append(["deviceId": device("weighbridge"), "kind": "weight", "grossKg": (record.expectedGrossKg + Double(random.int(-120...120))).rounded()])
                readings.append(["deviceId": device("loop"), "kind": "ready"])
                readings.append(["deviceId": device("loop"), "kind": "passed"])
                Self.console("          LINK      \(plate) left \(item.peer): at \(lane) without a declaration here")
                await drive(DemoTruck(lane: lane, eventPrefix: "\(runId)-arrival-\(item.id.prefix(8))", declaration: nil, readings: readings, problem: .none),
                            random: &random)
            }
        }
    }

    /// The corridor operator orders containers over the bridge through the API, one side
    /// then the other, from a random handover bay to whichever far-side bay is free; the
    /// controller's crossings print as they happen.
    private func corridorDesk(until deadline: Date?) async {
        guard app.smartGate.corridor != nil, let token = await signIn(side.email("corridor")) else { return }
        let bearer = ("Authorization", "Bearer \(token)")
        var random = SplitMix64(seed: options.seed &+ 4_242)
        var count = 0
        while !Task.isCancelled, deadline.map({ Date() < $0 }) ?? true {
            count += 1
            let fromVietnam = count % 2 == 1
            let bay = "\(fromVietnam ? "VN" : "CN")-H\(Int(random.unit() * 6) + 1)"
            let container = DemoTruck.containerNumber(&random)
            if await post("/api/v1/corridor/orders", ["container": container, "from": bay, "to": fromVietnam ? "cn-handover" : "vn-handover"],
                          credential: bearer, idempotencyKey: "demo-\(runId)-corridor-\(count)") {
                Self.console("          CORRIDOR  order: \(container) from \(bay) to the \(fromVietnam ? "Chinese" : "Vietnamese") yard")
            }
            try? await Task.sleep(for: .milliseconds(Int(options.secondsPerTruck * 4_000 * (0.5 + random.unit()))))
        }
    }

    /// The demo's officer on duty at Kim Thành (`desk@`) works that queue through the API:
    /// each inspection assigned to them gets an outcome a few seconds later (mostly cleared,
    /// some discrepancies held, the odd seizure), which releases or holds the truck. The
    /// other gates' inspections wait for a person: `customs@` claims them on the pages.
    private func inspectionDesk(until deadline: Date?) async {
        guard let token = await signIn(side.email("desk")) else { return }
        let bearer = ("Authorization", "Bearer \(token)")
        // On duty at the main gate, where new work is assigned to them.
        _ = await send(.PUT, "/api/v1/inspections/duty", ["gate": side.deskGate, "onDuty": true], credential: bearer)
        var random = SplitMix64(seed: options.seed &+ 99)
        struct Queue: Decodable {
            struct Item: Decodable { var id: String; var gate: String; var plate: String; var channel: String; var status: String; var waitedSeconds: Int }
            var items: [Item]
        }
        while !Task.isCancelled, deadline.map({ Date() < $0.addingTimeInterval(30) }) ?? true {
            try? await Task.sleep(for: .seconds(2))
            guard let data = await get("/api/v1/inspections?limit=40", credential: bearer),
                  let queue = try? JSONDecoder().decode(Queue.self, from: data) else { continue }
            for item in queue.items where item.status != "done" && item.waitedSeconds >= (item.channel == "red" ? 8 : 4) {
                if item.status == "waiting", item.gate == side.deskGate,
                   await send(.POST, "/api/v1/inspections/\(item.id)/claim", [:], credential: bearer) == nil { continue }
                if item.status == "waiting" { continue }
                let roll = random.unit()
                let outcome: [String: Any] = roll < 0.8 ? ["outcome": "cleared"]
                    : roll < 0.95 ? ["outcome": "discrepancy", "details": "Gross mass differs from the packing list.",
                                     "corrections": [["field": "goods[0].grossKg", "found": "\(random.int(16...26) * 1000)"]]]
                    : ["outcome": "seized", "details": "Undeclared goods behind the declared cargo."]
                guard await send(.POST, "/api/v1/inspections/\(item.id)/outcome", outcome, credential: bearer) != nil else { continue }
                let moved = roll < 0.8 ? "RELEASED" : roll < 0.95 ? "HELD" : "REJECTED"
                let plate = (try? VehiclePlate(item.plate).display) ?? item.plate
                var line = "\(Timestamp.format(Date()).dropFirst(11).prefix(8))  \("officer, \(item.gate)".padding(toLength: 22, withPad: " ", startingAt: 0))"
                line += "\(plate.padding(toLength: 13, withPad: " ", startingAt: 0))\(moved.padding(toLength: 9, withPad: " ", startingAt: 0))"
                line += "\(item.channel) inspection: \(outcome["outcome"]!) after \(item.waitedSeconds) s"
                Self.console(line)
            }
        }
    }

    func get(_ path: String, credential: (name: String, value: String)) async -> Data? {
        guard let response = try? await app.client.get(URI(string: baseURL + path), headers: [credential.name: credential.value]),
              response.status == .ok, let body = response.body else { return nil }
        return Data(buffer: body)
    }

    func send(_ method: HTTPMethod, _ path: String, _ body: [String: Any], credential: (name: String, value: String)) async -> Data? {
        do {
            var headers: HTTPHeaders = ["Content-Type": "application/json"]
            headers.add(name: credential.name, value: credential.value)
            let data = try JSONSerialization.data(withJSONObject: body)
            let response = try await app.client.send(method, headers: headers, to: URI(string: baseURL + path)) { $0.body = ByteBuffer(data: data) }
            guard (200..<300).contains(response.status.code) else {
                app.logger.warning("demo officer: \(path) answered \(response.status.code)")
                return nil
            }
            return response.body.map { Data(buffer: $0) } ?? Data()
        } catch {
            return nil
        }
    }

    private func waitUntilUp() async -> Bool {
        for _ in 0..<100 {
            if Task.isCancelled { return false }
            if let response = try? await app.client.get(URI(string: "\(baseURL)/health")), response.status == .ok { return true }
            try? await Task.sleep(for: .milliseconds(200))
        }
        return false
    }

    /// Declares the truck (unless it is the undeclared one), then plays its readings.
    func drive(_ truck: DemoTruck, random: inout SplitMix64) async {
        if let declaration = truck.declaration {
            let taxCode = (declaration["declarant"] as? [String: Any])?["taxCode"] as? String ?? ""
            guard let token = tokens.withLockedValue({ $0[taxCode] }) else { return }
            guard await post("/api/v1/declarations", declaration, credential: ("Authorization", "Bearer \(token)"),
                             idempotencyKey: "demo-\(truck.eventPrefix)") else { return }
        }
        guard let key = deviceKeys.withLockedValue({ $0[truck.lane] }) else { return }
        for (index, reading) in truck.readings.enumerated() {
            var body = reading
            body["eventId"] = "\(truck.eventPrefix)-\(index)"
            body["observedAt"] = Timestamp.format(Date())
            guard await post("/api/v1/lanes/\(truck.lane)/readings", body, credential: ("X-Device-Key", key)) else { return }
            try? await Task.sleep(for: .milliseconds(Int(80 + random.unit() * 220)))
        }
    }

    /// Signs a demo declarant in through the API, as a trader's system would.
    func signIn(_ email: String) async -> String? {
        struct Session: Decodable { var token: String }
        do {
            let body = try JSONSerialization.data(withJSONObject: ["email": email, "password": DemoAccounts.password])
            let response = try await app.client.post(URI(string: baseURL + "/api/v1/auth/login"), headers: ["Content-Type": "application/json"]) {
                $0.body = ByteBuffer(data: body)
            }
            return try response.content.decode(Session.self).token
        } catch {
            app.logger.error("demo traffic: \(email) could not sign in: \(error)")
            return nil
        }
    }

    func post(_ path: String, _ body: [String: Any], credential: (name: String, value: String), idempotencyKey: String? = nil) async -> Bool {
        do {
            let data = try JSONSerialization.data(withJSONObject: body)
            var headers: HTTPHeaders = ["Content-Type": "application/json"]
            headers.add(name: credential.name, value: credential.value)
            if let idempotencyKey { headers.add(name: "Idempotency-Key", value: idempotencyKey) }
            let response = try await app.client.post(URI(string: baseURL + path), headers: headers) { request in
                request.body = ByteBuffer(data: data)
            }
            guard (200..<300).contains(response.status.code) else {
                let text = response.body.map { String(buffer: $0) } ?? ""
                app.logger.warning("demo traffic: \(path) answered \(response.status.code): \(text.prefix(300))")
                return false
            }
            return true
        } catch {
            if !Task.isCancelled { app.logger.warning("demo traffic: \(path) failed: \(error)") }
            return false
        }
    }
}
