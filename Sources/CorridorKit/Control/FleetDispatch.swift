import Foundation

extension FleetControl {
    /// Orders become dispatchable when what they depend on has finished; free vehicles get
    /// orders by the policy (SmartGate's: the best order they can finish soonest, highest
    /// priority first, late deadlines and empty crossings of a busy span weighed); a vehicle
    /// already carrying a container may take one next order, which chains work from the bay
    /// it unloads at; idle vehicles charge or park.
    func dispatch(_ now: Double) {
        needsDispatch = false
        resolveDependencies(now)
        guard !paused, !emergency else { return }
        assignOrders(now)
        for v in vehicles.indices where vehicles[v].health == .ok && vehicles[v].tasks.isEmpty && vehicles[v].drive == nil {
            placeIdle(v, now: now)
        }
        allocate(now)
    }

    private func resolveDependencies(_ now: Double) {
        guard dependenciesChanged, !rawOrders.isEmpty else { return }
        dependenciesChanged = false
        for id in rawOrders {
            guard var order = orders[id], order.state == .raw else { continue }
            var ready = true
            for dependency in order.dependsOn {
                switch orders[dependency]?.state {
                case .finished?: continue
                case .failed?, .withdrawn?, nil:
                    order.state = .failed
                    order.reason = "depends on \(dependency), which \(orders[dependency].map { "ended \($0.state.rawValue)" } ?? "does not exist")"
                    order.finishedAt = Date(timeIntervalSince1970: now)
                default: ready = false
                }
                if order.state == .failed { break }
            }
            if order.state != .failed && ready { order.state = .dispatchable }
            if order.state != .raw { set(order) }
        }
    }

    /// Where and when a vehicle will be free, and with how much energy.
    private func availability(_ v: Int, now: Double) -> (time: Double, point: Int, kWh: Double)? {
        // Field by field: copying the whole vehicle here showed in profiles.
        guard vehicles[v].health == .ok, vehicles[v].nextOrder == nil else { return nil }
        if vehicles[v].order == nil {
            // A vehicle on its way to park or charge finishes that move first.
            guard vehicles[v].tasks.isEmpty, vehicles[v].drive == nil else { return nil }
            if vehicles[v].charging, vehicles[v].batteryKWh < energy.good * vehicles[v].spec.batteryKWh { return nil }
            return (now, vehicles[v].point, vehicles[v].batteryKWh)
        }
        let vehicle = vehicles[v]
        // Busy and loaded: free after delivering, at the bay it delivers to.
        guard vehicle.loaded, vehicle.tasks.count == 1, let id = vehicle.order, let order = orders[id] else { return nil }
        let destination = vehicle.drive?.resolved ?? network.locationIndex[order.to] ?? network.groups[order.to]?.first ?? 0
        let point = network.locations[destination].point
        let kmh = vehicle.spec.maxSpeedKmh
        let time = now + network.travelSeconds(from: vehicle.point, to: point, kmh: kmh) + rules.unloadSeconds
        let kWh = vehicle.batteryKWh - metres(vehicle.point, point, kmh) / 1_000 * vehicle.spec.loadedKWhPerKm
        return (time, point, kWh)
    }

    private func metres(_ from: Int, _ to: Int, _ kmh: Double) -> Double {
        network.metres(from: from, to: to, kmh: kmh)
    }

    /// A vehicle that can take an order: when and where it will be free, with how much energy.
    struct FreeVehicle {
        var v: Int
        var time: Double
        var point: Int
        var kWh: Double
    }

    /// An order dispatch may give out now, with its bays.
    struct Candidate {
        var order: TransportOrder
        var source: Int
        var destination: Int
    }

