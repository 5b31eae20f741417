import Foundation

/// Whether the controller may give a vehicle work.
public enum VehicleHealth: String, Sendable, Codable {
    case ok
    /// It reported a fatal error.
    case faulted
    /// It has been silent for longer than `silentAfterSeconds`.
    case unknown = "UNKNOWN"
    /// The operator took it out of service.
    case outOfService = "out-of-service"
}

/// Something the controller did that the outside world records: order transitions, health
/// changes, crossings.
public enum CorridorEvent: Sendable, Equatable {
    case order(TransportOrder)
    case health(vehicle: String, VehicleHealth, at: Double)
    case crossing(vehicle: String, from: BorderSide, at: Double)
}

/// A message the controller sends to one vehicle.
public enum VehicleCommand: Sendable, Equatable {
    case order(VDA5050.Order)
    case instantActions(VDA5050.InstantActions)
}

/// Why a withdraw or a service change was refused.
public enum CorridorCommandError: Error, Sendable, Equatable {
    case unknownOrder(String)
    case unknownVehicle(String)
    case finalState(TransportOrderState)
}

/// The fleet controller: dispatches transport orders to shuttles, routes them by travel
/// time, allocates blocks and locations, charges and parks idle vehicles, and takes work
/// away from vehicles that fail.
///
/// Safety by construction:
/// - a vehicle is granted a whole segment of its route at once (all its blocks, and the
///   location it ends at) or nothing; a route over the span is cut at the stop line, and
///   the second segment holds the span together with a free bay on the far side, so no
///   vehicle ever waits on the span;
/// - a waiting vehicle holds only the place it stands on, and places are dead-end spurs
///   (validated), so the only vehicles anyone waits for are moving ones: no circular wait;
/// - destinations are reserved before they are entered, so two vehicles never head for one bay;
/// - requests are served in order (by SmartGate's policy: the container's priority, loaded
///   before empty, then age; by the baselines': age), and a later one may not take a
///   resource an earlier waiting one needs; by age alone no request waits forever, while
///   a steady stream of urgent or loaded requests could hold back an empty one (the
///   checker reports any wait past `waitBoundSeconds`); with vehicles ready on both sides
///   the span alternates after `maxSameDirectionInRow` crossings;
/// - holdings follow reported positions only and are never released on an error.
public final class FleetControl {
    public let network: CorridorNetwork
    // The state is set in this file only, except what the dispatch (FleetDispatch.swift)
    // assigns: the vehicles it sends, the blocks they reserve, and the two flags it clears.
    var vehicles: [Vehicle]
    private(set) var orders: [String: TransportOrder] = [:]
    /// Orders not yet final, oldest first, and those waiting on dependencies.
    private(set) var openOrders = OrderedIDs()
    private(set) var rawOrders = OrderedIDs()
    /// Dispatchable orders by source bay, oldest first, so dispatch looks only at bays it can use.
    private(set) var waitingAtBay: [OrderedIDs]
    /// Something changed that dispatch or allocation should look at again.
    var needsDispatch = true
    private(set) var needsAllocation = true
    /// An order became raw or final, so raw orders may now be ready or failed.
    var dependenciesChanged = true
    /// Who holds each resource and who is headed to each location.
    var blocks: BlockAllocator
    private(set) var paused = false
    private(set) var emergency = false
    private(set) var lastCrossingSide: BorderSide?
    private(set) var crossingsInRow = 0
    private(set) var headerId = 0
    private(set) var ticks = 0
    /// When a request held back by a closed window should be looked at again.
    private(set) var nextWindowCheck = -Double.infinity
    /// How free vehicles and waiting orders are paired.
    let policy: DispatchPolicy
    /// Seconds the slowest vehicle takes on the longest bridge path: a whole crossing on
    /// plants whose span is one path each way (the shipped one and the benchmark's).
    let spanSeconds: Double

    /// Messages to send, drained by whoever carries them (the engine, or a WebSocket).
    public var outbox: [(vehicle: Int, command: VehicleCommand)] = []
    /// Things that happened, drained by the engine.
    public var events: [CorridorEvent] = []

    /// A controller for `network`'s fleet, each vehicle parked at its home at `now`,
    /// pairing vehicles and orders by `policy` (a baseline only in benchmarks).
    public init(network: CorridorNetwork, now: Double, batteryFraction: Double = 1, policy: DispatchPolicy = .smartgate) {
        self.network = network
        self.policy = policy
        spanSeconds = network.paths.indices.filter { network.paths[$0].onBridge }
            .map { p in network.shuttles.map { network.seconds(along: p, kmh: $0.maxSpeedKmh) }.max() ?? 0 }.max() ?? 0
        vehicles = network.shuttles.map { spec in
            let home = network.locations[network.locationIndex[spec.home]!].point
            return Vehicle(spec: spec, lastReport: now, point: home, batteryKWh: spec.batteryKWh * batteryFraction)
        }
        blocks = BlockAllocator(resources: network.resources.count, locations: network.locations.count)
        waitingAtBay = Array(repeating: OrderedIDs(), count: network.locations.count)
        for v in vehicles.indices {
            for use in network.pointResources[vehicles[v].point] {
                take(v, Hold(resource: use.resource, direction: 0, releaseAt: .max))
            }
        }
    }

    var rules: OperatingRules { network.plant.operations }
    var energy: EnergyThresholds { network.plant.energy }

    // MARK: orders

