import Foundation
import GateKit

/// VDA 5050-style messages between the fleet controller and a shuttle, following the
/// standard's topics (order, instantActions, state, connection) and field names.
/// SmartGate extensions are marked.
public enum VDA5050 {
    /// The protocol version these messages follow.
    public static let version = "2.0.0"
    public static let manufacturer = "SmartGate"

    /// A node of an order: a point to reach, with actions to do there.
    public struct Node: Sendable, Codable, Equatable {
        public var nodeId: String
        public var sequenceId: Int
        /// Base (released: the vehicle may go there) or horizon (planned, not yet granted).
        public var released: Bool
        public var actions: [Action]
    }

    /// An edge of an order: a path between two of its nodes.
    public struct Edge: Sendable, Codable, Equatable {
        public var edgeId: String
        public var sequenceId: Int
        public var released: Bool
        public var startNodeId: String
        public var endNodeId: String
        /// Metres per second.
        public var maxSpeed: Double
        public var length: Double
    }

    /// What a vehicle is asked to do at a node or at once.
    public struct Action: Sendable, Codable, Equatable {
        public var actionType: ActionType
        public var actionId: String
        public var blockingType: String

        public init(_ type: ActionType, id: String, blocking: String = "HARD") {
            actionType = type
            actionId = id
            blockingType = blocking
        }
    }

    /// The actions a shuttle understands.
    public enum ActionType: String, Sendable, Codable {
        case pick, drop, startCharging, stopCharging
        case cancelOrder, startPause, stopPause
        /// SmartGate extension: stop at once wherever the vehicle is; only the operator's release moves it again.
        case emergencyStop, releaseEmergencyStop
    }

    /// Controller to vehicle: drive along these nodes and edges. A later message with the
    /// same `orderId` and a higher `orderUpdateId` releases more of the same route.
    public struct Order: Sendable, Codable, Equatable {
        public var headerId: Int
        public var timestamp: WireTime
        public var version: String = VDA5050.version
        public var manufacturer: String = VDA5050.manufacturer
        public var serialNumber: String
        public var orderId: String
        public var orderUpdateId: Int
        public var nodes: [Node]
        public var edges: [Edge]
    }

    /// Controller to vehicle: do these now.
    public struct InstantActions: Sendable, Codable, Equatable {
        public var headerId: Int
        public var timestamp: WireTime
        public var version: String = VDA5050.version
        public var manufacturer: String = VDA5050.manufacturer
        public var serialNumber: String
        public var actions: [Action]
    }

    public struct NodeState: Sendable, Codable, Equatable {
        public var nodeId: String
        public var sequenceId: Int
        public var released: Bool
    }

    public struct EdgeState: Sendable, Codable, Equatable {
        public var edgeId: String
        public var sequenceId: Int
        public var released: Bool
    }

    public enum ActionStatus: String, Sendable, Codable {
        case waiting = "WAITING", running = "RUNNING", finished = "FINISHED", failed = "FAILED"
    }

    public struct ActionState: Sendable, Codable, Equatable {
        public var actionId: String
        public var actionType: ActionType
        public var actionStatus: ActionStatus
    }

    public struct BatteryState: Sendable, Codable, Equatable {
        /// Percent of capacity.
        public var batteryCharge: Double
        public var charging: Bool
    }

    public struct Load: Sendable, Codable, Equatable {
        public var loadId: String
    }

    public enum ErrorLevel: String, Sendable, Codable { case warning = "WARNING", fatal = "FATAL" }

    public struct VehicleError: Sendable, Codable, Equatable {
        public var errorType: String
        public var errorLevel: ErrorLevel
        public var errorDescription: String
    }

    public struct SafetyState: Sendable, Codable, Equatable {
        /// "NONE", or "REMOTE" while an emergency stop holds it.
        public var eStop: String
        public var fieldViolation: Bool
    }

    /// Vehicle to controller: where it is and what it is doing. Sent on every node reached,
    /// every action change, every fault, and at least every `reportEverySeconds`.
    public struct State: Sendable, Codable, Equatable {
        public var headerId: Int
        public var timestamp: WireTime
        public var version: String = VDA5050.version
        public var manufacturer: String = VDA5050.manufacturer
        public var serialNumber: String
        public var orderId: String
        public var orderUpdateId: Int
        public var lastNodeId: String
        public var lastNodeSequenceId: Int
        /// Metres travelled along the current edge since `lastNodeId`.
        public var distanceSinceLastNode: Double
        /// Nodes still ahead, base then horizon.
        public var nodeStates: [NodeState]
        /// Edges still ahead; while driving, the first is the one under the vehicle.
        public var edgeStates: [EdgeState]
        public var driving: Bool
        public var paused: Bool
        public var loads: [Load]
        public var actionStates: [ActionState]
        public var batteryState: BatteryState
        public var operatingMode: String = "AUTOMATIC"
        public var errors: [VehicleError]
        public var safetyState: SafetyState

        /// True when the vehicle stands still with route ahead that is not yet released to it.
        public var isWaitingForRelease: Bool {
            !driving && !actionStates.contains { $0.actionStatus == .running }
                && !nodeStates.isEmpty && !nodeStates.contains { $0.released }
        }
    }

    public enum ConnectionState: String, Sendable, Codable {
        case online = "ONLINE", offline = "OFFLINE", connectionBroken = "CONNECTIONBROKEN"
    }

    /// Vehicle (or its broker's last will) to controller.
    public struct Connection: Sendable, Codable, Equatable {
        public var headerId: Int
        public var timestamp: WireTime
        public var version: String = VDA5050.version
        public var manufacturer: String = VDA5050.manufacturer
        public var serialNumber: String
        public var connectionState: ConnectionState
    }

    /// Encodes a message the way it goes over the WebSocket.
    public static func encode<T: Encodable>(_ message: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(message)
    }

    /// Decodes a message from the wire.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        try JSONDecoder().decode(T.self, from: data)
    }
}

/// An instant as Unix seconds in memory and an RFC 3339 string on the wire.
public struct WireTime: Sendable, Codable, Equatable, Comparable, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral {
    public var seconds: Double

    public init(_ seconds: Double) { self.seconds = seconds }
    public init(floatLiteral value: Double) { seconds = value }
    public init(integerLiteral value: Int) { seconds = Double(value) }

    public static func < (lhs: WireTime, rhs: WireTime) -> Bool { lhs.seconds < rhs.seconds }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do { seconds = try Timestamp.parse(text).timeIntervalSince1970 } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "timestamp is not RFC 3339: \(text)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Timestamp.format(Date(timeIntervalSince1970: seconds)))
    }
}