    private func assignOrders(_ now: Double) {
        var free = vehicles.indices.compactMap { v in availability(v, now: now).map { FreeVehicle(v: v, time: $0.time, point: $0.point, kWh: $0.kWh) } }
        guard !free.isEmpty else { return }
        var candidates = candidates(for: free)
        var spareBays = spareBaysPerGroup()
        // An empty trip across the span takes it from vehicles already waiting for it; every
        // vehicle waiting for a grant is counted (on a busy day most wait for the span).
        let queueing = policy.weighsEmptyCrossings ? vehicles.withUnsafeBufferPointer { fleet in fleet.count { $0.drive?.requestedAt != nil } } : 0
        while !free.isEmpty && !candidates.isEmpty {
            let top = policy.highestPriorityFirst ? candidates.map(\.order.priority).max()! : nil
            guard let choice = bestPairing(candidates, free, priority: top, spareBays: spareBays, queueing: queueing) else {
                // Nobody can take the top-priority orders now; look at the next level.
                guard let top else { break }
                candidates.removeAll { $0.order.priority == top }
                continue
            }
            if let group = network.locations[candidates[choice.order].source].group {
                spareBays[group, default: 0] -= 1
            }
            assign(candidates[choice.order].order.id, to: free[choice.slot].v, now: now)
            candidates.remove(at: choice.order)
            free.remove(at: choice.slot)
        }
    }

    /// From each bay that can be entered now, its oldest orders (and any urgent one), oldest first.
    private func candidates(for free: [FreeVehicle]) -> [Candidate] {
        var candidates: [Candidate] = []
        for source in waitingAtBay.indices where !waitingAtBay[source].isEmpty {
            // A bay someone else is headed to or standing in waits until it is free.
            if blocks.reservedBy[source] != nil { continue }
            let occupants = blocks.holders[network.locations[source].resource]
            if !occupants.isEmpty && !occupants.allSatisfy({ o in free.contains { $0.v == o } }) { continue }
            var taken = 0, seen = 0
            waitingAtBay[source].visit { id in
                seen += 1
                guard let order = orders[id] else { return true }
                if taken < 2 || order.priority > 0 {
                    let destination = network.locationIndex[order.to] ?? network.groups[order.to]?.first ?? source
                    candidates.append(Candidate(order: order, source: source, destination: destination))
                    taken += 1
                }
                return seen < 8
            }
        }
        return candidates.sorted { ($0.order.createdAt, $0.order.id) < ($1.order.createdAt, $1.order.id) }
    }

    /// Free bays per bay group, less one for each loaded vehicle on its way to the group:
    /// a bay that frees goes to them before a new pick, or a steady stream of picks would
    /// starve them.
    private func spareBaysPerGroup() -> [String: Int] {
        var spareBays: [String: Int] = [:]
        for (name, members) in network.groups {
            spareBays[name] = members.count { isFree($0, for: -1) }
        }
        vehicles.withUnsafeBufferPointer { fleet in
            for vehicle in fleet where vehicle.loaded && vehicle.drive?.resolved == nil {
                if case .group(let name)? = vehicle.drive?.target { spareBays[name, default: 0] -= 1 }
            }
        }
        return spareBays
    }

    /// The feasible pairing the policy ranks first among the candidates of `priority` (all
    /// when nil), ties to the first seen; nil when none is feasible.
    private func bestPairing(_ candidates: [Candidate], _ free: [FreeVehicle], priority: Int?, spareBays: [String: Int],
                             queueing: Int) -> (order: Int, slot: Int)? {
        var best: (order: Int, slot: Int, rank: (Double, Double))?
        for (o, candidate) in candidates.enumerated() where priority == nil || candidate.order.priority == priority {
            // An earlier assignment in this round may have claimed the same bay.
            if blocks.reservedBy[candidate.source] != nil { continue }
            let spare = network.locations[candidate.source].group.map { spareBays[$0] ?? 1 } ?? 1
            let occupants = blocks.holders[network.locations[candidate.source].resource]
            for (slot, f) in free.enumerated() {
                if !occupants.isEmpty && !occupants.allSatisfy({ $0 == f.v }) { continue }
                if spare <= 0 && !occupants.contains(f.v) { continue }
                guard let (toSource, done) = completion(of: candidate, by: f, queueing: queueing) else { continue }
                let late = candidate.order.deadline.map { max(0, done - $0.timeIntervalSince1970) } ?? 0
                let rank = policy.rank(orderRank: o, slot: slot, toSource: toSource, done: done, lateSeconds: late)
                if best == nil || rank < best!.rank { best = (o, slot, rank) }
            }
        }
        return best.map { ($0.order, $0.slot) }
    }

