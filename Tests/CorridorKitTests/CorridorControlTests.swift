import Foundation
import GateKit
import Testing
@testable import CorridorKit

/// An engine on the small test plant, always open, starting at t = 0.
func testEngine(vehicles: Int = 3, plant: CorridorPlant? = nil, windows: WindowCalendar? = .alwaysOpen(), start: Double = 0) -> CorridorEngine {
    let network = CorridorNetwork(plant ?? testPlant(vehicles: vehicles), windows: windows)
    return CorridorEngine(network: network, start: start)
}

func order(_ id: String, from: String, to: String, at time: Double = 0, dependsOn: [String] = [], priority: Int = 0) -> TransportOrder {
    TransportOrder(id: id, container: "CSQU3054383", from: from, to: to, priority: priority, dependsOn: dependsOn,
                   createdAt: Date(timeIntervalSince1970: time))
}

@Suite("Transport orders")
struct TransportOrderTests {
    static let expected: [TransportOrderState: Set<TransportOrderState>] = [
        .raw: [.dispatchable, .failed, .withdrawn],
        .dispatchable: [.beingProcessed, .failed, .withdrawn],
        .beingProcessed: [.dispatchable, .finished, .failed, .withdrawn],
        .finished: [], .failed: [], .withdrawn: [],
    ]

    @Test("the lifecycle table allows exactly these moves", arguments: TransportOrderState.allCases)
    func lifecycle(_ from: TransportOrderState) {
        for to in TransportOrderState.allCases {
            #expect(from.allows(to) == Self.expected[from]!.contains(to), "\(from.rawValue) → \(to.rawValue)")
        }
        #expect(from.isFinal == Self.expected[from]!.isEmpty)
    }

