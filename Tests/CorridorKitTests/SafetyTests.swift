import Foundation
import GateKit
import Testing
@testable import CorridorKit

/// A state report made by hand, for feeding the checker positions no controller produced.
func report(_ vehicle: String, at node: String, on edge: String? = nil, ahead: [String] = [], to end: String? = nil,
            released: Bool = false, errors: [VDA5050.VehicleError] = [], time: Double) -> VDA5050.State {
    var edges = ahead.map { VDA5050.EdgeState(edgeId: $0, sequenceId: 1, released: released) }
    if let edge { edges.insert(VDA5050.EdgeState(edgeId: edge, sequenceId: 1, released: true), at: 0) }
    let nodes = (end.map { [$0] } ?? []).map { VDA5050.NodeState(nodeId: $0, sequenceId: 2, released: released) }
    return VDA5050.State(
        headerId: 1, timestamp: WireTime(time), serialNumber: vehicle, orderId: "x", orderUpdateId: 0, lastNodeId: node,
        lastNodeSequenceId: 0, distanceSinceLastNode: edge == nil ? 0 : 10, nodeStates: nodes, edgeStates: edges,
        driving: edge != nil, paused: false, loads: [], actionStates: [],
        batteryState: VDA5050.BatteryState(batteryCharge: 90, charging: false), errors: errors,
        safetyState: VDA5050.SafetyState(eStop: "NONE", fieldViolation: false))
}

@Suite("Safety checker")
struct SafetyCheckerTests {
    static func checker(windows: WindowCalendar? = .alwaysOpen(), vehicles: Int = 3) -> SafetyChecker {
        var plant = testPlant(vehicles: vehicles)
        plant.fleet[0].authorisedBy = [.vn, .cn]
        return SafetyChecker(network: CorridorNetwork(plant, windows: windows))
    }

    @Test("two vehicles reported on the single-vehicle span is a violation")
    func spanConflict() {
        let checker = Self.checker()
        checker.observe(report("S1", at: "A-STOP", on: "A-STOP>B-STOP", time: 10), now: 10)
        #expect(checker.violations.isEmpty)
        checker.observe(report("S2", at: "B-STOP", on: "B-STOP>A-STOP", time: 11), now: 11)
        #expect(checker.violations.map(\.kind).contains(.blockConflict))
        #expect(checker.violations.map(\.kind).contains(.bridgeCapacity))
    }

    @Test("two vehicles in one bay is a violation; in two bays it is not")
    func locationConflict() {
        let checker = Self.checker()
        checker.observe(report("S1", at: "A-H1", time: 1), now: 1)
        checker.observe(report("S2", at: "A-H2", time: 1), now: 1)
        #expect(checker.violations.isEmpty)
        checker.observe(report("S3", at: "A-HUB", on: "A-HUB>A-H1", time: 2), now: 2)
        #expect(checker.violations.first?.kind == .blockConflict)
    }

    @Test("entering the span while the corridor is closed is a violation")
    func outsideWindow() {
        let closedAtNight = WindowCalendar(CorridorWindows(daily: [DailyWindow(from: "06:00", to: "22:00")]), timeZone: TimeZone(identifier: "UTC")!)
        let checker = Self.checker(windows: closedAtNight)
        checker.observe(report("S1", at: "A-STOP", on: "A-STOP>B-STOP", time: 12 * 3_600), now: 12 * 3_600)
        checker.observe(report("S1", at: "B-STOP", on: "B-STOP>B-HUB", time: 12 * 3_600 + 40), now: 12 * 3_600 + 40)
        #expect(checker.violations.isEmpty)
        checker.observe(report("S2", at: "B-STOP", on: "B-STOP>A-STOP", time: 23 * 3_600), now: 23 * 3_600)
        #expect(checker.violations.map(\.kind) == [.outsideWindow])
    }

    @Test("a vehicle not authorised by both sides on the span, or one not in the fleet, is a violation")
    func unauthorised() {
        var plant = testPlant()
        plant.fleet[1].authorisedBy = [.vn]
        let checker = SafetyChecker(network: CorridorNetwork(plant, windows: .alwaysOpen()))
        checker.observe(report("S2", at: "A-STOP", on: "A-STOP>B-STOP", time: 5), now: 5)
        checker.observe(report("GHOST", at: "A-HUB", time: 6), now: 6)
        #expect(checker.violations.map(\.kind) == [.unauthorisedVehicle, .unauthorisedVehicle])
    }

    @Test("a healthy vehicle waiting past the bound is starvation; behind a fault it is not")
    func starvationAndFault() {
        let checker = Self.checker()
        let bound = checker.network.plant.operations.waitBoundSeconds
        // S1 stands in bay B-H1; S2 waits at the stop line to go there.
        checker.observe(report("S1", at: "B-H1", time: 0), now: 0)
        checker.observe(report("S2", at: "A-STOP", ahead: ["A-STOP>B-STOP", "B-STOP>B-HUB", "B-HUB>B-H1"], to: "B-H1", time: 0), now: 0)
        var t = 0.0
        while t <= bound + 10 {
            t += 5
            checker.observe(report("S1", at: "B-H1", time: t), now: t)
            checker.observe(report("S2", at: "A-STOP", ahead: ["A-STOP>B-STOP", "B-STOP>B-HUB", "B-HUB>B-H1"], to: "B-H1", time: t), now: t)
            checker.tick(now: t)
        }
        #expect(checker.violations.map(\.kind) == [.starvation])

        // The same wait behind a vehicle reporting a fatal fault is not starvation.
        let other = Self.checker()
        let fault = VDA5050.VehicleError(errorType: "driveFault", errorLevel: .fatal, errorDescription: "x")
        t = 0
        while t <= bound + 10 {
            t += 5
            other.observe(report("S1", at: "B-H1", errors: [fault], time: t), now: t)
            other.observe(report("S2", at: "A-STOP", ahead: ["A-STOP>B-STOP", "B-STOP>B-HUB", "B-HUB>B-H1"], to: "B-H1", time: t), now: t)
            other.tick(now: t)
        }
        #expect(other.violations.isEmpty)
        #expect(other.blockedByFaultSeconds > 0)
    }