    /// Accepts an order (already validated against the plant) and dispatches what it can.
    public func submit(_ order: TransportOrder, now: Double) {
        var order = order
        order.state = .raw
        set(order)
        dispatch(now)
    }

    /// The order with that id, as it stands.
    public func order(_ id: String) -> TransportOrder? { orders[id] }

    /// Every order, oldest first.
    public var allOrders: [TransportOrder] { orders.values.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) } }

    /// Withdraws an order: it reaches `withdrawn` at once. A vehicle on its way to the
    /// container stops at its next node and is freed; one already carrying the container
    /// takes it to a free bay on the side it is on (or on to the far side when it is
    /// already on the span) and unloads it there.
    public func withdraw(_ id: String, now: Double) throws(CorridorCommandError) -> TransportOrder {
        guard var order = orders[id] else { throw .unknownOrder(id) }
        guard !order.state.isFinal else { throw .finalState(order.state) }
        if let name = order.vehicle, let v = network.shuttleIndex[name] {
            if vehicles[v].nextOrder == id {
                forget(id, from: v, now: now)
                vehicles[v].tasks.removeAll { $0.orderID == id }
                release(reservationOf: v, for: order)
            } else if vehicles[v].loaded {
                redirectLoad(v, of: order, now: now)
                order.reason = "withdrawn while loaded; the container is unloaded at the nearest free bay"
            } else {
                release(reservationOf: v, for: order)
                forget(id, from: v, now: now)
                abandonWork(v, now: now)
                needsDispatch = true
            }
        }
        order.state = .withdrawn
        order.finishedAt = Date(timeIntervalSince1970: now)
        set(order)
        dispatch(now)
        return order
    }

    // MARK: operator

    /// Stops granting anything: vehicles finish what they were granted and wait.
    public func pause(now: Double) { paused = true }

    /// Grants and dispatches again.
    public func resume(now: Double) {
        paused = false
        dispatch(now)
    }

    /// Sends an emergency stop to every vehicle at once (a silent one cannot hear it,
    /// and nobody waits for it), and grants nothing until released.
    public func emergencyStop(now: Double) {
        emergency = true
        broadcast(.emergencyStop, now: now)
    }

    /// Lets every vehicle move again.
    public func releaseEmergencyStop(now: Double) {
        emergency = false
        broadcast(.releaseEmergencyStop, now: now)
        dispatch(now)
    }

    /// Takes a vehicle out of service (its orders go to others; a container on it fails
    /// its order, for people to recover) or puts it back.
    public func setInService(_ name: String, _ inService: Bool, now: Double) throws(CorridorCommandError) {
        guard let v = network.shuttleIndex[name] else { throw .unknownVehicle(name) }
        if inService {
            guard vehicles[v].health == .outOfService else { return }
            vehicles[v].health = .ok
            events.append(.health(vehicle: name, .ok, at: now))
        } else {
            guard vehicles[v].health != .outOfService else { return }
            vehicles[v].health = .outOfService
            events.append(.health(vehicle: name, .outOfService, at: now))
            loseVehicle(v, now: now)
            if let id = vehicles[v].order, var order = orders[id], vehicles[v].loaded {
                order.state = .failed
                order.reason = "container is on \(name), taken out of service; recover it by hand"
                order.finishedAt = Date(timeIntervalSince1970: now)
                set(order)
                forget(id, from: v, now: now)
                // A next order it was to take goes back to dispatch.
                if let next = vehicles[v].order { handBack(next, from: v, now: now) }
                abandonWork(v, now: now)
            }
        }
        dispatch(now)
    }

    // MARK: vehicle reports

    /// Takes in a vehicle's state: positions, releases behind it, finished actions, faults.
    public func receive(_ state: VDA5050.State, now: Double) {
        guard let v = network.shuttleIndex[state.serialNumber] else { return }
        receive(state, from: v, now: now)
    }

    /// A state report from vehicle `v` (the engine knows which without a lookup).
    func receive(_ state: VDA5050.State, from v: Int, now: Double) {
        vehicles[v].lastReport = now
        reconcile(v, with: state, now: now)
        // A heartbeat that changes nothing but time and battery needs no planning.
        let signature = ReportSignature(state)
        let unchanged = vehicles.withUnsafeBufferPointer { $0[v].lastSignature == signature && $0[v].health == .ok }
        if unchanged {
            vehicles[v].batteryKWh = state.batteryState.batteryCharge / 100 * vehicles[v].spec.batteryKWh
            stopChargingIfFull(v, now: now)
            if needsAllocation { allocate(now) }
            if needsDispatch { dispatch(now) }
            return
        }
        vehicles[v].lastSignature = signature
        vehicles[v].batteryKWh = state.batteryState.batteryCharge / 100 * vehicles[v].spec.batteryKWh
        vehicles[v].loaded = !state.loads.isEmpty
        vehicles[v].charging = state.batteryState.charging
        if let point = network.pointIndex[state.lastNodeId] { vehicles[v].point = point }
        vehicles[v].onEdge = state.driving || state.distanceSinceLastNode > 0

        let fatal = state.errors.contains { $0.errorLevel == .fatal }
        switch (vehicles[v].health, fatal) {
        case (.ok, true):
            vehicles[v].health = .faulted
            events.append(.health(vehicle: state.serialNumber, .faulted, at: now))
            loseVehicle(v, now: now)
        case (.faulted, false), (.unknown, false):
            vehicles[v].health = .ok
            events.append(.health(vehicle: state.serialNumber, .ok, at: now))
            needsDispatch = true
            needsAllocation = true
            if vehicles[v].drive?.cancelled == true { send(v, actions: [.cancelOrder], now: now) }
        case (.unknown, true):
            vehicles[v].health = .faulted
            events.append(.health(vehicle: state.serialNumber, .faulted, at: now))
        default:
            break
        }

        if var drive = vehicles[v].drive, state.orderId == drive.id {
            drive.reached = max(drive.reached, state.lastNodeSequenceId / 2)
            if let action = drive.action,
               state.actionStates.contains(where: { $0.actionId == action.actionId && $0.actionStatus == .finished }) {
                drive.actionDone = true
            }
            let running = state.actionStates.contains { $0.actionStatus == .running }
            if running != vehicles[v].runningAction { needsDispatch = true }
            vehicles[v].runningAction = running
            vehicles[v].drive = drive
            releaseBehind(v, reached: drive.reached)
            if drive.cancelled, !state.driving, state.nodeStates.isEmpty, !vehicles[v].runningAction {
                finishCancelled(v)
                if vehicles[v].loaded { reclaimLoad(v, of: drive.order, now: now) }
            }
        }
        stopChargingIfFull(v, now: now)
        advance(v, now: now)
        if needsAllocation { allocate(now) }
        if needsDispatch { dispatch(now) }
    }

    /// Periodic work: silent vehicles become UNKNOWN, windows open, waiting work retried.
    public func tick(now: Double) {
        for v in vehicles.indices where vehicles[v].health == .ok && now - vehicles[v].lastReport > rules.silentAfterSeconds {
            vehicles[v].health = .unknown
            events.append(.health(vehicle: vehicles[v].spec.id, .unknown, at: now))
            loseVehicle(v, now: now)
        }
        for v in vehicles.indices { repairInvariants(v, now: now) }
        if needsAllocation || now >= nextWindowCheck { allocate(now) }
        ticks += 1
        // Idle placement and parked orders are retried each minute even if nothing changed.
        if needsDispatch || ticks % 12 == 0 { dispatch(now) }
    }

    /// Messages can be lost (a vehicle that is briefly unreachable hears nothing, without
    /// being silent long enough to be UNKNOWN). What the vehicle reports says what it got:
    /// an order it has not acknowledged, a cancel it has not obeyed, an emergency stop in
    /// the wrong state are sent again.
    private func reconcile(_ v: Int, with state: VDA5050.State, now: Double) {
        guard vehicles[v].health == .ok, !state.driving else { return }
        if state.errors.contains(where: { $0.errorType == "orderError" }), let drive = vehicles[v].drive, !drive.cancelled,
           state.orderId != drive.id, let point = network.pointIndex[state.lastNodeId] {
            // It refused the drive: it stands elsewhere than the drive was planned from
            // (it moved while unheard). Plan again from where it says it is.
            vehicles[v].point = point
            vehicles[v].onEdge = state.distanceSinceLastNode > 0
            finishCancelled(v)
            advance(v, now: now)
            return
        }
        // Once per half report period at most: a vehicle answers every message with a
        // state, and resending on each would never end.
        guard now - vehicles[v].lastResend >= rules.reportEverySeconds / 2 else { return }
        let before = outbox.count
        if let drive = vehicles[v].drive {
            if drive.cancelled {
                if state.orderId == drive.id, !state.nodeStates.isEmpty { send(v, actions: [.cancelOrder], now: now) }
            } else if let sent = vehicles[v].lastOrder, sent.orderId == drive.id,
                      state.orderId != drive.id || state.orderUpdateId < sent.orderUpdateId {
                outbox.append((v, .order(sent)))
            }
        }
        let stopped = state.safetyState.eStop == "REMOTE"
        if stopped && !emergency { send(v, actions: [.releaseEmergencyStop], now: now) }
        if !stopped && emergency { send(v, actions: [.emergencyStop], now: now) }
        if outbox.count > before { vehicles[v].lastResend = now }
    }

    // MARK: losing and recovering vehicles

    /// A vehicle that failed or went silent keeps every block and place it holds (it is
    /// an obstacle where it was last seen, or wherever its grants let it reach); work it
    /// had not loaded goes back to dispatch.
    private func loseVehicle(_ v: Int, now: Double) {
        needsDispatch = true
        needsAllocation = true
        vehicles[v].drive?.requestedAt = nil
        if vehicles[v].loaded { return }
        for id in [vehicles[v].order, vehicles[v].nextOrder].compactMap({ $0 }) {
            guard var order = orders[id] else { continue }
            release(reservationOf: v, for: order)
            order.state = .dispatchable
            order.vehicle = nil
            set(order)
        }
        vehicles[v].order = nil
        vehicles[v].nextOrder = nil
        endBusy(v, now)
        abandonWork(v, now: now)
    }

    /// Takes an order off the vehicle: a next order moves up when the current one goes,
    /// and a vehicle left with none stops counting busy time.
    private func forget(_ id: String, from v: Int, now: Double) {
        if vehicles[v].order == id {
            vehicles[v].order = vehicles[v].nextOrder
            vehicles[v].nextOrder = nil
        } else if vehicles[v].nextOrder == id {
            vehicles[v].nextOrder = nil
        }
        if vehicles[v].order == nil { endBusy(v, now) }
    }

    /// Drops a vehicle's tasks; a drive under way is cancelled (the vehicle stops at its
    /// next node and keeps what it holds until it reports from there).
    private func abandonWork(_ v: Int, now: Double) {
        for task in vehicles[v].tasks {
            if case .location(let l) = task.target { blocks.unreserve(l, by: v) }
        }
        blocks.unreserve(vehicles[v].drive?.resolved, by: v)
        vehicles[v].tasks.removeAll()
        guard let drive = vehicles[v].drive else { return }
        if drive.granted == 0 {
            // Never sent: nothing for the vehicle to stop, nothing granted to give back.
            vehicles[v].drive = nil
            return
        }
        vehicles[v].drive!.cancelled = true
        vehicles[v].drive!.requestedAt = nil
        // Sent whatever its health: a silent vehicle cannot hear it (it is sent again when
        // it is heard from), a faulted or out-of-service one must not drive on when it can.
        send(v, actions: [.cancelOrder], now: now)
    }

    private func finishCancelled(_ v: Int) {
        vehicles[v].drive = nil
        // Keep only what the stopping place itself needs.
        let here = Set(network.pointResources[vehicles[v].point].map(\.resource))
        for hold in vehicles[v].holds where !here.contains(hold.resource) { drop(v, hold.resource) }
        for use in network.pointResources[vehicles[v].point] where !vehicles[v].holds.contains(where: { $0.resource == use.resource }) {
            take(v, Hold(resource: use.resource, direction: 0, releaseAt: .max))
        }
        for i in vehicles[v].holds.indices { vehicles[v].holds[i].releaseAt = .max }
    }

    /// A vehicle that went silent on its way to a container may have picked it up before
    /// it was heard again: the container is where the vehicle is, so the order comes back
    /// to it (whoever it was re-dispatched to is freed); a container whose order has ended
    /// is unloaded at the nearest free bay.
    private func reclaimLoad(_ v: Int, of id: String?, now: Double) {
        guard let id, var order = orders[id] else {
            // A container nobody ordered: put it down at a free bay on this side.
            if let group = network.bayGroups[network.side(ofPoint: vehicles[v].point) ?? .vn] {
                vehicles[v].tasks.insert(Task(kind: .drop(""), target: .group(group)), at: 0)
            }
            return
        }
        if vehicles[v].health == .outOfService, !order.state.isFinal {
            order.state = .failed
            order.reason = "container is on \(vehicles[v].spec.id), out of service; recover it by hand"
            order.finishedAt = Date(timeIntervalSince1970: now)
            set(order)
            return
        }
        if order.state.isFinal {
            redirectLoad(v, of: order, now: now)
            return
        }
        if let other = order.vehicle.flatMap({ network.shuttleIndex[$0] }), other != v {
            if vehicles[other].nextOrder == id {
                forget(id, from: other, now: now)
                vehicles[other].tasks.removeAll { $0.orderID == id }
            } else {
                forget(id, from: other, now: now)
                abandonWork(other, now: now)
            }
            release(reservationOf: other, for: order)
        }
        order.state = .beingProcessed
        order.vehicle = vehicles[v].spec.id
        order.loadedAt = Date(timeIntervalSince1970: now)
        set(order)
        vehicles[v].order = id
        vehicles[v].busySince = vehicles[v].busySince ?? now
        vehicles[v].tasks = [Task(kind: .drop(id), target: target(of: order))]
    }

    func target(of order: TransportOrder) -> Target {
        network.locationIndex[order.to].map(Target.location) ?? .group(order.to)
    }

    private func redirectLoad(_ v: Int, of order: TransportOrder, now: Double) {
        vehicles[v].tasks.removeAll { $0.kind == .drop(order.id) }
        let side: BorderSide
        if let drive = vehicles[v].drive, drive.granted >= drive.segments.count || drive.segments.count == 1 {
            // Already granted the span (or not crossing at all): finish the drive, drop there.
            side = network.locations[drive.resolved ?? 0].side
            vehicles[v].drive = drive
        } else {
            side = network.side(ofPoint: vehicles[v].point) ?? .vn
            // The next order's steps stay; only the withdrawn one's drive stops.
            let kept = vehicles[v].tasks.filter { $0.orderID != order.id }
            if vehicles[v].drive != nil { abandonWork(v, now: now) }
            vehicles[v].tasks = kept
        }
        let target = network.bayGroups[side].map(Target.group) ?? .location(network.bays[side]![0])
        vehicles[v].tasks.insert(Task(kind: .drop(order.id), target: target), at: 0)
        vehicles[v].order = order.id
    }

    // MARK: executing tasks

    /// Starts the vehicle's next step when it has none under way.
    private func advance(_ v: Int, now: Double) {
        guard vehicles[v].health == .ok else { return }
        repairInvariants(v, now: now)
        if let drive = vehicles[v].drive {
            advanceDrive(v, drive, now: now)
            return
        }
        guard let task = vehicles[v].tasks.first else { return }
        start(task, v, now: now)
    }

    /// What the vehicle reports wins: a container on board always belongs to an order
    /// here (the one it was picked for, or a put-down at a free bay). Checked on every
    /// report and every tick, since an idle vehicle's heartbeats change nothing.
    func repairInvariants(_ v: Int, now: Double) {
        guard vehicles[v].health == .ok else { return }
        if vehicles[v].loaded, vehicles[v].order == nil, vehicles[v].drive == nil {
            reclaimLoad(v, of: vehicles[v].carrying, now: now)
            if vehicles[v].drive == nil, let task = vehicles[v].tasks.first { start(task, v, now: now) }
        }
    }

    private func advanceDrive(_ v: Int, _ drive: Drive, now: Double) {
        if drive.cancelled { return }
        let last = drive.route.points.count - 1
        if drive.reached == last && (drive.action == nil || drive.actionDone) {
            vehicles[v].drive = nil
            for i in vehicles[v].holds.indices { vehicles[v].holds[i].releaseAt = .max }
            complete(v, now: now)
        } else if drive.requestedAt == nil, drive.granted < drive.segments.count,
                  drive.granted == 0 || drive.reached == drive.segments[drive.granted - 1].upperBound {
            vehicles[v].drive!.requestedAt = now
            needsAllocation = true
        }
    }

    private func start(_ task: Task, _ v: Int, now: Double) {
        let kmh = vehicles[v].spec.maxSpeedKmh
        let from = vehicles[v].point
        var resolved: Int?
        let provisional: Int
        switch task.target {
        case .location(let l):
            if !isFree(l, for: v), case .pick(let id) = task.kind {
                // Never wait inside one place for another that is taken: two vehicles
                // doing so for each other's bays would wait forever. Hand the order back.
                return handBack(id, from: v, now: now)
            }
            resolved = l
            provisional = l
            blocks.reserve(l, for: v)
        case .group(let name):
            let members = network.groups[name] ?? []
            provisional = members.min { network.travelSeconds(from: from, to: network.locations[$0].point, kmh: kmh)
                < network.travelSeconds(from: from, to: network.locations[$1].point, kmh: kmh) } ?? 0
        }
        guard let route = network.route(from: from, to: network.locations[provisional].point, kmh: kmh) else { return }
        let split = route.paths.firstIndex { network.paths[$0].onBridge }
        var segments: [Range<Int>]
        if let split, split > 0 { segments = [0..<split, split..<route.paths.count] } else { segments = [0..<route.paths.count] }
        if case .group(let name) = task.target, segments.count == 1 {
            // No span ahead: pick the bay now.
            guard let free = freeMember(of: name, for: v, near: from) else { return }
            resolved = free
            blocks.reserve(free, for: v)
            return start(Task(kind: task.kind, target: .location(free)), v, now: now)
        }
        vehicles[v].driveCount += 1
        let actionType: VDA5050.ActionType? = switch task.kind {
        case .pick: .pick
        case .drop: .drop
        case .charge: .startCharging
        case .park: nil
        }
        let driveID = "\(vehicles[v].spec.id)-\(vehicles[v].driveCount)"
        vehicles[v].drive = Drive(
            id: driveID, route: route, target: task.target, resolved: resolved,
            action: actionType.map { VDA5050.Action($0, id: "\(driveID)-\($0.rawValue)") },
            order: task.orderID, priority: task.orderID.flatMap { orders[$0]?.priority } ?? 0, segments: segments, requestedAt: now)
        if route.paths.isEmpty {
            // Already there: an order of one node carrying the action.
            vehicles[v].drive!.granted = 1
            vehicles[v].drive!.requestedAt = nil
            sendDrive(v, now: now)
        }
    }

    /// Returns an order the vehicle has not loaded to dispatch.
    private func handBack(_ id: String, from v: Int, now: Double) {
        vehicles[v].tasks.removeAll { $0.orderID == id }
        forget(id, from: v, now: now)
        if var order = orders[id] {
            release(reservationOf: v, for: order)
            order.state = .dispatchable
            order.vehicle = nil
            set(order)
        }
        advance(v, now: now)
    }

    /// A finished drive completes its task.
    private func complete(_ v: Int, now: Double) {
        needsDispatch = true
        guard !vehicles[v].tasks.isEmpty else { return }
        let task = vehicles[v].tasks.removeFirst()
        if case .location(let l) = task.target { blocks.unreserve(l, by: v) }
        blocks.unreserve(network.locationAtPoint[vehicles[v].point], by: v)
        switch task.kind {
        case .pick(let id):
            vehicles[v].carrying = id
            if var order = orders[id] {
                order.loadedAt = Date(timeIntervalSince1970: now)
                set(order)
            }
        case .drop(let id):
            vehicles[v].carrying = nil
            if var order = orders[id] {
                if !order.state.isFinal {
                    order.state = .finished
                    order.finishedAt = Date(timeIntervalSince1970: now)
                }
                if let here = network.locationAtPoint[vehicles[v].point] { order.deliveredTo = network.locations[here].id }
                if order.state == .withdrawn, let here = order.deliveredTo { order.reason = "withdrawn; container left at \(here)" }
                set(order)
            }
            // The current order is done (a put-down with no order leaves the slots as they are).
            forget(vehicles[v].order ?? id, from: v, now: now)
        case .charge, .park:
            break
        }
        advance(v, now: now)
    }

    // MARK: block allocation

    /// Grants waiting segments, oldest request first (by SmartGate's policy the more urgent
    /// container first).
    func allocate(_ now: Double) {
        needsAllocation = false
        nextWindowCheck = .infinity
        guard !paused, !emergency else { return }
        // Read in place: `vehicles[v].drive` on the class's array copied each whole vehicle
        // (a tenth of the scale day's time in profiles).
        let requests = vehicles.withUnsafeBufferPointer { fleet in
            fleet.indices.compactMap { v -> (v: Int, urgency: Int, empty: Int, at: Double)? in
                guard fleet[v].health == .ok, let at = fleet[v].drive?.requestedAt, fleet[v].drive?.cancelled == false else { return nil }
                // A crossing held for the window is not planned again before the window opens.
                if let held = fleet[v].drive?.heldForWindowUntil, held > now {
                    nextWindowCheck = min(nextWindowCheck, held)
                    return nil
                }
                // Oldest first; by SmartGate's policy the more urgent container first (an urgent
                // one waiting out a closed window crosses first when it opens), then a loaded
                // vehicle before an empty one (its order is done minutes sooner).
                guard policy.servesUrgentFirst else { return (v, 0, 0, at) }
                return (v, -(fleet[v].drive?.priority ?? 0), fleet[v].loaded ? 0 : 1, at)
            }
        }
        guard !requests.isEmpty else { return }
        let waiting = requests.sorted { ($0.urgency, $0.empty, $0.at) < ($1.urgency, $1.empty, $1.at) }.map(\.v)
        // Sides with a crossing that could go now but for the span itself.
        var readySides: [BorderSide: Bool] = [:]
        var plans: [Plan?] = []
        plans.reserveCapacity(waiting.count)
        for v in waiting {
            let plan = plan(v, now: now)
            plans.append(plan)
            if let plan, let side = plan.crossingFrom, plan.blockedOnlyBySpan || plan.grantable { readySides[side] = true }
        }
        var wanted: [Int: Int8] = [:]
        var granted = false
        for (i, v) in waiting.enumerated() {
            // Planned again after a grant in this round: it may have taken what this one needs.
            guard let plan = granted ? plan(v, now: now) : plans[i] else { continue }
            let overtakes = plan.resources.contains { use in
                guard let mark = wanted[use.resource], !blocks.holders[use.resource].contains(v) else { return false }
                return !(network.resources[use.resource].admitsConvoys && mark == use.direction)
            }
            if !plan.grantable || overtakes {
                // Keep for it only what others hold now, so nobody younger takes it when
                // freed; marking more would stop the very vehicle it waits for.
                if plan.blockedByHealthyHolders {
                    for use in plan.resources where wanted[use.resource] == nil && blocks.holders[use.resource].contains(where: { $0 != v }) {
                        wanted[use.resource] = use.direction
                    }
                }
                continue
            }
            if let side = plan.crossingFrom, side == lastCrossingSide, crossingsInRow >= rules.maxSameDirectionInRow,
               readySides[side.opposite] == true {
                continue
            }
            grant(v, plan, now: now)
            granted = true
            if let side = plan.crossingFrom {
                crossingsInRow = side == lastCrossingSide ? crossingsInRow + 1 : 1
                lastCrossingSide = side
                readySides[side] = nil
            }
        }
    }

    struct Plan {
        var uses: [(use: ResourceUse, releaseAt: Int)]
        var target: Int?
        var crossingFrom: BorderSide?
        var grantable: Bool
        var blockedOnlyBySpan: Bool
        var blockedByHealthyHolders: Bool
        var route: CorridorNetwork.Route
        var segment: Range<Int>

        var resources: [ResourceUse] { uses.map(\.use) }
    }

    /// What granting the vehicle's next segment would take, and whether it can be had now.
    private func plan(_ v: Int, now: Double) -> Plan? {
        guard let drive = vehicles[v].drive else { return nil }
        let index = drive.granted
        guard index < drive.segments.count else { return nil }
        let last = index == drive.segments.count - 1
        // A crossing the window cannot take now is settled before any planning.
        let crossing = crossingSide(drive.route, drive.segments[index])
        if let side = crossing {
            if !vehicles[v].spec.mayCross { return nil }
            let seconds = network.bridgeSeconds(on: drive.route.paths[drive.segments[index]], kmh: vehicles[v].spec.maxSpeedKmh)
            if !network.windows.admits(crossingAt: now, taking: seconds) {
                let opening = network.windows.window(containing: now).map { $0.upperBound } ?? network.windows.nextOpening(atOrAfter: now) ?? now + 3_600
                let held = max(opening, now + 1)
                nextWindowCheck = min(nextWindowCheck, held)
                vehicles[v].drive!.heldForWindowUntil = held
                return Plan(uses: [], target: nil, crossingFrom: side, grantable: false, blockedOnlyBySpan: false,
                            blockedByHealthyHolders: false, route: drive.route, segment: drive.segments[index])
            }
        }
        var route = drive.route
        var target = drive.resolved
        if last, target == nil, case .group(let name) = drive.target {
            // Choose the far-side bay now, and route to it from the stop line.
            let from = route.points[drive.segments[index].lowerBound]
            guard let free = freeMember(of: name, for: v, near: from),
                  let tail = network.route(from: from, to: network.locations[free].point, kmh: vehicles[v].spec.maxSpeedKmh) else {
                return Plan(uses: [], target: nil, crossingFrom: crossingSide(route, drive.segments[index]), grantable: false,
                            blockedOnlyBySpan: false, blockedByHealthyHolders: false, route: route, segment: drive.segments[index])
            }
            let head = drive.segments[index].lowerBound
            route = CorridorNetwork.Route(points: Array(route.points[...head]) + tail.points.dropFirst(),
                                          paths: Array(route.paths[..<head]) + tail.paths, seconds: route.seconds)
            target = free
        }
        let segment = target != drive.resolved && last ? drive.segments[index].lowerBound..<route.paths.count : drive.segments[index]
        var uses: [(use: ResourceUse, releaseAt: Int)] = []
        for i in segment {
            for use in network.paths[route.paths[i]].uses {
                if let at = uses.firstIndex(where: { $0.use.resource == use.resource }) { uses[at].releaseAt = i + 1 } else { uses.append((use, i + 1)) }
            }
        }
        if last, let target {
            let resource = network.locations[target].resource
            if let at = uses.firstIndex(where: { $0.use.resource == resource }) { uses[at].releaseAt = .max } else {
                uses.append((ResourceUse(resource: resource, direction: 0), .max))
            }
        }
        var grantable = true
        var spanOnly = true
        var healthyHolders = true
        if let target, blocks.reservedBy[target] != nil && blocks.reservedBy[target] != v {
            // Someone else is headed there: not a wait on anyone's position, so no mark.
            grantable = false
            spanOnly = false
            healthyHolders = false
        }
        for (use, _) in uses {
            var others = 0
            var unhealthy = false
            for holder in blocks.holders[use.resource] where holder != v {
                others += 1
                if vehicles[holder].health != .ok { unhealthy = true }
            }
            guard others > 0 else { continue }
            var conflict = !(network.resources[use.resource].admitsConvoys && blocks.direction[use.resource] == use.direction)
            if use.resource == network.bridgeResource, others >= network.plant.bridge.maxVehicles { conflict = true }
            if conflict {
                grantable = false
                if use.resource != network.bridgeResource { spanOnly = false }
                if unhealthy { healthyHolders = false }
            }
        }
        return Plan(uses: uses, target: target, crossingFrom: crossing, grantable: grantable,
                    blockedOnlyBySpan: spanOnly && !grantable, blockedByHealthyHolders: healthyHolders && !grantable,
                    route: route, segment: segment)
    }

    private func crossingSide(_ route: CorridorNetwork.Route, _ segment: Range<Int>) -> BorderSide? {
        guard let first = segment.first(where: { network.paths[route.paths[$0]].onBridge }) else { return nil }
        return network.side(ofPoint: route.points[first])
    }

    private func grant(_ v: Int, _ plan: Plan, now: Double) {
        for (use, releaseAt) in plan.uses {
            take(v, Hold(resource: use.resource, direction: use.direction, releaseAt: releaseAt))
        }
        if let target = plan.target { blocks.reserve(target, for: v) }
        vehicles[v].drive!.route = plan.route
        vehicles[v].drive!.segments[vehicles[v].drive!.granted] = plan.segment
        vehicles[v].drive!.resolved = plan.target ?? vehicles[v].drive!.resolved
        vehicles[v].drive!.granted += 1
        vehicles[v].drive!.requestedAt = nil
        if let side = plan.crossingFrom { events.append(.crossing(vehicle: vehicles[v].spec.id, from: side, at: now)) }
        sendDrive(v, now: now)
    }

    private func take(_ v: Int, _ hold: Hold) {
        if let i = vehicles[v].holds.firstIndex(where: { $0.resource == hold.resource }) {
            vehicles[v].holds[i].releaseAt = hold.releaseAt
            return
        }
        vehicles[v].holds.append(hold)
        blocks.hold(hold.resource, by: v, direction: hold.direction)
    }

    private func drop(_ v: Int, _ resource: Int) {
        vehicles[v].holds.removeAll { $0.resource == resource }
        blocks.release(resource, by: v)
        needsAllocation = true
        if case .location = network.resources[resource].kind { needsDispatch = true }
    }

    private func releaseBehind(_ v: Int, reached: Int) {
        for hold in vehicles[v].holds where hold.releaseAt <= reached { drop(v, hold.resource) }
    }

    /// Sends the drive with everything granted so far released, the rest as horizon.
    private func sendDrive(_ v: Int, now: Double) {
        guard var drive = vehicles[v].drive else { return }
        drive.updateId += 1
        vehicles[v].drive = drive
        headerId += 1
        let order = drive.message(on: network, headerId: headerId, serialNumber: vehicles[v].spec.id, now: now)
        vehicles[v].lastOrder = order
        outbox.append((v, .order(order)))
    }

    private func send(_ v: Int, actions: [VDA5050.ActionType], now: Double) {
        headerId += 1
        let list = actions.map { VDA5050.Action($0, id: "\(vehicles[v].spec.id)-i\(headerId)-\($0.rawValue)", blocking: "NONE") }
        outbox.append((v, .instantActions(VDA5050.InstantActions(headerId: headerId, timestamp: WireTime(now),
                                                                   serialNumber: vehicles[v].spec.id, actions: list))))
    }

    private func stopChargingIfFull(_ v: Int, now: Double) {
        guard vehicles[v].charging, vehicles[v].batteryKWh >= energy.full * vehicles[v].spec.batteryKWh else { return }
        outboxStopCharging(v, now: now)
        needsDispatch = true
    }

    func outboxStopCharging(_ v: Int, now: Double) {
        send(v, actions: [.stopCharging], now: now)
        vehicles[v].charging = false
    }

    func outboxStartCharging(_ v: Int, now: Double) {
        send(v, actions: [.startCharging], now: now)
        vehicles[v].charging = true
    }

    func advanceIfIdle(_ v: Int, now: Double) {
        if vehicles[v].drive == nil { advance(v, now: now) }
    }

    private func broadcast(_ action: VDA5050.ActionType, now: Double) {
        for v in vehicles.indices { send(v, actions: [action], now: now) }
    }

    // MARK: locations

    /// A location is free for `v` when nobody else holds or has reserved it.
    func isFree(_ l: Int, for v: Int) -> Bool {
        blocks.isFree(location: l, resource: network.locations[l].resource, for: v)
    }

    private func freeMember(of group: String, for v: Int, near point: Int) -> Int? {
        let kmh = vehicles[v].spec.maxSpeedKmh
        return (network.groups[group] ?? []).filter { isFree($0, for: v) }
            .min { network.travelSeconds(from: point, to: network.locations[$0].point, kmh: kmh)
                < network.travelSeconds(from: point, to: network.locations[$1].point, kmh: kmh) }
    }

    private func release(reservationOf v: Int, for order: TransportOrder) {
        blocks.unreserve(network.locationIndex[order.from], by: v)
    }

    // MARK: bookkeeping

    func set(_ order: TransportOrder) {
        let previous = orders[order.id]?.state
        // The lifecycle table is the rule: a move it does not allow is a controller bug.
        assert(previous.map { $0 == order.state || $0.allows(order.state) } ?? (order.state == .raw),
               "order \(order.id): \(previous?.rawValue ?? "new") → \(order.state.rawValue) is not in the lifecycle table")
        orders[order.id] = order
        if previous != order.state {
            needsDispatch = true
            if previous == nil { openOrders.append(order.id) }
            if previous == .raw { rawOrders.remove(order.id) }
            let bay = network.locationIndex[order.from]
            if previous == .dispatchable, let bay { waitingAtBay[bay].remove(order.id) }
            if order.state == .raw {
                rawOrders.append(order.id)
                dependenciesChanged = true
            }
            if order.state == .dispatchable, let bay { waitingAtBay[bay].insert(order.id, createdAt: order.createdAt, in: orders) }
            if order.state.isFinal {
                openOrders.remove(order.id)
                dependenciesChanged = true
            }
        }
        events.append(.order(order))
    }

    func endBusy(_ v: Int, _ now: Double) {
        if let since = vehicles[v].busySince {
            vehicles[v].busySeconds += now - since
            vehicles[v].busySince = nil
        }
    }
}

