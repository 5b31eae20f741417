import Foundation

/// The plant of the scheduling instances: two yards (A on the Vietnamese side, B on the
/// Chinese) joined by approaches and one single-vehicle span, each yard a hub with
/// dead-end spurs to its bays, parking places and chargers.
public struct TwoYardPlant: Sendable {
    /// Handover bays in each yard (A-H1..., B-H1...).
    public var baysPerSide: Int
    /// Parking places in each yard (A-P1...), where shuttles start and rest.
    public var parkingPerSide = 3
    /// Chargers in each yard (A-C1...).
    public var chargersPerSide = 1
    /// Each shuttle's home, in fleet order (S1, S2, ...).
    public var homes: [String]
    /// Times of day ("HH:MM", UTC) the span is open; round the clock by default.
    public var windows = [DailyWindow(from: "00:00", to: "24:00")]

    /// A plant with `baysPerSide` bays a yard and one shuttle for each home.
    public init(baysPerSide: Int, homes: [String]) {
        self.baysPerSide = baysPerSide
        self.homes = homes
    }

    /// The plant: spurs 40 m long plus 5 m for each spur before it, at most 95 m.
    public func build() -> CorridorPlant {
        var points: [PlantPoint] = []
        var paths: [PlantPath] = []
        var locations: [PlantLocation] = []
        func both(_ a: String, _ b: String, _ length: Double, _ kmh: Double) {
            paths.append(PlantPath(id: "\(a)>\(b)", from: a, to: b, length: length, maxSpeedKmh: kmh))
            paths.append(PlantPath(id: "\(b)>\(a)", from: b, to: a, length: length, maxSpeedKmh: kmh))
        }
        for (name, x) in [("A-HUB", 0.0), ("A-STOP", 600), ("B-STOP", 800), ("B-HUB", 1_400)] {
            points.append(PlantPoint(id: name, x: x, y: 0))
        }
        both("A-HUB", "A-STOP", 600, 30)
        both("A-STOP", "B-STOP", 200, 30)
        both("B-STOP", "B-HUB", 600, 30)
        for (yard, side, x) in [("A", BorderSide.vn, 0.0), ("B", BorderSide.cn, 1_400)] {
            var spurs: [(String, LocationKind, String?)] = (1...baysPerSide).map { ("\(yard)-H\($0)", .handoverBay, "\(yard.lowercased())-bays") }
            spurs += (1...parkingPerSide).map { ("\(yard)-P\($0)", .parking, nil) }
            spurs += (1...chargersPerSide).map { ("\(yard)-C\($0)", .charger, nil) }
            for (i, (id, kind, group)) in spurs.enumerated() {
                points.append(PlantPoint(id: id, x: x, y: Double(i + 1) * 20))
                // Capped so that a yard with a hundred bays keeps its spurs short: the
                // instances study the span, not a walk to the far end of a yard.
                both("\(yard)-HUB", id, 40 + Double(min(i, 11)) * 5, 10)
                locations.append(PlantLocation(id: id, kind: kind, side: side, point: id, group: group))
            }
        }
        let fleet = homes.enumerated().map { i, home in
            ShuttleSpec(id: "S\(i + 1)", authorisedBy: [.vn, .cn], batteryKWh: 282, emptyKWhPerKm: 1.3, loadedKWhPerKm: 2.1,
                        chargeKW: 120, maxSpeedKmh: 30, home: home)
        }
        return CorridorPlant(
            format: CorridorPlant.currentFormat, name: "two-yard test corridor", timeZone: "UTC", points: points, paths: paths,
            blocks: [PlantBlock(id: "SPAN", kind: .singleVehicle, paths: ["A-STOP>B-STOP", "B-STOP>A-STOP"], reverse: nil)],
            locations: locations, bridge: BridgeRules(block: "SPAN", maxVehicles: 1, speedLimitKmh: 20),
            windows: CorridorWindows(daily: windows, exceptions: nil),
            fleet: fleet, energy: EnergyThresholds(critical: 0.2, good: 0.5, sufficient: 0.6, full: 0.95),
            operations: OperatingRules(loadSeconds: 120, unloadSeconds: 120, reportEverySeconds: 10, silentAfterSeconds: 30,
                                       waitBoundSeconds: 3_600, maxSameDirectionInRow: 2))
    }
}
