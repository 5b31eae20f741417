import Foundation

/// Something a simulated shuttle needs to happen later: the end of an edge or of an action.
public enum ShuttleTimer: Sendable, Equatable {
    case arrive(generation: Int)
    case actionDone(generation: Int)
}

/// A built-in shuttle: it drives released edges at constant speed, loads and unloads,
/// drains and charges its battery, obeys instant actions and can be made to fail. It
/// speaks only VDA 5050-style messages; the controller never touches its physics.
public final class SimulatedShuttle {
    public let spec: ShuttleSpec
    let network: CorridorNetwork
    let loadSeconds: Double
    let unloadSeconds: Double

    /// The last node reached.
    public private(set) var point: Int
    /// The path under the vehicle, if it is between nodes.
    public private(set) var edge: Int?
    private var edgeDone = 0.0
    private var legStart = 0.0
    private var moving = false
    public private(set) var batteryKWh: Double
    /// Energy drawn from the battery so far.
    public private(set) var energyUsedKWh = 0.0
    public private(set) var charging = false
    private var chargeSince = 0.0
    public private(set) var load: String?
    public private(set) var emergencyStopped = false
    public private(set) var paused = false
    /// A drive fault: stands still and reports a fatal error.
    public private(set) var broken = false
    /// Neither sends nor receives; drives on along what was already released.
    public var silent = false
    private var generation = 0
    private var headerId = 0

    private var orderId = ""
    private var orderUpdateId = 0
    private var nodes: [VDA5050.Node] = []
    private var edges: [VDA5050.Edge] = []
    private var nodePoints: [Int] = []
    /// Index in `nodes` of the last node reached.
    private var at = 0
    private var actionStates: [VDA5050.ActionState] = []
    private var runningAction: (VDA5050.Action, end: Double)?
    private var lastState: VDA5050.State?

    /// States to deliver and timers to set, drained by the engine after every call.
    public var outbox: [VDA5050.State] = []
    public var timers: [(Double, ShuttleTimer)] = []

    public init(spec: ShuttleSpec, network: CorridorNetwork, at point: Int, batteryFraction: Double = 1) {
        self.spec = spec
        self.network = network
        self.point = point
        loadSeconds = network.plant.operations.loadSeconds
        unloadSeconds = network.plant.operations.unloadSeconds
        batteryKWh = spec.batteryKWh * batteryFraction
    }

    private var speed: Double { min(network.paths[edge!].maxSpeed, spec.maxSpeedKmh / 3.6) }

    // MARK: messages in

    /// Accepts a new order starting where the vehicle stands, or an update of the current one.
    public func receive(_ order: VDA5050.Order, now: Double) {
        if order.orderId == orderId {
            guard order.orderUpdateId > orderUpdateId else { return }
            // Keep the progress made: the update restates the route from its first node.
            let reachedSequence = nodes.isEmpty ? 0 : nodes[at].sequenceId
            nodes = order.nodes
            edges = order.edges
            nodePoints = nodes.map { network.pointIndex[$0.nodeId] ?? point }
            at = nodes.firstIndex { $0.sequenceId == reachedSequence } ?? at
        } else {
            guard !moving, edge == nil, order.nodes.first?.nodeId == network.pointIDs[point] else {
                report(now, error: VDA5050.VehicleError(errorType: "orderError", errorLevel: .warning,
                                                        errorDescription: "order \(order.orderId) does not start where the vehicle stands"))
                return
            }
            orderId = order.orderId
            nodes = order.nodes
            edges = order.edges
            nodePoints = nodes.map { network.pointIndex[$0.nodeId] ?? point }
            at = 0
            actionStates = nodes.flatMap { node in
                node.actions.map { VDA5050.ActionState(actionId: $0.actionId, actionType: $0.actionType, actionStatus: .waiting) }
            }
        }
        orderUpdateId = order.orderUpdateId
        proceed(now)
        report(now)
    }