extension FleetControl {
    /// One line per vehicle: health, place, work, drive and holdings, for diagnosis.
    public var diagnosis: [String] {
        vehicles.indices.map { v in
            let x = vehicles[v]
            let holds = x.holds.map { network.resources[$0.resource].id + ($0.releaseAt == .max ? "" : "<\($0.releaseAt)") }
            var drive = "-"
            if let d = x.drive {
                let target = d.resolved.map { network.locations[$0].id } ?? "\(d.target)"
                drive = "\(d.id) to \(target) granted \(d.granted)/\(d.segments.count) reached \(d.reached)/\(d.route.points.count - 1)"
                    + (d.requestedAt != nil ? " WAITING" : "") + (d.cancelled ? " cancelled" : "")
            }
            let reserved = blocks.reservations(of: v).map { network.locations[$0].id }
            return "\(x.spec.id) \(x.health.rawValue) at \(network.pointIDs[x.point])\(x.onEdge ? "+" : "") order \(x.order ?? "-")/\(x.nextOrder ?? "-") tasks \(x.tasks.map { "\($0.kind)" }) drive \(drive) holds \(holds) reserved \(reserved) loaded \(x.loaded) kWh \(Int(x.batteryKWh))"
        }
    }
}

/// One vehicle as operators see it.
public struct VehicleStatus: Sendable, Codable, Equatable {
    public var id: String
    public var health: VehicleHealth
    /// The last node it reported.
    public var position: String
    public var side: BorderSide?
    /// Between nodes (driving, or stopped on a path by an emergency stop or a fault).
    public var betweenNodes: Bool
    public var onSpan: Bool
    public var batteryPercent: Double
    public var loaded: Bool
    public var charging: Bool
    public var order: String?
    public var nextOrder: String?
    public var authorisedBy: [BorderSide]
    public var lastReportAt: Date
}

