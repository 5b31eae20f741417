/// Replays a run's schedule in the exact model: each vehicle's sequence, and each of its
/// crossings entered when the run entered it. The schedule is feasible in the model when
/// no crossing starts before its vehicle can reach the stop line, no two overlap on the
/// span and none touches a closed interval; it is faithful when the model then finishes
/// every order when the run did. `scripts/corridor_cpsat.py` makes the same check with
/// the CP-SAT model itself.
public enum ScheduleReplay {
    /// What disagrees, one line each; empty when the run is feasible and faithful.
    public static func problems(_ trace: ScheduleTrace, completions: [String: Double], in instance: SchedulingInstance,
                                tolerance: Double = 0.01) -> [String] {
        var problems: [String] = []
        let index = Dictionary(uniqueKeysWithValues: instance.orders.enumerated().map { ($1.id, $0) })
        var recorded: [String: [ScheduleTrace.Crossing]] = [:]
        for crossing in trace.crossings where crossing.kind != .other {
            recorded["\(crossing.order ?? "")/\(crossing.kind.rawValue)", default: []].append(crossing)
        }
        for (vehicle, home) in instance.vehicles.sorted(by: { $0.key < $1.key }) {
            let sequence = (trace.sequences[vehicle] ?? []).compactMap { index[$0] }
            var walk = VehicleWalk(instance, home: home, sequence: sequence)
            while let crossing = walk.pending {
                let id = instance.orders[crossing.order].id
                let key = "\(id)/\(crossing.loaded ? "loaded" : "empty")"
                guard let entered = recorded[key]?.first(where: { $0.vehicle == vehicle }) else {
                    problems.append("\(vehicle) \(key): the model crosses here, the run has no such crossing")
                    break
                }
                if entered.start < crossing.ready - tolerance {
                    problems.append("\(vehicle) \(key): entered the span at \(entered.start) s, before it can reach the stop line at \(crossing.ready) s")
                }
                walk.cross(at: entered.start)
            }
            for (i, at) in walk.completions {
                let id = instance.orders[i].id
                guard let run = completions[id] else { problems.append("\(id): not finished in the run"); continue }
                if abs(run - at) > tolerance { problems.append("\(id): the model finishes it at \(at) s, the run at \(run) s") }
            }
        }
        let span = instance.spanSeconds
        let starts = trace.crossings.map(\.start).sorted()
        for (a, b) in zip(starts, starts.dropFirst()) where b < a + span - tolerance {
            problems.append("crossings at \(a) s and \(b) s overlap on the span")
        }
        for start in starts where instance.earliestCrossing(at: start, taking: span) > start + tolerance {
            problems.append("the crossing at \(start) s lies in a closed interval")
        }
        let assigned = trace.sequences.values.flatMap { $0 }
        for order in instance.orders {
            let times = assigned.count { $0 == order.id }
            if times != 1 { problems.append("\(order.id) is in \(times) sequences, not one") }
        }
        return problems
    }
}
