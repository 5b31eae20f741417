import Foundation

/// A fault the simulation (or a test) can inject into one shuttle.
public enum ShuttleFault: Sendable, Equatable {
    /// Stops reporting and hearing for a while; keeps driving what it was granted.
    case silence(seconds: Double)
    /// A drive fault: stands still with a fatal error until repaired.
    case breakdown(seconds: Double)
}

/// Runs the fleet controller, the built-in shuttles and the safety checker together in
/// event time. Used as fast as possible by `corridor simulate`, the tests and the twin,
/// and in step with the clock by the server. Not thread-safe: one owner drives it.
public final class CorridorEngine {
    enum Event {
        case timer(Int, ShuttleTimer)
        case heartbeat(Int)
        case tick
        case fault(Int, ShuttleFault)
        case recover(Int, ShuttleFault)
        case emergency(Bool)
        /// An index into `scheduled`: heap entries stay small.
        case submit(Int)
        /// A closed link's vehicle goes back to its simulated twin, unless linked again
        /// since (the link generation no longer matches).
        case returnToSimulation(Int, generation: Int)
    }

    public let network: CorridorNetwork
    public let control: FleetControl
    public let checker: SafetyChecker
    public private(set) var shuttles: [SimulatedShuttle]
    public private(set) var now: Double
    private var queue = EventQueue<Event>()
    /// Vehicles driven from outside (a real shuttle over a link): their commands go to
    /// the sink, and their simulated twin stands still.
    private var external: [Int: (VehicleCommand) -> Void] = [:]
    /// Counts each vehicle's attaches and detaches, so a return scheduled by an old
    /// detach does not take a vehicle from a link opened since.
    private var linkGeneration: [Int: Int] = [:]
    /// The last state each external vehicle reported, where its twin takes over.
    private var lastExternalState: [Int: VDA5050.State] = [:]
    private var scheduled: [TransportOrder] = []
    /// Called for every controller event (order transitions, health, crossings).
    public var onEvent: ((CorridorEvent) -> Void)?
    /// Seconds between checker and controller ticks (at most 5, so a cycle shows within 5 s).
    public let tickSeconds: Double

    /// Builds the fleet at home, all batteries at `batteryFraction`, at Unix time `start`;
    /// the controller pairs vehicles and orders by `policy`.
    public init(network: CorridorNetwork, start: Double, batteryFraction: Double = 1, tickSeconds: Double = 5,
                policy: DispatchPolicy = .smartgate) {
        self.network = network
        now = start
        self.tickSeconds = min(5, tickSeconds)
        control = FleetControl(network: network, now: start, batteryFraction: batteryFraction, policy: policy)
        checker = SafetyChecker(network: network)
        shuttles = network.shuttles.map { spec in
            SimulatedShuttle(spec: spec, network: network, at: network.locations[network.locationIndex[spec.home]!].point,
                             batteryFraction: batteryFraction)
        }
        for v in shuttles.indices {
            queue.push(start + network.plant.operations.reportEverySeconds * Double(v + 1) / Double(shuttles.count), .heartbeat(v))
            shuttles[v].heartbeat(now: start)
        }
        queue.push(start + self.tickSeconds, .tick)
        flush()
    }

    // MARK: time

    /// Processes every event up to `time`, then stands at `time`.
    public func run(until time: Double) {
        while let next = queue.peekTime, next <= time {
            let (at, event) = queue.pop()!
            now = at
            handle(event)
        }
        now = max(now, time)
    }

    /// Runs until every order has ended or `limit` is reached; returns the time reached.
    public func runUntilSettled(limit: Double, step: Double = 600) -> Double {
        while now < limit {
            run(until: min(limit, now + step))
            if control.openOrders.isEmpty && !queue.contains(where: { if case .submit = $0 { true } else { false } }) { break }
        }
        return now
    }

    // MARK: commands

    /// Submits an order now.
    public func submit(_ order: TransportOrder) {
        control.submit(order, now: now)
        flush()
    }

    /// Submits an order at a later time.
    public func schedule(_ order: TransportOrder, at time: Double) {
        scheduled.append(order)
        queue.push(time, .submit(scheduled.count - 1))
    }

    /// Withdraws an order now.
    public func withdraw(_ id: String) throws(CorridorCommandError) -> TransportOrder {
        let order = try control.withdraw(id, now: now)
        flush()
        return order
    }

    public func pause() {
        control.pause(now: now)
        checker.noteCorridorPaused(true)
    }

    public func resume() {
        control.resume(now: now)
        checker.noteCorridorPaused(false)
        flush()
    }