    /// Carries out instant actions at once.
    public func receive(_ message: VDA5050.InstantActions, now: Double) {
        for action in message.actions {
            switch action.actionType {
            case .emergencyStop:
                halt(now)
                emergencyStopped = true
            case .releaseEmergencyStop:
                emergencyStopped = false
            case .startPause:
                halt(now)
                paused = true
            case .stopPause:
                paused = false
            case .stopCharging:
                settleBattery(now)
                charging = false
            case .startCharging:
                settleBattery(now)
                charging = true
                chargeSince = now
            case .cancelOrder:
                // Stop at the next node: the one ahead when between nodes, else here.
                let keep = edge == nil ? at : at + 1
                if keep + 1 < nodes.count {
                    nodes.removeSubrange((keep + 1)...)
                    edges.removeSubrange(keep...)
                    nodePoints.removeSubrange((keep + 1)...)
                }
                for i in actionStates.indices where actionStates[i].actionStatus == .waiting {
                    actionStates[i].actionStatus = .failed
                }
                for i in nodes.indices { nodes[i].actions.removeAll() }
                if let (running, _) = runningAction {
                    // A pick or drop not yet done is abandoned: the crane puts the box back.
                    runningAction = nil
                    generation += 1
                    setStatus(running.actionId, .failed)
                }
            case .pick, .drop:
                break
            }
        }
        proceed(now)
        report(now)
    }

    // MARK: faults (injected by tests and the simulation)

    /// Stops where it is and reports a fatal drive fault.
    public func breakDown(now: Double) {
        halt(now)
        broken = true
        report(now)
    }

    /// Clears the drive fault and carries on.
    public func repair(now: Double) {
        broken = false
        proceed(now)
        report(now)
    }

    // MARK: a real vehicle's link dropped

    /// Takes over from a real shuttle whose link closed: from where and as it last reported
    /// (node, load, battery, paused or stopped), standing, with no order. The controller
    /// sees an order it sent go missing and sends or replans it from here, as after any
    /// lost message. Without a last report, the twin carries on from where it stood.
    public func takeOver(from state: VDA5050.State?, now: Double) {
        silent = false
        // Timers from before the link are stale: the twin starts standing, with no order, at
        // the last node the real vehicle reported, or at its own last node if it never did.
        generation += 1
        moving = false
        edge = nil
        edgeDone = 0
        runningAction = nil
        orderId = ""
        orderUpdateId = 0
        nodes = []
        edges = []
        nodePoints = []
        at = 0
        actionStates = []
        if let state {
            point = network.pointIndex[state.lastNodeId] ?? point
            load = state.loads.first?.loadId
            settleBattery(now)
            batteryKWh = spec.batteryKWh * min(100, max(0, state.batteryState.batteryCharge)) / 100
            charging = state.batteryState.charging
            chargeSince = now
            emergencyStopped = state.safetyState.eStop != "NONE"
            paused = state.paused && !emergencyStopped
            broken = false
        }
        report(now)
    }

    // MARK: timers

    /// Handles a timer set earlier; stale ones (superseded by a stop) are ignored.
    public func fire(_ timer: ShuttleTimer, now: Double) {
        switch timer {
        case .arrive(let stamp):
            guard stamp == generation, moving, let path = edge else { return }
            drain(metres: network.paths[path].length - edgeDone, loaded: load != nil)
            moving = false
            edge = nil
            edgeDone = 0
            point = network.paths[path].to
            at += 1
        case .actionDone(let stamp):
            guard stamp == generation, let (action, _) = runningAction else { return }
            runningAction = nil
            if action.actionType == .pick { load = "container" }
            if action.actionType == .drop { load = nil }
            setStatus(action.actionId, .finished)
        }
        proceed(now)
        report(now)
    }

    /// A periodic state report. Nothing but time, battery and distance changes between
    /// events, so the last report is reused rather than rebuilt.
    public func heartbeat(now: Double) {
        guard var state = lastState else { return report(now) }
        settleBattery(now)
        headerId += 1
        state.headerId = headerId
        state.timestamp = WireTime(now)
        state.batteryState = VDA5050.BatteryState(batteryCharge: batteryKWh / spec.batteryKWh * 100, charging: charging)
        if moving { state.distanceSinceLastNode = edgeDone + (now - legStart) * speed }
        lastState = state
        outbox.append(state)
    }

    // MARK: driving