    /// When `f` would finish the candidate (and how long it takes to reach its bay), or nil
    /// when it may not cross or its battery would fall below `critical`.
    private func completion(of candidate: Candidate, by f: FreeVehicle, queueing: Int) -> (toSource: Double, done: Double)? {
        let spec = vehicles[f.v].spec
        // Field by field: copying a location (its strings) per pair showed in profiles.
        let sourceSide = network.locations[candidate.source].side
        let sourcePoint = network.locations[candidate.source].point
        let destinationPoint = network.locations[candidate.destination].point
        if !spec.mayCross && sourceSide != network.locations[candidate.destination].side { return nil }
        let kmh = spec.maxSpeedKmh
        let toSource = network.travelSeconds(from: f.point, to: sourcePoint, kmh: kmh)
        let carry = network.travelSeconds(from: sourcePoint, to: destinationPoint, kmh: kmh)
        let kWh = metres(f.point, sourcePoint, kmh) / 1_000 * spec.emptyKWhPerKm
            + metres(sourcePoint, destinationPoint, kmh) / 1_000 * spec.loadedKWhPerKm
        if f.kWh - kWh < energy.critical * spec.batteryKWh { return nil }
        var done = f.time + toSource + rules.loadSeconds + carry + rules.unloadSeconds
        if queueing > 0, network.side(ofPoint: f.point) != sourceSide {
            done += Double(queueing) * spanSeconds
        }
        return (toSource, done)
    }

    private func assign(_ id: String, to v: Int, now: Double) {
        guard var order = orders[id], order.state == .dispatchable, let source = network.locationIndex[order.from] else { return }
        order.state = .beingProcessed
        order.vehicle = vehicles[v].spec.id
        set(order)
        // A bay is reserved only by an empty vehicle about to head there: a vehicle still
        // carrying a container reserving its next pick would hold one bay while waiting
        // for another, and a ring of such vehicles deadlocks.
        if vehicles[v].order == nil { blocks.reserve(source, for: v) }
        let tasks = [Task(kind: .pick(id), target: .location(source)), Task(kind: .drop(id), target: target(of: order))]
        if vehicles[v].order == nil {
            vehicles[v].order = id
            vehicles[v].busySince = now
            if vehicles[v].charging {
                outboxStopCharging(v, now: now)
            }
            vehicles[v].tasks = tasks
        } else {
            vehicles[v].nextOrder = id
            vehicles[v].tasks += tasks
        }
        advanceIfIdle(v, now: now)
    }

    /// An idle vehicle charges when below `sufficient` (at once below `critical`), keeps
    /// charging until `full`, and otherwise parks: its own side first, then the other
    /// side, and when no parking is free it stays where it is.
    private func placeIdle(_ v: Int, now: Double) {
        let vehicle = vehicles[v]
        let here = network.locationAtPoint[vehicle.point]
        let capacity = vehicle.spec.batteryKWh
        if let here, network.locations[here].kind == .charger {
            if vehicle.batteryKWh < energy.full * capacity {
                if !vehicle.charging { outboxStartCharging(v, now: now) }
                return
            }
        }
        if vehicle.batteryKWh < energy.sufficient * capacity, let charger = nearestFree(.charger, for: v) {
            vehicles[v].tasks = [Task(kind: .charge, target: .location(charger))]
            blocks.reserve(charger, for: v)
            advanceIfIdle(v, now: now)
            return
        }
        if let here, network.locations[here].kind == .parking { return }
        if let spot = nearestFree(.parking, for: v) {
            vehicles[v].tasks = [Task(kind: .park, target: .location(spot))]
            blocks.reserve(spot, for: v)
            advanceIfIdle(v, now: now)
        }
    }

    private func nearestFree(_ kind: LocationKind, for v: Int) -> Int? {
        let vehicle = vehicles[v]
        let side = network.side(ofPoint: vehicle.point)
        let kmh = vehicle.spec.maxSpeedKmh
        var best: (Int, Bool, Double)?
        for (l, location) in network.locations.enumerated() where location.kind == kind && isFree(l, for: v) {
            let otherSide = location.side != side
            if otherSide && !vehicle.spec.mayCross { continue }
            let seconds = network.travelSeconds(from: vehicle.point, to: location.point, kmh: kmh)
            if best == nil || (!otherSide && best!.1) || (otherSide == best!.1 && seconds < best!.2) { best = (l, otherSide, seconds) }
        }
        return best?.0
    }
}
