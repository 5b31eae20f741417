import Foundation

/// Which side of the border a location lies on.
public enum BorderSide: String, Sendable, Codable, CaseIterable {
    /// Vietnam (Kim Thành, Lào Cai).
    case vn = "VN"
    /// China (Bắc Sơn, Hekou).
    case cn = "CN"

    /// The other side.
    public var opposite: BorderSide { self == .vn ? .cn : .vn }
}

/// A named position on the corridor's road network.
public struct PlantPoint: Sendable, Codable, Equatable {
    public var id: String
    /// Metres east and north of the plant's origin; used for drawing only.
    public var x: Double
    public var y: Double
}

/// A one-way stretch of road between two points. A two-way road is two paths.
public struct PlantPath: Sendable, Codable, Equatable {
    public var id: String
    public var from: String
    public var to: String
    /// Metres.
    public var length: Double
    public var maxSpeedKmh: Double
}

/// How many vehicles a block admits at once.
public enum BlockKind: String, Sendable, Codable {
    /// One vehicle at a time, whatever its direction: a one-lane span.
    case singleVehicle = "single-vehicle"
    /// Any number of vehicles, all going the same way: a one-lane road where convoys are
    /// fine but head-on meetings are not.
    case sameDirection = "same-direction"
}

/// A set of paths whose use is coordinated as one resource (openTCS "block").
public struct PlantBlock: Sendable, Codable, Equatable {
    public var id: String
    public var kind: BlockKind
    /// For a single-vehicle block, all its paths; for a same-direction block, the paths
    /// that go one way.
    public var paths: [String]
    /// For a same-direction block, the paths that go the other way.
    public var reverse: [String]?
}

/// What happens at a location.
public enum LocationKind: String, Sendable, Codable, CaseIterable {
    /// Where a container is handed between a road truck and a shuttle.
    case handoverBay = "handover-bay"
    case charger
    case parking
}

/// A place a vehicle stops at: a dead-end spur off the yard road, one vehicle at a time.
public struct PlantLocation: Sendable, Codable, Equatable {
    public var id: String
    public var kind: LocationKind
    public var side: BorderSide
    /// The point at the end of its spur.
    public var point: String
    /// A name orders may use instead of a location ("cn-handover": any free Chinese bay).
    public var group: String?
}

/// A daily opening of the corridor, local time ("06:00"–"23:00"; "24:00" is midnight).
public struct DailyWindow: Sendable, Codable, Equatable {
    public var from: String
    public var to: String
}

/// A date on which the agreed windows differ: closed, or other hours.
public struct WindowException: Sendable, Codable, Equatable {
    /// Local date, `YYYY-MM-DD`.
    public var date: String
    /// Closed all day when true.
    public var closed: Bool?
    /// The day's windows when not closed.
    public var windows: [DailyWindow]?
}

/// The time windows both sides agreed for crossings.
public struct CorridorWindows: Sendable, Codable, Equatable {
    public var daily: [DailyWindow]
    public var exceptions: [WindowException]?
}

/// The span between the two countries and its limits.
public struct BridgeRules: Sendable, Codable, Equatable {
    /// The block that is the bridge span.
    public var block: String
    public var maxVehicles: Int
    public var speedLimitKmh: Double
}

/// A shuttle both sides may have authorised, with its energy figures.
public struct ShuttleSpec: Sendable, Codable, Equatable {
    public var id: String
    /// The sides that authorised it; it may cross only when both did.
    public var authorisedBy: [BorderSide]
    public var batteryKWh: Double
    public var emptyKWhPerKm: Double
    public var loadedKWhPerKm: Double
    public var chargeKW: Double
    public var maxSpeedKmh: Double
    /// The parking location it starts from.
    public var home: String

    /// Authorised by Vietnam and China both.
    public var mayCross: Bool { BorderSide.allCases.allSatisfy(authorisedBy.contains) }
}

/// Battery thresholds, as fractions of capacity (openTCS's four levels).
public struct EnergyThresholds: Sendable, Codable, Equatable {
    /// Below it a vehicle takes no order and goes to charge.
    public var critical: Double
    /// Above it a charging vehicle may be called away for an order.
    public var good: Double
    /// An idle vehicle below it charges rather than parks.
    public var sufficient: Double
    /// Charging stops here.
    public var full: Double
}

/// Timings and bounds of operation.
public struct OperatingRules: Sendable, Codable, Equatable {
    public var loadSeconds: Double
    public var unloadSeconds: Double
    /// A vehicle reports at least this often.
    public var reportEverySeconds: Double
    /// A vehicle silent this long is UNKNOWN.
    public var silentAfterSeconds: Double
    /// The longest a healthy vehicle may wait for the road (open corridor time only) before
    /// the safety checker calls it starvation.
    public var waitBoundSeconds: Double
    /// With vehicles waiting on both sides, how many may cross one way in a row.
    public var maxSameDirectionInRow: Int
}

/// The corridor as a file describes it: road network, blocks, locations, the agreed rules
/// and the fleet. Load it with ``CorridorPlant/load(_:)``, which validates it.
public struct CorridorPlant: Sendable, Codable, Equatable {
    /// The format tag every plant file carries.
    public static let currentFormat = "smartgate-corridor-plant/1"

    public var format: String
    public var name: String
    /// IANA time zone of the windows ("Asia/Ho_Chi_Minh").
    public var timeZone: String
    public var points: [PlantPoint]
    public var paths: [PlantPath]
    public var blocks: [PlantBlock]
    public var locations: [PlantLocation]
    public var bridge: BridgeRules
    public var windows: CorridorWindows
    public var fleet: [ShuttleSpec]
    public var energy: EnergyThresholds
    public var operations: OperatingRules
}
