/// The exact model's rules (the problem `scripts/corridor_cpsat.py` solves), played out
/// for one vehicle's sequence of orders, so that the brute-force solver and the replay
/// check share them:
/// - a vehicle starts at its home, free at 0; an order is an empty leg to its bay, begun
///   no earlier than the order's release (nobody moves for an order before it exists),
///   the load, the loaded leg, the unload;
/// - a leg takes `before` seconds to the stop line, `span` on the span (none when it does
///   not cross) and `after` beyond; a vehicle may wait anywhere, so only when it enters
///   the span is chosen: at or after it reaches the stop line;
/// - one vehicle on the span at a time, and no part of a crossing in a closed interval.
struct VehicleWalk {
    /// A crossing the vehicle is ready for: it reaches the stop line at `ready`.
    struct Crossing {
        var ready: Double
        var span: Double
        var order: Int
        var loaded: Bool
    }

    let instance: SchedulingInstance
    let sequence: [Int]
    private var next = 0
    private var loaded = false
    private var time = 0.0
    private var place: String
    /// Completion time of each order done so far, by index into the instance's orders.
    private(set) var completions: [(order: Int, at: Double)] = []
    private(set) var pending: Crossing?

    init(_ instance: SchedulingInstance, home: String, sequence: [Int]) {
        self.instance = instance
        self.sequence = sequence
        place = home
        advance()
    }

    var isDone: Bool { pending == nil }

    /// Crosses the pending crossing at `start` and walks on to the next crossing (or the end).
    mutating func cross(at start: Double) {
        guard let crossing = pending else { return }
        let order = instance.orders[crossing.order]
        if crossing.loaded {
            finish(crossing.order, at: start + crossing.span + instance.leg(order.from, order.to).after + instance.unloadSeconds)
        } else {
            arrive(at: start + crossing.span + instance.leg(place, order.from).after, for: crossing.order)
        }
        advance()
    }

    /// Walks legs that do not cross until one does (it becomes `pending`) or the sequence ends.
    private mutating func advance() {
        pending = nil
        while next < sequence.count {
            let i = sequence[next], order = instance.orders[i]
            let leg = loaded ? instance.leg(order.from, order.to) : instance.leg(place, order.from)
            let leaves = loaded ? time : max(time, order.release)
            if leg.span > 0 {
                pending = Crossing(ready: leaves + leg.before, span: leg.span, order: i, loaded: loaded)
                return
            }
            if loaded {
                finish(i, at: leaves + leg.before + leg.after + instance.unloadSeconds)
            } else {
                arrive(at: leaves + leg.before + leg.after, for: i)
            }
        }
    }

    private mutating func arrive(at time: Double, for i: Int) {
        let order = instance.orders[i]
        self.time = time + instance.loadSeconds
        place = order.from
        loaded = true
    }

    private mutating func finish(_ i: Int, at time: Double) {
        completions.append((i, time))
        self.time = time
        place = instance.orders[i].to
        loaded = false
        next += 1
    }
}

extension SchedulingInstance {
    /// The earliest start at or after `time` of a crossing taking `seconds` that lies
    /// wholly outside the closed intervals.
    func earliestCrossing(at time: Double, taking seconds: Double) -> Double {
        var start = time
        var moved = true
        while moved {
            moved = false
            for interval in closed where start < interval[1] && start + seconds > interval[0] {
                start = interval[1]
                moved = true
            }
        }
        return start
    }

    /// Seconds any crossing takes on the span (every leg that crosses takes the same).
    var spanSeconds: Double {
        legs.values.lazy.flatMap(\.values).first { $0.span > 0 }?.span ?? 0
    }

    /// Each order's weighted contribution to the objective when it completes at `time`.
    func cost(of i: Int, at time: Double) -> Double {
        let order = orders[i]
        return order.weight * (time - order.release) + lateWeight * max(0, time - (order.deadline ?? .infinity))
    }
}