    /// An emergency stop now, released after `seconds` (nil: until ``releaseEmergencyStop()``).
    public func emergencyStop(releaseAfter seconds: Double? = nil) {
        control.emergencyStop(now: now)
        flush()
        if let seconds { queue.push(now + seconds, .emergency(false)) }
    }

    public func releaseEmergencyStop() {
        control.releaseEmergencyStop(now: now)
        flush()
    }

    public func setInService(_ vehicle: String, _ inService: Bool) throws(CorridorCommandError) {
        try control.setInService(vehicle, inService, now: now)
        flush()
    }

    /// Injects a fault at `time` into the shuttle at `index`.
    public func inject(_ fault: ShuttleFault, into index: Int, at time: Double) { queue.push(time, .fault(index, fault)) }

    /// Schedules an emergency stop from `time` for `seconds`.
    public func scheduleEmergencyStop(at time: Double, seconds: Double) {
        queue.push(time, .emergency(true))
        queue.push(time + seconds, .emergency(false))
    }

    // MARK: external vehicles

    /// Why an external vehicle's message was refused.
    public enum LinkError: Error, Sendable, Equatable, CustomStringConvertible {
        case unknownVehicle(String)
        case wrongVehicle(expected: String, got: String)
        case elsewhere(reported: String, known: String)
        /// A newer link of the vehicle took over from this one, or this one was closed.
        case replaced(String)

        public var description: String {
            switch self {
            case .unknownVehicle(let id): "no vehicle \(id) in the fleet"
            case .replaced(let id): "a newer link of \(id) replaced this one; connect again"
            case .wrongVehicle(let expected, let got): "this link is \(expected)'s; the state is \(got)'s"
            case .elsewhere(let reported, let known):
                "the vehicle reports itself at \(reported), where the controller holds it at \(known); bring it there before connecting"
            }
        }
    }

    /// Hands the vehicle `id` to an outside link: from now on its commands go to `sink`
    /// and only the states given to ``receiveExternal(_:)`` move it. Its first state must
    /// put it where the controller holds it. Returns the link's generation, which its
    /// ``detach(_:generation:)`` names: a gateway that reconnects before its old socket is
    /// seen closing keeps the new link when the old one closes.
    @discardableResult
    public func attach(_ id: String, sink: @escaping (VehicleCommand) -> Void) throws(LinkError) -> Int {
        guard let v = network.shuttleIndex[id] else { throw .unknownVehicle(id) }
        external[v] = sink
        linkGeneration[v, default: 0] += 1
        shuttles[v].silent = true
        return linkGeneration[v]!
    }

    /// The link dropped: the vehicle stays external and, silent, becomes UNKNOWN after the
    /// plant's silence timeout; at that moment, unless linked again, its simulated twin
    /// takes over from its last report (a corridor without its real shuttle keeps a
    /// working fleet instead of an obstacle that stays UNKNOWN for ever).
    public func detach(_ id: String, generation: Int) {
        guard let v = network.shuttleIndex[id], external[v] != nil, linkGeneration[v] == generation else { return }
        external[v] = { _ in }
        linkGeneration[v, default: 0] += 1
        queue.push(now + network.plant.operations.silentAfterSeconds, .returnToSimulation(v, generation: linkGeneration[v]!))
    }

    /// Whether `generation` is the vehicle `id`'s link now: one a newer link replaced, or
    /// one detached, is not (its late states must not move the vehicle).
    public func isCurrentLink(_ id: String, generation: Int) -> Bool {
        network.shuttleIndex[id].map { external[$0] != nil && linkGeneration[$0] == generation } ?? false
    }

    /// Whether the vehicle `id` is driven over a link (or its link closed and its twin has
    /// not yet taken over).
    public func isLinked(_ id: String) -> Bool {
        network.shuttleIndex[id].map { external[$0] != nil } ?? false
    }

    /// A state from an external vehicle's link.
    public func receiveExternal(_ state: VDA5050.State, on id: String, first: Bool) throws(LinkError) {
        guard let v = network.shuttleIndex[id], external[v] != nil else { throw .unknownVehicle(id) }
        guard state.serialNumber == id else { throw .wrongVehicle(expected: id, got: state.serialNumber) }
        if first {
            let known = network.pointIDs[control.vehicles[v].point]
            guard state.lastNodeId == known else { throw .elsewhere(reported: state.lastNodeId, known: known) }
        }
        lastExternalState[v] = state
        checker.observe(state, now: now)
        control.receive(state, now: now)
        flush(v)
    }

