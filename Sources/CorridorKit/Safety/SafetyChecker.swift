import Foundation

/// A breach of the corridor's safety or liveness rules, as seen from reported positions.
public struct SafetyViolation: Sendable, Codable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable {
        /// Two vehicles in a single-vehicle block or a location, or meeting head-on in a same-direction block.
        case blockConflict = "block-conflict"
        /// More vehicles on the span than the rules allow.
        case bridgeCapacity = "bridge-capacity"
        /// A vehicle entered the span while the corridor was closed.
        case outsideWindow = "outside-window"
        /// A vehicle not authorised by both sides on the span, or a state from a vehicle not in the fleet.
        case unauthorisedVehicle = "unauthorised-vehicle"
        /// A healthy vehicle waited longer than the bound (open-corridor time, not counting waits behind a fault).
        case starvation
        /// Vehicles waiting for each other in a cycle.
        case deadlock
    }

    public var kind: Kind
    /// Unix seconds.
    public var time: Double
    public var vehicles: [String]
    public var detail: String

    public var description: String { "\(kind.rawValue) at \(time): \(vehicles.joined(separator: ", ")): \(detail)" }
}

/// Observes every state the vehicles report and nothing the scheduler intends, and fails
/// on a block conflict, a crossing outside the windows, an unauthorised vehicle, a wait
/// beyond the bound, or a circular wait. Call ``tick(now:)`` at least every 5 seconds so a
/// cycle is reported within 5 s.
public final class SafetyChecker {
    struct Seen {
        var state: VDA5050.State
        var occupies: [ResourceUse] = []
        var onBridgePath: Int?
        /// The remaining route as path indices and the end point, parsed once per change.
        var ahead: [Int] = []
        var end: Int?
    }

    /// What the periodic pass reads of every vehicle, apart from the report itself: most
    /// vehicles are not waiting, and copying their whole report every 5 s showed in profiles.
    struct Waiting {
        /// Standing with its next node not yet released, no error, not paused.
        var eligible = false
        /// Its last report carried a fatal error.
        var fatal = false
        /// When it last reported (-infinity: never).
        var at = -Double.infinity
        var waited = 0.0
        var flaggedStarving = false
    }

    public let network: CorridorNetwork
    private var seen: [Seen?]
    private var waiting: [Waiting]
    private var occupants: [[Int]]
    private var activeConflicts = Set<String>()
    private var lastTick: Double?
    private var corridorPaused = false
    public private(set) var violations: [SafetyViolation] = []
    /// Crossings seen starting (a vehicle newly on a span path).
    public private(set) var crossings = 0
    /// Most vehicles seen on the span at once.
    public private(set) var mostOnBridge = 0
    /// Vehicle-seconds spent waiting behind a faulted or silent vehicle.
    public private(set) var blockedByFaultSeconds = 0.0
    /// Vehicle-seconds spent waiting for the corridor to open.
    public private(set) var windowWaitSeconds = 0.0
    /// The longest counted wait seen, in seconds.
    public private(set) var longestWaitSeconds = 0.0

    public init(network: CorridorNetwork) {
        self.network = network
        seen = Array(repeating: nil, count: network.shuttles.count)
        waiting = Array(repeating: Waiting(), count: network.shuttles.count)
        occupants = Array(repeating: [], count: network.resources.count)
    }

    /// The operator paused the corridor: waiting then is not starvation.
    public func noteCorridorPaused(_ paused: Bool) { corridorPaused = paused }

    /// Checks one reported state against everyone else's last reported position.
    public func observe(_ state: VDA5050.State, now: Double) {
        guard let v = network.shuttleIndex[state.serialNumber] else {
            record(.unauthorisedVehicle, now, [state.serialNumber], "state from a vehicle not in the fleet")
            return
        }
        observe(state, from: v, now: now)
    }

    /// A state report from fleet vehicle `v` (the engine knows which without a lookup).
    func observe(_ state: VDA5050.State, from v: Int, now: Double) {
        waiting[v].at = now
        waiting[v].eligible = state.isWaitingForRelease && state.errors.isEmpty && !state.paused
        waiting[v].fatal = state.errors.contains { $0.errorLevel == .fatal }
        let previous = seen[v]
        if var same = previous, !state.driving, !same.state.driving, same.state.orderId == state.orderId,
           same.state.orderUpdateId == state.orderUpdateId, same.state.lastNodeSequenceId == state.lastNodeSequenceId,
           same.state.lastNodeId == state.lastNodeId, same.state.distanceSinceLastNode == state.distanceSinceLastNode,
           same.state.nodeStates.count == state.nodeStates.count, same.state.errors.count == state.errors.count,
           same.state.paused == state.paused, ReportDigest(same.state) == ReportDigest(state) {
            // A heartbeat from a vehicle standing where it stood: nothing new to check.
            same.state = state
            seen[v] = same
            return
        }
        var entry = Seen(state: state)
        let point = network.pointIndex[state.lastNodeId]
        let onEdge = state.driving || state.distanceSinceLastNode > 0
        if onEdge, let first = state.edgeStates.first, let path = network.pathIndex[first.edgeId] {
            entry.occupies = network.paths[path].uses
            if network.paths[path].onBridge { entry.onBridgePath = path }
        } else if let point {
            entry.occupies = network.pointResources[point]
        }
        entry.ahead = state.edgeStates.compactMap { network.pathIndex[$0.edgeId] }
        entry.end = state.nodeStates.last.flatMap { network.pointIndex[$0.nodeId] }
        for use in previous?.occupies ?? [] { occupants[use.resource].removeAll { $0 == v } }
        for use in entry.occupies { occupants[use.resource].append(v) }
        seen[v] = entry

        if let path = entry.onBridgePath, previous?.onBridgePath != path {
            crossings += 1
            if !network.shuttles[v].mayCross {
                record(.unauthorisedVehicle, now, [state.serialNumber], "on the span without authorisation from both sides")
            }
            if network.windows.window(containing: now) == nil {
                record(.outsideWindow, now, [state.serialNumber], "entered \(network.paths[path].id) while the corridor was closed")
            }
        }
        for use in entry.occupies { check(use.resource, now) }
    }