    private func proceed(_ now: Double) {
        guard !moving, runningAction == nil, !emergencyStopped, !paused, !broken, !nodes.isEmpty else { return }
        if edge == nil, nodes[at].released,
           let action = nodes[at].actions.first(where: { a in actionStates.contains { $0.actionId == a.actionId && $0.actionStatus == .waiting } }) {
            start(action, now)
            return
        }
        // Resume a stopped edge, or take the next released one.
        if edge == nil {
            guard at + 1 < nodes.count, edges[at].released, nodes[at + 1].released,
                  let path = network.pathIndex[edges[at].edgeId] else { return }
            edge = path
            edgeDone = 0
        }
        moving = true
        legStart = now
        generation += 1
        timers.append((now + (network.paths[edge!].length - edgeDone) / speed, .arrive(generation: generation)))
    }

    private func start(_ action: VDA5050.Action, _ now: Double) {
        switch action.actionType {
        case .pick, .drop:
            generation += 1
            runningAction = (action, now + (action.actionType == .pick ? loadSeconds : unloadSeconds))
            setStatus(action.actionId, .running)
            timers.append((runningAction!.end, .actionDone(generation: generation)))
        case .startCharging:
            settleBattery(now)
            charging = true
            chargeSince = now
            setStatus(action.actionId, .finished)
            proceed(now)
        default:
            setStatus(action.actionId, .finished)
            proceed(now)
        }
    }

    private func halt(_ now: Double) {
        guard moving, let path = edge else { return }
        let done = min(network.paths[path].length, edgeDone + (now - legStart) * speed)
        drain(metres: done - edgeDone, loaded: load != nil)
        edgeDone = done
        moving = false
        generation += 1
    }

    private func setStatus(_ id: String, _ status: VDA5050.ActionStatus) {
        if let i = actionStates.firstIndex(where: { $0.actionId == id }) { actionStates[i].actionStatus = status }
    }

    private func drain(metres: Double, loaded: Bool) {
        let kWh = metres / 1_000 * (loaded ? spec.loadedKWhPerKm : spec.emptyKWhPerKm)
        batteryKWh = max(0, batteryKWh - kWh)
        energyUsedKWh += kWh
    }

    private func settleBattery(_ now: Double) {
        if charging {
            batteryKWh = min(spec.batteryKWh, batteryKWh + spec.chargeKW * (now - chargeSince) / 3_600)
            chargeSince = now
        }
    }

    // MARK: reporting

    private func report(_ now: Double, error: VDA5050.VehicleError? = nil) {
        settleBattery(now)
        headerId += 1
        var errors: [VDA5050.VehicleError] = []
        if broken {
            errors.append(VDA5050.VehicleError(errorType: "driveFault", errorLevel: .fatal, errorDescription: "drive unit fault; vehicle stopped"))
        }
        if let error { errors.append(error) }
        let remainingNodes = nodes.count > at + 1 ? nodes[(at + 1)...].map {
            VDA5050.NodeState(nodeId: $0.nodeId, sequenceId: $0.sequenceId, released: $0.released)
        } : []
        let remainingEdges = edges.count > at ? edges[at...].map {
            VDA5050.EdgeState(edgeId: $0.edgeId, sequenceId: $0.sequenceId, released: $0.released)
        } : []
        var distance = edgeDone
        if moving { distance += (now - legStart) * speed }
        let state = VDA5050.State(
            headerId: headerId, timestamp: WireTime(now), serialNumber: spec.id, orderId: orderId,
            orderUpdateId: orderUpdateId, lastNodeId: network.pointIDs[point],
            lastNodeSequenceId: nodes.isEmpty ? 0 : nodes[at].sequenceId, distanceSinceLastNode: distance,
            nodeStates: remainingNodes, edgeStates: remainingEdges, driving: moving,
            paused: paused || emergencyStopped, loads: load.map { [VDA5050.Load(loadId: $0)] } ?? [],
            actionStates: actionStates,
            batteryState: VDA5050.BatteryState(batteryCharge: batteryKWh / spec.batteryKWh * 100, charging: charging),
            errors: errors,
            safetyState: VDA5050.SafetyState(eStop: emergencyStopped ? "REMOTE" : "NONE", fieldViolation: false))
        // A one-off order error is not repeated by heartbeats.
        lastState = error == nil ? state : nil
        outbox.append(state)
    }
}