extension FleetControl {
    /// Every vehicle, in fleet order.
    public var vehicleStatus: [VehicleStatus] {
        vehicles.map { x in
            let onSpan = x.holds.contains { $0.resource == network.bridgeResource } && x.onEdge
            return VehicleStatus(
                id: x.spec.id, health: x.health, position: network.pointIDs[x.point], side: network.side(ofPoint: x.point),
                betweenNodes: x.onEdge, onSpan: onSpan, batteryPercent: (x.batteryKWh / x.spec.batteryKWh * 1_000).rounded() / 10,
                loaded: x.loaded, charging: x.charging, order: x.order, nextOrder: x.nextOrder, authorisedBy: x.spec.authorisedBy,
                lastReportAt: Date(timeIntervalSince1970: x.lastReport))
        }
    }

    /// Granting nothing new, by the operator's pause.
    public var isPaused: Bool { paused }
    /// Every vehicle held by an emergency stop.
    public var isEmergencyStopped: Bool { emergency }
}

extension FleetControl {
    /// Open orders whose container still waits at `bay` (not yet loaded).
    public func ordersToCollect(at bay: String) -> Int {
        var count = 0
        for id in openOrders where orders[id]?.from == bay && orders[id]?.loadedAt == nil { count += 1 }
        return count
    }
}
