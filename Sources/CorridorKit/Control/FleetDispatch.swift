import Foundation

extension FleetControl {
    /// Orders become dispatchable when what they depend on has finished; free vehicles get
    /// orders by the policy (SmartGate's: the best order they can finish soonest, highest
    /// priority first, late deadlines weighed); a vehicle already carrying a container may take one next order, which
    /// chains work from the bay it unloads at; idle vehicles charge or park.
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

    private func assignOrders(_ now: Double) {
        var free: [(v: Int, time: Double, point: Int, kWh: Double)] = []
        for v in vehicles.indices {
            if let a = availability(v, now: now) { free.append((v, a.time, a.point, a.kWh)) }
        }
        guard !free.isEmpty else { return }
        var candidates: [(order: TransportOrder, source: Int, destination: Int)] = []
        // From each bay that can be entered now, its oldest orders (and any urgent one).
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
                    candidates.append((order, source, destination))
                    taken += 1
                }
                return seen < 8
            }
        }
        candidates.sort { ($0.order.createdAt, $0.order.id) < ($1.order.createdAt, $1.order.id) }
        // Loaded vehicles on their way to a bay group come first: a bay that frees goes to
        // them before a new pick, or a steady stream of picks would starve them.
        var spareBays: [String: Int] = [:]
        for (name, members) in network.groups {
            spareBays[name] = members.count { isFree($0, for: -1) }
        }
        vehicles.withUnsafeBufferPointer { fleet in
            for vehicle in fleet where vehicle.loaded && vehicle.drive?.resolved == nil {
                if case .group(let name)? = vehicle.drive?.target { spareBays[name, default: 0] -= 1 }
            }
        }
        // An empty trip across the span takes the span from vehicles already queueing for it.
        let queueing = policy.weighsEmptyCrossings ? vehicles.withUnsafeBufferPointer { fleet in fleet.count { $0.drive?.requestedAt != nil } } : 0
        while !free.isEmpty && !candidates.isEmpty {
            let top = policy.highestPriorityFirst ? candidates.map(\.order.priority).max()! : nil
            var best: (order: Int, slot: Int, rank: (Double, Double))?
            for (o, (order, source, destination)) in candidates.enumerated() where top == nil || order.priority == top {
                // An earlier assignment in this round may have claimed the same bay.
                if blocks.reservedBy[source] != nil { continue }
                let group = network.locations[source].group
                let spare = group.map { spareBays[$0] ?? 1 } ?? 1
                let sourcePoint = network.locations[source].point
                let destinationPoint = network.locations[destination].point
                let occupants = blocks.holders[network.locations[source].resource]
                for (slot, f) in free.enumerated() {
                    if !occupants.isEmpty && !occupants.allSatisfy({ $0 == f.v }) { continue }
                    if spare <= 0 && !occupants.contains(f.v) { continue }
                    let spec = vehicles[f.v].spec
                    if !spec.mayCross && network.locations[source].side != network.locations[destination].side { continue }
                    let kmh = spec.maxSpeedKmh
                    let toSource = network.travelSeconds(from: f.point, to: sourcePoint, kmh: kmh)
                    let carry = network.travelSeconds(from: sourcePoint, to: destinationPoint, kmh: kmh)
                    let kWh = metres(f.point, sourcePoint, kmh) / 1_000 * spec.emptyKWhPerKm
                        + metres(sourcePoint, destinationPoint, kmh) / 1_000 * spec.loadedKWhPerKm
                    if f.kWh - kWh < energy.critical * spec.batteryKWh { continue }
                    var done = f.time + toSource + rules.loadSeconds + carry + rules.unloadSeconds
                    if queueing > 0, network.side(ofPoint: f.point) != network.locations[source].side {
                        done += Double(queueing) * spanSeconds
                    }
                    let late = order.deadline.map { max(0, done - $0.timeIntervalSince1970) } ?? 0
                    let rank = policy.rank(orderRank: o, slot: slot, toSource: toSource, done: done, lateSeconds: late)
                    if best == nil || rank < best!.rank { best = (o, slot, rank) }
                }
            }
            guard let choice = best else {
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