    static let network = CorridorNetwork(testPlant())
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static let badRequests: [(String, String, String)] = [
        (#"{"container":"CSQU3054384","from":"A-H1","to":"B-H1"}"#, "container", "container.check-digit"),
        (#"{"container":"CSQU3054383","from":"A-X9","to":"B-H1"}"#, "from", "corridor.location"),
        (#"{"container":"CSQU3054383","from":"A-H1","to":"A-H2"}"#, "to", "corridor.same-side"),
        (#"{"container":"CSQU3054383","from":"A-H1","to":"b-bays","colour":"red"}"#, "colour", "field.unknown"),
        (#"{"container":"CSQU3054383","from":"A-H1","to":"B-H1","priority":10}"#, "priority", "field.range"),
        (#"{"container":"CSQU3054383","from":"A-H1","to":"B-H1","deadline":"2020-01-01T00:00:00+07:00"}"#, "deadline", "corridor.deadline-past"),
        (#"{"container":"CSQU3054383","from":"A-P1","to":"B-H1"}"#, "from", "corridor.location"),
        (#"{"from":"A-H1","to":"B-H1"}"#, "container", "field.required"),
    ]

    @Test("a bad order is refused naming each field", arguments: badRequests)
    func badRequest(_ row: (String, String, String)) throws {
        let json = try JSONValue.parse(Data(row.0.utf8))
        do {
            _ = try TransportOrderRequest.parse(json, network: Self.network, now: Self.now)
            Issue.record("accepted \(row.0)")
        } catch {
            #expect(error.issues.contains { $0.field == row.1 && $0.code.rawValue == row.2 }, "\(error.issues)")
        }
    }

    @Test("a good order reads, to a bay or to a bay group")
    func goodRequest() throws {
        let json = try JSONValue.parse(Data(
            #"{"container":"csqu 305438-3","from":"A-H1","to":"b-bays","priority":5,"deadline":"2030-01-01T08:00:00+07:00","dependsOn":["TO-1"]}"#.utf8))
        let request = try TransportOrderRequest.parse(json, network: Self.network, now: Self.now)
        #expect(request.container.value == "CSQU3054383")
        #expect(request.to == "b-bays" && request.priority == 5 && request.dependsOn == ["TO-1"])
    }
}

@Suite("VDA 5050-style messages")
struct VehicleMessageTests {
    @Test("an order goes over the wire with RFC 3339 time and comes back equal")
    func roundTrip() throws {
        let order = VDA5050.Order(
            headerId: 7, timestamp: WireTime(1_800_000_000.5), serialNumber: "SH-01", orderId: "SH-01-3", orderUpdateId: 2,
            nodes: [VDA5050.Node(nodeId: "A-H1", sequenceId: 0, released: true, actions: []),
                    VDA5050.Node(nodeId: "A-HUB", sequenceId: 2, released: false, actions: [VDA5050.Action(.pick, id: "p1")])],
            edges: [VDA5050.Edge(edgeId: "A-H1>A-HUB", sequenceId: 1, released: false, startNodeId: "A-H1", endNodeId: "A-HUB",
                                 maxSpeed: 2.7, length: 40)])
        let data = try VDA5050.encode(order)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains(#""timestamp":"2027-01-15T08:00:00.500Z""#))
        #expect(text.contains(#""actionType":"pick""#) && text.contains(#""orderUpdateId":2"#))
        #expect(try VDA5050.decode(VDA5050.Order.self, from: data) == order)
    }

    @Test("a state with a timestamp that is not RFC 3339 is refused")
    func badTimestamp() {
        #expect(throws: DecodingError.self) {
            try VDA5050.decode(VDA5050.Connection.self, from: Data(
                #"{"headerId":1,"timestamp":"yesterday","version":"2.0.0","manufacturer":"x","serialNumber":"SH-01","connectionState":"ONLINE"}"#.utf8))
        }
    }
}

@Suite("Fleet control")
struct FleetControlTests {
    @Test("one order: loaded on one side, carried over the span, unloaded on the other")
    func singleOrder() throws {
        let engine = testEngine()
        var states: [TransportOrderState] = []
        var crossings: [(String, BorderSide)] = []
        engine.onEvent = { event in
            switch event {
            case .order(let o) where o.id == "O1" && states.last != o.state: states.append(o.state)
            case .crossing(let vehicle, let side, _): crossings.append((vehicle, side))
            default: break
            }
        }
        engine.submit(order("O1", from: "A-H3", to: "B-H5"))
        engine.run(until: 3_600)
        let done = try #require(engine.control.order("O1"))
        #expect(states == [.raw, .dispatchable, .beingProcessed, .finished])
        #expect(done.deliveredTo == "B-H5" && done.loadedAt != nil)
        #expect(crossings.count == 1 && crossings[0].1 == .vn)
        #expect(engine.checker.violations.isEmpty)
        // The vehicle nearest the bay took it (S1 and S2 park in yard A, S3 in yard B).
        #expect(done.vehicle == "S1" || done.vehicle == "S2")
    }

    @Test("crossings happen only inside the windows, and never two on the span")
    func windowsAndSpan() {
        // Open 06:00–08:00 and 18:30–20:00 UTC (Pò Chài–Tân Thanh's trial window in the evening).
        var plant = testPlant(vehicles: 6)
        plant.windows = CorridorWindows(daily: [DailyWindow(from: "06:00", to: "08:00"), DailyWindow(from: "18:30", to: "20:00")])
        let network = CorridorNetwork(plant)
        let engine = CorridorEngine(network: network, start: 0)
        var crossingTimes: [Double] = []
        engine.onEvent = { if case .crossing(_, _, let at) = $0 { crossingTimes.append(at) } }
        for i in 0..<24 {
            let a = "A-H\(i % 8 + 1)", b = "B-H\((i + 3) % 8 + 1)"
            engine.schedule(i % 2 == 0 ? order("O\(i)", from: a, to: "b-bays", at: Double(i) * 600)
                                       : order("O\(i)", from: b, to: "a-bays", at: Double(i) * 600), at: Double(i) * 600)
        }
        _ = engine.runUntilSettled(limit: 3 * 86_400)
        #expect(engine.control.allOrders.allSatisfy { $0.state == .finished })
        #expect(!crossingTimes.isEmpty)
        for time in crossingTimes { #expect(network.windows.window(containing: time) != nil, "crossing at \(time)") }
        #expect(engine.checker.crossings >= 24)
        #expect(engine.checker.mostOnBridge == 1)
        #expect(engine.checker.violations.isEmpty, "\(engine.checker.violations)")
        #expect(engine.checker.windowWaitSeconds > 0)
    }

    @Test("an order waits for the orders it depends on, and fails when one is withdrawn")
    func dependencies() throws {
        let engine = testEngine()
        engine.submit(order("A", from: "A-H1", to: "B-H1"))
        engine.submit(order("B", from: "A-H2", to: "B-H2", dependsOn: ["A"]))
        engine.submit(order("C", from: "A-H3", to: "B-H3"))
        engine.submit(order("D", from: "A-H4", to: "B-H4", dependsOn: ["C"]))
        #expect(engine.control.order("B")?.state == .raw)
        _ = try engine.withdraw("C")
        engine.run(until: 7_200)
        let b = try #require(engine.control.order("B")), a = try #require(engine.control.order("A"))
        #expect(b.state == .finished && b.finishedAt! > a.finishedAt!)
        #expect(engine.control.order("D")?.state == .failed)
        #expect(engine.control.order("D")?.reason?.contains("C") == true)
    }

    @Test("withdrawing reaches a final state at once, loaded or not, and the vehicle goes on working")
    func withdraw() throws {
        let engine = testEngine(vehicles: 1)
        engine.submit(order("O1", from: "A-H1", to: "B-H1"))
        engine.run(until: 20)
        let first = try engine.withdraw("O1")
        #expect(first.state == .withdrawn)
        #expect(throws: CorridorCommandError.finalState(.withdrawn)) { try engine.withdraw("O1") }
        #expect(throws: CorridorCommandError.unknownOrder("nope")) { try engine.withdraw("nope") }
        engine.submit(order("O2", from: "A-H2", to: "B-H2"))
        // Loaded and on its way: withdrawn now, and the container is put down at a free bay.
        var loaded = false
        for _ in 0..<400 where !loaded {
            engine.run(until: engine.now + 5)
            loaded = engine.control.order("O2")?.loadedAt != nil
        }
        #expect(loaded)
        #expect(try engine.withdraw("O2").state == .withdrawn)
        engine.submit(order("O3", from: "A-H3", to: "B-H3", at: engine.now))
        engine.run(until: engine.now + 7_200)
        #expect(engine.control.order("O3")?.state == .finished)
        #expect(engine.control.order("O2")?.reason?.contains("left at") == true)
        #expect(engine.shuttles[0].load == nil)
        #expect(engine.checker.violations.isEmpty)
    }

    @Test("a silent vehicle becomes UNKNOWN, keeps its blocks, and its order goes to another")
    func silentVehicle() throws {
        let engine = testEngine(vehicles: 2)
        var health: [(String, VehicleHealth)] = []
        engine.onEvent = { if case .health(let vehicle, let h, _) = $0 { health.append((vehicle, h)) } }
        engine.submit(order("O1", from: "A-H1", to: "B-H1"))
        let first = try #require(engine.control.order("O1")?.vehicle)
        let index = engine.network.shuttleIndex[first]!
        engine.inject(.silence(seconds: 600), into: index, at: 1)
        engine.run(until: 200)
        #expect(health.contains { $0.0 == first && $0.1 == .unknown })
        // It still holds where it was last seen.
        #expect(engine.control.vehicles[index].holds.isEmpty == false)
        engine.run(until: 3_600)
        let done = try #require(engine.control.order("O1"))
        #expect(done.state == .finished)
        #expect(health.contains { $0.0 == first && $0.1 == .ok })
        #expect(engine.checker.violations.isEmpty, "\(engine.checker.violations)")
    }

    @Test("a breakdown on the span blocks the others without counting as starvation")
    func breakdownOnSpan() throws {
        let engine = testEngine(vehicles: 3)
        engine.submit(order("O1", from: "A-H1", to: "B-H1"))
        engine.submit(order("O2", from: "B-H2", to: "A-H2"))
        // Find the moment the first vehicle is on the span and break it down there.
        var onSpan: Int?
        while onSpan == nil && engine.now < 3_600 {
            engine.run(until: engine.now + 1)
            onSpan = engine.control.vehicles.indices.first { v in
                engine.control.vehicles[v].holds.contains { $0.resource == engine.network.bridgeResource } && engine.control.vehicles[v].onEdge
                    && engine.shuttles[v].edge.map { engine.network.paths[$0].onBridge } == true
            }
        }
        let broken = try #require(onSpan)
        engine.inject(.breakdown(seconds: 5_400), into: broken, at: engine.now)
        engine.run(until: engine.now + 7_200)
        #expect(engine.checker.blockedByFaultSeconds > 0)
        #expect(engine.control.allOrders.allSatisfy { $0.state == .finished })
        #expect(engine.checker.violations.isEmpty, "\(engine.checker.violations)")
    }

    @Test("an emergency stop reaches every vehicle, even with one silent, and work resumes after")
    func emergencyStop() throws {
        let engine = testEngine(vehicles: 3)
        for i in 1...3 { engine.submit(order("O\(i)", from: "A-H\(i)", to: "B-H\(i)")) }
        engine.inject(.silence(seconds: 120), into: 2, at: 5)
        engine.run(until: 30)
        engine.emergencyStop()
        #expect(engine.shuttles[0].emergencyStopped && engine.shuttles[1].emergencyStopped)
        #expect(!engine.shuttles[2].emergencyStopped)  // silent: it could not hear it
        let frozen = engine.shuttles.map(\.point)
        engine.run(until: 300)
        #expect(engine.shuttles[0].point == frozen[0] && engine.shuttles[1].point == frozen[1])
        engine.releaseEmergencyStop()
        engine.run(until: 7_200)
        #expect(engine.control.allOrders.allSatisfy { $0.state == .finished })
        #expect(engine.checker.violations.isEmpty, "\(engine.checker.violations)")
    }

    @Test("a vehicle taken out of service has its order reassigned")
    func outOfService() throws {
        let engine = testEngine(vehicles: 2)
        engine.submit(order("O1", from: "A-H1", to: "B-H1"))
        let first = try #require(engine.control.order("O1")?.vehicle)
        try engine.setInService(first, false)
        #expect(engine.control.order("O1")?.vehicle != first)
        engine.run(until: 3_600)
        #expect(engine.control.order("O1")?.state == .finished)
        #expect(engine.control.order("O1")?.vehicle != first)
        #expect(throws: CorridorCommandError.unknownVehicle("X")) { try engine.setInService("X", false) }
    }

    @Test("paused, nothing new is granted; resumed, everything finishes")
    func pause() {
        let engine = testEngine(vehicles: 2)
        engine.pause()
        engine.submit(order("O1", from: "A-H1", to: "B-H1"))
        engine.run(until: 1_800)
        #expect(engine.control.order("O1")?.state != .finished)
        #expect(engine.checker.violations.isEmpty)
        engine.resume()
        engine.run(until: 5_400)
        #expect(engine.control.order("O1")?.state == .finished)
    }
}

@Suite("External vehicles")
struct ExternalVehicleTests {
    static func state(_ vehicle: String, at node: String, time: Double) -> VDA5050.State {
        report(vehicle, at: node, time: time)
    }

    @Test("a link replaced by a newer one, or detached, is no longer the vehicle's")
    func replacedLink() throws {
        let engine = testEngine(vehicles: 1)
        let old = try engine.attach("S1") { _ in }
        let new = try engine.attach("S1") { _ in }
        #expect(!engine.isCurrentLink("S1", generation: old) && engine.isCurrentLink("S1", generation: new))
        engine.detach("S1", generation: old)  // the old socket closing late leaves the new link
        #expect(engine.isCurrentLink("S1", generation: new))
        engine.detach("S1", generation: new)
        #expect(!engine.isCurrentLink("S1", generation: new) && !engine.isCurrentLink("S9", generation: new))
    }

    @Test("an attached vehicle gets its orders over the link, and going silent hands the work back")
    func attached() throws {
        let engine = testEngine(vehicles: 1)
        var received: [VehicleCommand] = []
        try engine.attach("S1") { received.append($0) }
        #expect(throws: CorridorEngine.LinkError.elsewhere(reported: "A-H1", known: "A-P1")) {
            try engine.receiveExternal(Self.state("S1", at: "A-H1", time: 0), on: "S1", first: true)
        }
        try engine.receiveExternal(Self.state("S1", at: "A-P1", time: 0), on: "S1", first: true)
        #expect(throws: CorridorEngine.LinkError.wrongVehicle(expected: "S1", got: "S2")) {
            try engine.receiveExternal(Self.state("S2", at: "A-P1", time: 0), on: "S1", first: false)
        }
        engine.submit(order("O1", from: "A-H2", to: "B-H2"))
        let orders = received.compactMap { command -> VDA5050.Order? in
            if case .order(let order) = command { return order } else { return nil }
        }
        let first = try #require(orders.first)
        #expect(first.serialNumber == "S1" && first.nodes.first?.nodeId == "A-P1" && first.nodes.last?.nodeId == "A-H2")
        #expect(first.nodes.allSatisfy { $0.released })  // no span on the way to the bay: granted whole
        #expect(first.nodes.last?.actions.first?.actionType == .pick)
        // The simulated twin does not move it: only its own reports would.
        engine.run(until: 200)
        #expect(engine.control.vehicleStatus[0].health == .unknown)
        #expect(engine.control.order("O1")?.state == .dispatchable)
        #expect(engine.checker.violations.isEmpty)
    }

    /// A real shuttle outside the engine, driven by the link: a second simulated shuttle
    /// that hears the link's commands and whose reports go back over it.
    final class LinkedShuttle {
        let shuttle: SimulatedShuttle
        let engine: CorridorEngine
        var linked = true
        var generation = 0

        init(_ engine: CorridorEngine, id: String) throws {
            self.engine = engine
            let spec = engine.network.shuttles.first { $0.id == id }!
            shuttle = SimulatedShuttle(spec: spec, network: engine.network, at: engine.network.locations[engine.network.locationIndex[spec.home]!].point)
            generation = try engine.attach(id) { [unowned self] command in
                guard self.linked else { return }
                switch command {
                case .order(let order): self.shuttle.receive(order, now: engine.now)
                case .instantActions(let actions): self.shuttle.receive(actions, now: engine.now)
                }
            }
        }

        /// Runs the engine and the real shuttle together, a second at a time.
        func run(until end: Double, while condition: () -> Bool = { true }) throws {
            var first = true
            while engine.now < end && condition() {
                let next = engine.now + 1
                while let due = shuttle.timers.indices.filter({ shuttle.timers[$0].0 <= next }).min(by: { shuttle.timers[$0].0 < shuttle.timers[$1].0 }) {
                    let (time, timer) = shuttle.timers.remove(at: due)
                    engine.run(until: max(engine.now, time))
                    shuttle.fire(timer, now: max(engine.now, time))
                }
                if Int(next) % 2 == 0 { shuttle.heartbeat(now: next) }
                engine.run(until: next)
                let states = shuttle.outbox
                shuttle.outbox.removeAll()
                if linked { for state in states { try engine.receiveExternal(state, on: shuttle.spec.id, first: first); first = false } }
            }
        }
    }

    @Test("a real shuttle whose link closes goes back to its simulated twin after the silence timeout, load and all")
    func linkClosesThenSimulationTakesOver() throws {
        let engine = testEngine(vehicles: 1)
        let real = try LinkedShuttle(engine, id: "S1")
        real.shuttle.heartbeat(now: 0)
        engine.submit(order("O1", from: "A-H2", to: "B-H2"))
        // Linked, the real shuttle drives to the bay and picks the container up.
        try real.run(until: 3_600) { real.shuttle.load == nil }
        try #require(real.shuttle.load != nil, "the real shuttle never picked up")
        #expect(engine.isLinked("S1"))
        // The link closes with the container on board.
        real.linked = false
        engine.detach("S1", generation: real.generation)
        let closedAt = engine.now
        let silence = engine.network.plant.operations.silentAfterSeconds
        engine.run(until: closedAt + silence - 1)
        #expect(engine.isLinked("S1"), "still waiting for the silence timeout")
        engine.run(until: closedAt + silence + 1)
        #expect(!engine.isLinked("S1"))
        #expect(engine.control.vehicleStatus[0].health == .ok)
        #expect(engine.shuttles[0].load != nil, "the twin carries the container the real shuttle reported")
        // The twin finishes the work.
        _ = engine.runUntilSettled(limit: closedAt + 6 * 3_600)
        #expect(engine.control.order("O1")?.state == .finished)
        #expect(engine.checker.violations.isEmpty, "\(engine.checker.violations)")
    }

    @Test("a link opened again before the timeout keeps the vehicle on the link")
    func relinkedInTime() throws {
        let engine = testEngine(vehicles: 1)
        let first = try engine.attach("S1") { _ in }
        engine.detach("S1", generation: first)
        engine.run(until: 10)
        try engine.attach("S1") { _ in }
        engine.run(until: 10 + engine.network.plant.operations.silentAfterSeconds * 2)
        #expect(engine.isLinked("S1"))
    }

    @Test("an old link closing late does not cut the gateway's new one")
    func oldLinkClosesLate() throws {
        let engine = testEngine(vehicles: 1)
        var heard = 0
        let old = try engine.attach("S1") { _ in }
        try engine.attach("S1") { _ in heard += 1 }
        engine.detach("S1", generation: old)
        engine.run(until: engine.network.plant.operations.silentAfterSeconds * 2)
        #expect(engine.isLinked("S1"))
        try engine.receiveExternal(Self.state("S1", at: "A-P1", time: engine.now), on: "S1", first: true)
        engine.submit(order("O1", from: "A-H2", to: "B-H2"))
        #expect(heard > 0, "the new link still gets the vehicle's orders")
    }

    @Test("a twin that stood mid-edge while linked starts standing when the link closes unreported")
    func twinTakesOverWithoutReport() throws {
        let engine = testEngine(vehicles: 1)
        engine.submit(order("O1", from: "A-H2", to: "B-H2"))
        engine.run(until: 5)
        let link = try engine.attach("S1") { _ in }
        engine.detach("S1", generation: link)
        _ = engine.runUntilSettled(limit: 6 * 3_600)
        #expect(!engine.isLinked("S1"))
        #expect(engine.control.order("O1")?.state == .finished)
        #expect(engine.checker.violations.isEmpty, "\(engine.checker.violations)")
    }
}

/// The bay queues the dispatcher reads its candidates from.
@Suite struct OrderedIDsTests {
    @Test func anIdRemovedAndAddedAgainIsVisitedOnce() {
        // Found by the digital twin: an order handed back to dispatch was visited twice and
        // given to two shuttles in one round.
        let orders = ["a": 1.0, "b": 2.0, "c": 3.0].mapValues {
            TransportOrder(id: "", container: "", from: "", to: "", createdAt: Date(timeIntervalSince1970: $0))
        }
        var queue = OrderedIDs()
        for id in ["a", "b", "c"] { queue.insert(id, createdAt: orders[id]!.createdAt, in: orders) }
        queue.remove("b")
        queue.insert("b", createdAt: orders["b"]!.createdAt, in: orders)
        var visited: [String] = []
        queue.visit { visited.append($0); return true }
        #expect(visited == ["a", "b", "c"])
        #expect(Array(queue) == ["a", "b", "c"])
        queue.remove("b")
        queue.append("b")
        #expect(Array(queue) == ["a", "c", "b"])
    }
}