    // MARK: events

    private func handle(_ event: Event) {
        switch event {
        case .timer(let v, let timer):
            if external[v] != nil { return }
            shuttles[v].fire(timer, now: now)
            return flush(v)
        case .heartbeat(let v):
            queue.push(now + network.plant.operations.reportEverySeconds, .heartbeat(v))
            if external[v] != nil { return }
            shuttles[v].heartbeat(now: now)
            return flush(v)
        case .tick:
            control.tick(now: now)
            let before = checker.violations.count
            checker.tick(now: now)
            if before == 0, !checker.violations.isEmpty, ProcessInfo.processInfo.environment["CORRIDOR_DEBUG"] != nil {
                print(control.diagnosis.joined(separator: "\n"))
            }
            queue.push(now + tickSeconds, .tick)
        case .fault(let v, let fault):
            switch fault {
            case .silence(let seconds):
                shuttles[v].silent = true
                queue.push(now + seconds, .recover(v, fault))
            case .breakdown(let seconds):
                shuttles[v].breakDown(now: now)
                queue.push(now + seconds, .recover(v, fault))
            }
        case .recover(let v, let fault):
            switch fault {
            case .silence:
                shuttles[v].silent = false
                shuttles[v].heartbeat(now: now)
            case .breakdown:
                shuttles[v].repair(now: now)
            }
        case .emergency(let on):
            if on { control.emergencyStop(now: now) } else { control.releaseEmergencyStop(now: now) }
        case .submit(let index):
            control.submit(scheduled[index], now: now)
        case .returnToSimulation(let v, let generation):
            guard linkGeneration[v] == generation, external[v] != nil else { break }
            external[v] = nil
            shuttles[v].takeOver(from: lastExternalState.removeValue(forKey: v), now: now)
            return flush(v)
        }
        flush()
    }

    /// Carries messages both ways until nothing is left to deliver. Only shuttles that
    /// were spoken to or fired a timer can have anything to send.
    private func flush(_ touched: Int? = nil) {
        var pending: [Int] = touched.map { [$0] } ?? Array(shuttles.indices)
        while true {
            for v in pending {
                let shuttle = shuttles[v]
                if !shuttle.timers.isEmpty {
                    for (time, timer) in shuttle.timers { queue.push(time, .timer(v, timer)) }
                    shuttle.timers.removeAll(keepingCapacity: true)
                }
                guard !shuttle.outbox.isEmpty else { continue }
                var states: [VDA5050.State] = []
                swap(&states, &shuttle.outbox)
                if shuttle.silent { continue }
                for state in states {
                    checker.observe(state, from: v, now: now)
                    control.receive(state, from: v, now: now)
                }
            }
            if !control.events.isEmpty {
                let events = control.events
                control.events.removeAll(keepingCapacity: true)
                if let onEvent { events.forEach(onEvent) }
            }
            guard !control.outbox.isEmpty else { return }
            var commands: [(vehicle: Int, command: VehicleCommand)] = []
            swap(&commands, &control.outbox)
            pending.removeAll(keepingCapacity: true)
            for (v, command) in commands {
                if let sink = external[v] {
                    sink(command)
                    continue
                }
                if shuttles[v].silent { continue }
                switch command {
                case .order(let order): shuttles[v].receive(order, now: now)
                case .instantActions(let actions): shuttles[v].receive(actions, now: now)
                }
                if !pending.contains(v) { pending.append(v) }
            }
        }
    }
}

/// A binary min-heap of timed events; ties keep insertion order.
struct EventQueue<Element> {
    private var heap: [(time: Double, seq: Int, element: Element)] = []
    private var seq = 0

    var peekTime: Double? { heap.first?.time }

    func contains(where predicate: (Element) -> Bool) -> Bool { heap.contains { predicate($0.element) } }

    mutating func push(_ time: Double, _ element: Element) {
        seq += 1
        heap.append((time, seq, element))
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard less(i, parent) else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> (Double, Element)? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let top = heap.removeLast()
        var i = 0
        while true {
            let left = 2 * i + 1, right = left + 1
            var smallest = i
            if left < heap.count && less(left, smallest) { smallest = left }
            if right < heap.count && less(right, smallest) { smallest = right }
            if smallest == i { break }
            heap.swapAt(i, smallest)
            i = smallest
        }
        return (top.time, top.element)
    }

    private func less(_ a: Int, _ b: Int) -> Bool {
        heap[a].time < heap[b].time || (heap[a].time == heap[b].time && heap[a].seq < heap[b].seq)
    }
}
