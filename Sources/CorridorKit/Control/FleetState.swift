import Foundation

// The controller's own record of its fleet: what each vehicle is doing, driving and
// holding, as the controller (not the vehicle) sees it.
extension FleetControl {
    enum Target: Equatable {
        case location(Int)
        case group(String)
    }

    enum TaskKind: Equatable {
        case pick(String)
        case drop(String)
        case charge
        case park
    }

    struct Task {
        var kind: TaskKind
        var target: Target

        var orderID: String? {
            switch kind {
            case .pick(let id), .drop(let id): id
            case .charge, .park: nil
            }
        }
    }

    struct Drive {
        let id: String
        var updateId = 0
        var route: CorridorNetwork.Route
        var target: Target
        var resolved: Int?
        let action: VDA5050.Action?
        /// The transport order the drive works for, if any, and its priority (0 if none):
        /// kept here because allocation reads it for every waiting request, and a lookup
        /// in `orders` there showed in profiles.
        let order: String?
        let priority: Int
        /// Path index ranges of the route granted one at a time.
        var segments: [Range<Int>]
        var granted = 0
        var requestedAt: Double?
        /// The request's crossing does not fit in the window before this time.
        var heldForWindowUntil = -Double.infinity
        var reached = 0
        var actionDone = false
        /// The work was taken away: stop at the next node, then forget the drive.
        var cancelled = false
    }

    struct Hold {
        var resource: Int
        var direction: Int8
        /// The route node whose report frees it; `Int.max`: held where the vehicle stands.
        var releaseAt: Int
    }

    struct Vehicle {
        let spec: ShuttleSpec
        var health = VehicleHealth.ok
        var lastReport: Double
        var point: Int
        var onEdge = false
        var batteryKWh: Double
        var loaded = false
        var charging = false
        var tasks: [Task] = []
        var drive: Drive?
        var order: String?
        var nextOrder: String?
        var holds: [Hold] = []
        var busySince: Double?
        var busySeconds = 0.0
        var driveCount = 0
        var runningAction: Bool = false
        var lastSignature: ReportSignature?
        /// The last order message sent, resent if the vehicle's reports show it never arrived.
        var lastOrder: VDA5050.Order?
        var lastResend = -Double.infinity
        /// The order whose container is on board, from its pick until its drop.
        var carrying: String?
    }

    /// What in a state report matters for planning; heartbeats repeat it unchanged.
    struct ReportSignature: Equatable {
        var orderId: String
        var orderUpdateId: Int
        var lastNodeSequenceId: Int
        var lastNodeId: String
        var driving: Bool
        var paused: Bool
        var loaded: Bool
        var charging: Bool
        var errors: Int
        /// Running and finished actions, as counts: enough to see one start or end.
        var running: Int
        var finished: Int
        var onEdge: Bool

        init(_ state: VDA5050.State) {
            orderId = state.orderId
            orderUpdateId = state.orderUpdateId
            lastNodeSequenceId = state.lastNodeSequenceId
            lastNodeId = state.lastNodeId
            driving = state.driving
            paused = state.paused
            loaded = !state.loads.isEmpty
            charging = state.batteryState.charging
            errors = state.errors.count
            running = 0
            finished = 0
            for action in state.actionStates {
                if action.actionStatus == .running { running += 1 } else if action.actionStatus != .waiting { finished += 1 }
            }
            onEdge = state.distanceSinceLastNode > 0
        }
    }
}

extension FleetControl.Drive {
    /// The VDA 5050 order for this drive: everything granted so far released, the rest as
    /// horizon.
    func message(on network: CorridorNetwork, headerId: Int, serialNumber: String, now: Double) -> VDA5050.Order {
        let releasedThrough = granted >= segments.count ? route.paths.count : segments[granted - 1].upperBound
        var nodes: [VDA5050.Node] = []
        var edges: [VDA5050.Edge] = []
        for (i, point) in route.points.enumerated() {
            let isLast = i == route.points.count - 1
            nodes.append(VDA5050.Node(nodeId: network.pointIDs[point], sequenceId: i * 2, released: i <= releasedThrough,
                                      actions: isLast ? action.map { [$0] } ?? [] : []))
            if !isLast {
                let path = network.paths[route.paths[i]]
                edges.append(VDA5050.Edge(edgeId: path.id, sequenceId: i * 2 + 1, released: i < releasedThrough,
                                          startNodeId: network.pointIDs[path.from], endNodeId: network.pointIDs[path.to],
                                          maxSpeed: path.maxSpeed, length: path.length))
            }
        }
        return VDA5050.Order(headerId: headerId, timestamp: WireTime(now), serialNumber: serialNumber,
                             orderId: id, orderUpdateId: updateId, nodes: nodes, edges: edges)
    }
}
