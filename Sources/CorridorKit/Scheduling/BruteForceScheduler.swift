/// The exact optimum of a small instance by enumeration: every assignment of orders to
/// vehicles, every sequence on each vehicle and every order of the crossings on the span,
/// each played out as early as the model allows (``VehicleWalk``). For a fixed order of
/// everything, the earliest schedule minimises every completion at once, and the
/// objective only grows with completions, so the best of them is the optimum. It checks
/// the CP-SAT model on instances of up to four or five orders.
public enum BruteForceScheduler {
    /// The optimum found.
    public struct Result: Sendable {
        /// The objective of the best schedule, in seconds.
        public var objective: Double
        /// Each order's completion in that schedule.
        public var completions: [String: Double]
        /// Complete schedules played out (those cut off part way are not counted).
        public var evaluated: Int
    }

    /// The optimum of `instance`.
    public static func solve(_ instance: SchedulingInstance) -> Result {
        let homes = instance.vehicles.sorted { $0.key < $1.key }.map(\.value)
        var search = Search(instance: instance)
        var sequences = Array(repeating: [Int](), count: homes.count)
        func place(_ i: Int) {
            guard i < instance.orders.count else {
                search.interleave(homes.indices.map { VehicleWalk(instance, home: homes[$0], sequence: sequences[$0]) })
                return
            }
            for v in homes.indices {
                for position in 0...sequences[v].count {
                    sequences[v].insert(i, at: position)
                    place(i + 1)
                    sequences[v].remove(at: position)
                }
            }
        }
        place(0)
        let completions = Dictionary(uniqueKeysWithValues: search.bestCompletions.map { (instance.orders[$0.order].id, $0.at) })
        return Result(objective: search.best, completions: completions, evaluated: search.evaluated)
    }

    /// Depth-first over which vehicle crosses the span next, cut off when the objective so
    /// far reaches the best found.
    private struct Search {
        let instance: SchedulingInstance
        var best = Double.infinity
        var bestCompletions: [(order: Int, at: Double)] = []
        var evaluated = 0

        mutating func interleave(_ walks: [VehicleWalk], spanFree: Double = 0) {
            let done = walks.flatMap(\.completions)
            let cost = done.reduce(0) { $0 + instance.cost(of: $1.order, at: $1.at) }
            if walks.allSatisfy(\.isDone) {
                evaluated += 1
                if cost < best { (best, bestCompletions) = (cost, done) }
                return
            }
            guard cost < best else { return }
            for v in walks.indices {
                guard let crossing = walks[v].pending else { continue }
                let start = instance.earliestCrossing(at: max(crossing.ready, spanFree), taking: crossing.span)
                var next = walks
                next[v].cross(at: start)
                interleave(next, spanFree: start + crossing.span)
            }
        }
    }
}
