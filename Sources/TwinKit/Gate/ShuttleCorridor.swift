import CorridorKit
import Foundation
import GateKit

/// The smart mode's autonomous corridor: CorridorKit's own engine (fleet controller,
/// simulated shuttles and safety checker) carries containers between the handover yards,
/// stepped along in the twin's simulated time.
final class ShuttleCorridor {
    private let engine: CorridorEngine
    /// Unix time of simulated time 0.
    private let base: Double
    private var bays: [BorderSide: [String]] = [:]
    private var nextBay: [BorderSide: Int] = [.vn: 0, .cn: 0]
    private var groups: [BorderSide: String] = [:]
    private var truckOf: [String: Int] = [:]
    private var ended: [(truck: Int, at: Double, delivered: Bool)] = []
    private var serial = 0
    /// The orders name a container; which one does not matter to the corridor.
    private static let container = "CSQU000000" + String(ContainerNumber.checkDigit(of: "CSQU000000") ?? 0)

    /// The shipped Kim Thành plant with the scenario's fleet and daily window.
    init(scenario: Scenario, base: Double) throws {
        var plant = try CorridorPlant.kimThanh().withFleet(max(1, scenario.shuttles))
        // The plant's window types are read from files only, so the scenario's window is written as one.
        let window = #"{"daily":[{"from":"\#(Self.clock(scenario.corridorWindow.opens))","to":"\#(Self.clock(scenario.corridorWindow.closes))"}]}"#
        plant.windows = try JSONDecoder().decode(CorridorWindows.self, from: Data(window.utf8))
        let network = CorridorNetwork(plant)
        self.base = base
        engine = CorridorEngine(network: network, start: base)
        for side in BorderSide.allCases {
            bays[side] = network.bays[side]!.map { network.locations[$0].id }
            groups[side] = network.bayGroups[side] ?? bays[side]![0]
        }
        engine.onEvent = { [unowned self] event in
            guard case .order(let order) = event, order.state.isFinal, let truck = truckOf.removeValue(forKey: order.id) else { return }
            ended.append((truck, (order.finishedAt?.timeIntervalSince1970 ?? engine.now) - base, order.state == .finished))
        }
    }

    private static func clock(_ seconds: Double) -> String { String(format: "%02d:%02d", Int(seconds) / 3_600, Int(seconds) % 3_600 / 60) }

    /// Hands truck `truck`'s container over at `time`, leaving Vietnam when `export`.
    func submit(truck: Int, export: Bool, at time: Double) {
        engine.run(until: base + time)
        let from: BorderSide = export ? .vn : .cn
        let sideBays = bays[from]!
        let bay = sideBays[nextBay[from]! % sideBays.count]
        nextBay[from]! += 1
        serial += 1
        let id = "TW-\(serial)"
        truckOf[id] = truck
        let stamp = Date(timeIntervalSince1970: base + time)
        engine.submit(TransportOrder(id: id, container: Self.container, from: bay, to: groups[from.opposite]!, createdAt: stamp))
    }

    /// Runs the corridor to `time`; returns the containers whose orders ended since, with
    /// when (simulated time) and whether they were delivered.
    func advance(to time: Double) -> [(truck: Int, at: Double, delivered: Bool)] {
        engine.run(until: base + time)
        defer { ended.removeAll(keepingCapacity: true) }
        return ended
    }

    /// Containers handed over and not yet delivered.
    var waiting: Int { truckOf.count }

    /// Energy the shuttles drew so far.
    var energyKWh: Double { engine.shuttles.reduce(0) { $0 + $1.energyUsedKWh } }
    var violations: Int { engine.checker.violations.count }
}
