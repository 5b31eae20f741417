/// How free vehicles and waiting orders are paired. SmartGate's own rule is `.smartgate`;
/// the others are the baselines the corridor benchmark measures it against. Every policy
/// runs through the same engine, block allocator and safety checker and sees the same
/// candidates and the same feasibility filters (bays, occupants, energy): only the choice
/// among feasible pairs differs.
public enum DispatchPolicy: String, Sendable, Codable, CaseIterable {
    /// Highest priority first; within it, the pair that finishes soonest, with lateness
    /// past a deadline counted four times over.
    case smartgate
    /// The oldest order to the first free vehicle in fleet order.
    case firstInFirstOut = "fifo"
    /// The order and vehicle that finish soonest, whatever the priority or deadline.
    case earliestCompletion = "earliest-completion"
    /// The oldest order to the free vehicle that reaches its bay soonest.
    case nearestVehicle = "nearest-vehicle"

    /// Only orders of the highest waiting priority are looked at in a round.
    var highestPriorityFirst: Bool { self == .smartgate }

    /// A vehicle that must cross the span empty to reach an order counts the span's time
    /// for every vehicle already waiting for a grant (the baselines: travel time only).
    var weighsEmptyCrossings: Bool { self == .smartgate }

    /// Vehicles waiting for the same blocks are served by their order's priority before
    /// their age (the baselines: by age alone).
    var servesUrgentFirst: Bool { self == .smartgate }

    /// Ranks a feasible pairing; the lowest rank is assigned first, ties to the first seen.
    /// `orderRank` is the order's place among the candidates (oldest first), `slot` the
    /// vehicle's place among the free ones (fleet order).
    func rank(orderRank: Int, slot: Int, toSource: Double, done: Double, lateSeconds: Double) -> (Double, Double) {
        switch self {
        case .smartgate: (done + 4 * lateSeconds, 0)
        case .firstInFirstOut: (Double(orderRank), Double(slot))
        case .earliestCompletion: (done, 0)
        case .nearestVehicle: (Double(orderRank), toSource)
        }
    }
}