    private func direction(of v: Int, in resource: Int) -> Int8 {
        seen[v]?.occupies.first { $0.resource == resource }?.direction ?? 0
    }

    private func check(_ resource: Int, _ now: Double) {
        let list = occupants[resource]
        let names = list.map { network.shuttles[$0].id }.sorted()
        let key = "\(resource):" + names.joined(separator: ",")
        var conflict = false
        if list.count > 1 {
            if network.resources[resource].admitsConvoys {
                let directions = Set(list.map { direction(of: $0, in: resource) }.filter { $0 != 0 })
                conflict = directions.count > 1
            } else {
                conflict = true
            }
        }
        if resource == network.bridgeResource {
            mostOnBridge = max(mostOnBridge, list.count)
            if list.count > network.plant.bridge.maxVehicles, activeConflicts.insert("cap" + key).inserted {
                record(.bridgeCapacity, now, names, "\(list.count) vehicles on the span, at most \(network.plant.bridge.maxVehicles)")
            }
        }
        if conflict, activeConflicts.insert(key).inserted {
            record(.blockConflict, now, names, "together in \(network.resources[resource].id)")
        }
        if !conflict { activeConflicts.remove(key) }
    }

    /// Accounts waiting time and looks for circular waits.
    public func tick(now: Double) {
        let elapsed = lastTick.map { max(0, now - $0) } ?? 0
        lastTick = now
        let silentAfter = network.plant.operations.silentAfterSeconds
        func isDown(_ w: Int) -> Bool {
            waiting[w].at.isFinite && (now - waiting[w].at > silentAfter || waiting[w].fatal)
        }
        var needs: [Int: [Int]] = [:]
        let window = network.windows.window(containing: now)
        for v in waiting.indices {
            guard waiting[v].eligible, now - waiting[v].at <= silentAfter, let entry = seen[v] else {
                waiting[v].waited = 0
                waiting[v].flaggedStarving = false
                continue
            }
            // Waiting at the span for the window: nobody to wait for.
            if let first = entry.ahead.first, network.paths[first].onBridge {
                let bridgeAhead = network.bridgeSeconds(on: entry.ahead[...], kmh: network.shuttles[v].maxSpeedKmh)
                if !(window.map { now + bridgeAhead <= $0.upperBound } ?? false) {
                    windowWaitSeconds += elapsed
                    continue
                }
            }
            // What stands in its way: the first resource along its remaining route that
            // another vehicle occupies, else whoever is at the place it is going to.
            var blockers: [Int] = []
            for path in entry.ahead where blockers.isEmpty {
                for use in network.paths[path].uses {
                    for w in occupants[use.resource] where w != v && !blockers.contains(w) { blockers.append(w) }
                }
            }
            if blockers.isEmpty, let point = entry.end {
                for use in network.pointResources[point] {
                    for w in occupants[use.resource] where w != v && !blockers.contains(w) { blockers.append(w) }
                }
            }
            if corridorPaused {
                // The operator's pause: not the scheduler's doing.
            } else if blockers.contains(where: isDown) {
                blockedByFaultSeconds += elapsed
            } else {
                waiting[v].waited += elapsed
                let waited = waiting[v].waited
                longestWaitSeconds = max(longestWaitSeconds, waited)
                if waited > network.plant.operations.waitBoundSeconds && !waiting[v].flaggedStarving {
                    waiting[v].flaggedStarving = true
                    record(.starvation, now, [network.shuttles[v].id],
                           "waited \(Int(waited)) s at \(entry.state.lastNodeId), bound \(Int(network.plant.operations.waitBoundSeconds)) s")
                }
            }
            if !blockers.isEmpty { needs[v] = blockers }
        }
        // Wait-for graph among waiting vehicles: a cycle is a deadlock.
        guard needs.count > 1 else { return }
        var colour: [Int: Int] = [:]
        func visit(_ v: Int, _ path: [Int]) -> [Int]? {
            colour[v] = 1
            for w in needs[v] ?? [] where needs[w] != nil {
                if colour[w] == 1 { return path + [v] }
                if colour[w] == nil, let cycle = visit(w, path + [v]) { return cycle }
            }
            colour[v] = 2
            return nil
        }
        for v in needs.keys.sorted() where colour[v] == nil {
            if let cycle = visit(v, []) {
                let names = cycle.map { network.shuttles[$0].id }.sorted()
                if activeConflicts.insert("cycle:" + names.joined(separator: ",")).inserted {
                    record(.deadlock, now, names, "waiting for each other")
                }
            }
        }
    }

    private func record(_ kind: SafetyViolation.Kind, _ time: Double, _ vehicles: [String], _ detail: String) {
        violations.append(SafetyViolation(kind: kind, time: time, vehicles: vehicles, detail: detail))
    }
}

/// The action statuses of a report, counted: two reports of a vehicle standing still with
/// the same counts and the same place say the same thing.
struct ReportDigest: Equatable {
    var running = 0, finished = 0, failed = 0

    init(_ state: VDA5050.State) {
        for action in state.actionStates {
            switch action.actionStatus {
            case .running: running += 1
            case .finished: finished += 1
            case .failed: failed += 1
            case .waiting: break
            }
        }
    }
}