    @Test("two vehicles waiting for each other's place is reported as a deadlock within 5 s")
    func deadlock() {
        let checker = Self.checker()
        checker.observe(report("S1", at: "A-H1", ahead: ["A-H1>A-HUB", "A-HUB>A-H2"], to: "A-H2", time: 0), now: 0)
        checker.observe(report("S2", at: "A-H2", ahead: ["A-H2>A-HUB", "A-HUB>A-H1"], to: "A-H1", time: 0), now: 0)
        checker.tick(now: 0)
        checker.tick(now: 5)
        #expect(checker.violations.contains { $0.kind == .deadlock && $0.vehicles == ["S1", "S2"] && $0.time <= 5 })
    }
}

@Suite("Corridor properties")
struct CorridorPropertyTests {
    /// Random order streams with random silences, breakdowns, emergency stops, withdrawals
    /// and a vehicle out of service for a while: the checker finds nothing, and every order
    /// ends finished, failed or withdrawn.
    @Test("safe and live under random faults", arguments: 1...16)
    func randomStreams(_ seed: Int) throws {
        var random = SeededGenerator(seed: UInt64(seed) &* 1_000_003)
        // Every fourth stream runs a large fleet with brief silences (shorter than the
        // UNKNOWN threshold): messages lost then must be sent again, or the span stays
        // granted to a vehicle that never heard it.
        let large = seed % 4 == 0
        let vehicles = large ? Int.random(in: 12...20, using: &random) : Int.random(in: 2...6, using: &random)
        let plant = try CorridorPlant.kimThanh().withFleet(vehicles)
        let network = CorridorNetwork(plant)
        let start = 1_796_083_200.0 - 7 * 3_600 + 6 * 3_600
        let engine = CorridorEngine(network: network, start: start)
        let count = large ? Int.random(in: 150...250, using: &random) : Int.random(in: 20...80, using: &random)
        let orders = CorridorSimulation.orders(for: network, count: count, hours: 10, start: start, random: &random)
        for order in orders { engine.schedule(order, at: order.createdAt.timeIntervalSince1970) }
        for v in 0..<vehicles {
            for _ in 0..<Int.random(in: 0...(large ? 8 : 3), using: &random) {
                let at = start + Double.random(in: 0..<36_000, using: &random)
                let silence = large ? Double.random(in: 5...50, using: &random) : Double.random(in: 20...900, using: &random)
                engine.inject(Bool.random(using: &random) ? .silence(seconds: silence)
                                                           : .breakdown(seconds: .random(in: 60...2_400, using: &random)),
                              into: v, at: at)
            }
        }
        for _ in 0..<Int.random(in: 0...3, using: &random) {
            engine.scheduleEmergencyStop(at: start + .random(in: 0..<36_000, using: &random), seconds: .random(in: 10...600, using: &random))
        }
        // Step through the day, now and then withdrawing an order or taking a vehicle out of service.
        var outOfService: String?
        while engine.now < start + 10 * 3_600 {
            engine.run(until: engine.now + 900)
            let open = engine.control.allOrders.filter { !$0.state.isFinal }
            if !open.isEmpty, Double.random(in: 0..<1, using: &random) < 0.15 {
                _ = try engine.withdraw(open.randomElement(using: &random)!.id)
            }
            if let name = outOfService {
                try engine.setInService(name, true)
                outOfService = nil
            } else if vehicles > 2, Double.random(in: 0..<1, using: &random) < 0.1 {
                let name = plant.fleet.randomElement(using: &random)!.id
                try engine.setInService(name, false)
                outOfService = name
            }
        }
        if let name = outOfService { try engine.setInService(name, true) }
        _ = engine.runUntilSettled(limit: start + 72 * 3_600)
        #expect(engine.checker.violations.isEmpty, "\(engine.checker.violations.prefix(3))")
        let all = engine.control.allOrders
        #expect(all.count == count)
        let open = all.filter { !$0.state.isFinal }.map(\.id)
        let diagnosis = engine.control.diagnosis
        #expect(open.isEmpty, "open: \(open) \(diagnosis)")
        #expect(engine.checker.mostOnBridge <= 1)
    }

    @Test("a small scheduling instance is dispatched completely and safely")
    func schedulingInstance() {
        let instance = SchedulingInstance.generate(seed: 3, orderCount: 6)
        #expect(instance.orders.count == 6)
        #expect(Set(instance.orders.flatMap { [$0.from, $0.to] }).count == 12)
        let run = instance.solveBySimulation()
        let (completions, violations) = (run.completions, run.violations)
        #expect(completions.count == 6 && violations.isEmpty)
        // No order can finish faster than its own two legs and handling allow.
        let leg = instance.legs[instance.orders[0].from]![instance.orders[0].to]!
        #expect(completions[instance.orders[0].id]! >= leg.before + leg.span + leg.after + instance.loadSeconds + instance.unloadSeconds)
    }
}
