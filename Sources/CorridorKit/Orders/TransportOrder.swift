import Foundation
import GateKit

/// Where a transport order is in its life (openTCS's states).
public enum TransportOrderState: String, Sendable, Codable, CaseIterable {
    /// Waiting for orders it depends on.
    case raw
    /// Ready for a vehicle.
    case dispatchable
    /// A vehicle is on it.
    case beingProcessed = "being-processed"
    case finished
    case failed
    case withdrawn

    /// No transition leaves a final state.
    public var isFinal: Bool { self == .finished || self == .failed || self == .withdrawn }

    /// The lifecycle as a table: every allowed move. `beingProcessed → dispatchable` is the
    /// re-dispatch of an order whose vehicle failed before loading.
    public static let transitions: [TransportOrderState: Set<TransportOrderState>] = [
        .raw: [.dispatchable, .failed, .withdrawn],
        .dispatchable: [.beingProcessed, .failed, .withdrawn],
        .beingProcessed: [.dispatchable, .finished, .failed, .withdrawn],
        .finished: [], .failed: [], .withdrawn: [],
    ]

    /// True when the table allows moving from `self` to `next`.
    public func allows(_ next: TransportOrderState) -> Bool { Self.transitions[self]?.contains(next) ?? false }
}

/// Move one container from a handover bay on one side to a bay on the other.
public struct TransportOrder: Sendable, Codable, Equatable {
    public var id: String
    /// ISO 6346 container number.
    public var container: String
    /// The handover bay the container waits in.
    public var from: String
    /// A handover bay, or a group of bays ("cn-handover": whichever is free).
    public var to: String
    /// 0 (normal) to 9; higher goes first.
    public var priority: Int
    public var deadline: Date?
    public var dependsOn: [String]
    public var createdAt: Date
    public var state: TransportOrderState
    public var vehicle: String?
    /// The bay it was unloaded at, once finished.
    public var deliveredTo: String?
    public var loadedAt: Date?
    public var finishedAt: Date?
    /// Why it failed, or where a withdrawn container was left.
    public var reason: String?

    public init(id: String, container: String, from: String, to: String, priority: Int = 0, deadline: Date? = nil,
                dependsOn: [String] = [], createdAt: Date, state: TransportOrderState = .raw) {
        self.id = id
        self.container = container
        self.from = from
        self.to = to
        self.priority = priority
        self.deadline = deadline
        self.dependsOn = dependsOn
        self.createdAt = createdAt
        self.state = state
    }
}

extension IssueCode {
    public static let corridorLocation = IssueCode(
        "corridor.location",
        en: "{actual} is not a handover bay or bay group of the corridor; known: {allowed}",
        vi: "{actual} không phải vị trí giao nhận hoặc nhóm vị trí của hành lang; hợp lệ: {allowed}",
        zh: "{actual} 不是走廊的交接泊位或泊位组；可用：{allowed}")
    public static let corridorSameSide = IssueCode(
        "corridor.same-side",
        en: "from and to are both on the {side} side; the corridor carries containers across the border",
        vi: "điểm đi và điểm đến đều ở phía {side}; hành lang chỉ chở container qua biên giới",
        zh: "起点和终点都在 {side} 一侧；该走廊只运送跨境集装箱")
    public static let corridorUnknownOrder = IssueCode(
        "corridor.unknown-order",
        en: "no transport order {actual}",
        vi: "không có lệnh vận chuyển {actual}",
        zh: "没有运输指令 {actual}")
    public static let corridorDeadlinePast = IssueCode(
        "corridor.deadline-past",
        en: "the deadline has already passed",
        vi: "thời hạn đã qua",
        zh: "截止时间已过")
}

/// A new transport order as a client asks for it, validated against the plant.
public struct TransportOrderRequest: Sendable, Equatable {
    public var container: ContainerNumber
    public var from: String
    public var to: String
    public var priority: Int
    public var deadline: Date?
    public var dependsOn: [String]

    public init(container: ContainerNumber, from: String, to: String, priority: Int = 0, deadline: Date? = nil, dependsOn: [String] = []) {
        self.container = container
        self.from = from
        self.to = to
        self.priority = priority
        self.deadline = deadline
        self.dependsOn = dependsOn
    }

    static let fields = ["container", "from", "to", "priority", "deadline", "dependsOn"]

    /// Reads a request body, naming every bad field: unknown fields, a container number
    /// failing its check digit, a location that is not a bay, both ends on one side, a
    /// deadline in the past.
    public static func parse(_ json: JSONValue, network: CorridorNetwork, now: Date) throws(ValidationFailure) -> TransportOrderRequest {
        var reader = FieldReader()
        guard let body = reader.object(json, at: "") else { throw ValidationFailure(reader.issues) }
        for key in body.keys.sorted() where !fields.contains(key) {
            reader.add(Issue(field: key, .unknownField, ["allowed": fields.joined(separator: ", ")]))
        }
        let container = reader.parse(body["container"], at: "container", maxLength: 20) { text throws(Issue) in
            try ContainerNumber(text)
        }
        let bays = network.locations.filter { $0.kind == .handoverBay }
        let bayNames = bays.map(\.id)
        let groupNames = network.groups.filter { $0.value.allSatisfy { network.locations[$0].kind == .handoverBay } }.keys.sorted()
        let from = reader.string(body["from"], at: "from", maxLength: 64)
        var fromSide: BorderSide?
        if let from {
            if let bay = bays.first(where: { $0.id == from }) { fromSide = bay.side } else {
                reader.add(Issue(field: "from", .corridorLocation, ["actual": from, "allowed": bayNames.joined(separator: ", ")]))
            }
        }
        let to = reader.string(body["to"], at: "to", maxLength: 64)
        if let to {
            let side = bays.first(where: { $0.id == to })?.side ?? (groupNames.contains(to) ? network.locations[network.groups[to]![0]].side : nil)
            if let side {
                if side == fromSide { reader.add(Issue(field: "to", .corridorSameSide, ["side": side.rawValue])) }
            } else {
                reader.add(Issue(field: "to", .corridorLocation, ["actual": to, "allowed": (bayNames + groupNames).joined(separator: ", ")]))
            }
        }
        var priority = 0
        if let value = reader.number(body["priority"], at: "priority", required: false, minimum: 0, maximum: 9) {
            if value == value.rounded(0) { priority = Int(truncating: value as NSNumber) } else {
                reader.add(Issue(field: "priority", .wrongType, ["expected": "a whole number", "actual": "\(value)"]))
            }
        }
        let deadline = reader.timestamp(body["deadline"], at: "deadline", required: false, within: .calendar)
        if let deadline, deadline <= now { reader.add(Issue(field: "deadline", .corridorDeadlinePast)) }
        var dependsOn: [String] = []
        if let list = reader.array(body["dependsOn"], at: "dependsOn", required: false, maxCount: 20) {
            for (i, item) in list.enumerated() {
                if let id = reader.string(item, at: "dependsOn[\(i)]", maxLength: 64) { dependsOn.append(id) }
            }
        }
        try reader.finish()
        return TransportOrderRequest(container: container!, from: from!, to: to!, priority: priority, deadline: deadline, dependsOn: dependsOn)
    }
}

extension Decimal {
    fileprivate func rounded(_ scale: Int) -> Decimal {
        var input = self, output = Decimal()
        NSDecimalRound(&output, &input, scale, .plain)
        return output
    }
}
