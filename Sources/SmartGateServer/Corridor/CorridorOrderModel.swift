import CorridorKit
import Fluent
import Foundation
import GateKit

/// A transport order as stored: what was asked, and where it got to.
final class CorridorOrderModel: Model, @unchecked Sendable {
    static let schema = "corridor_orders"

    @ID(key: .id) var id: UUID?
    @Field(key: "container") var container: String
    @Field(key: "from_location") var from: String
    @Field(key: "to_location") var to: String
    @Field(key: "priority") var priority: Int
    @OptionalField(key: "deadline_ms") var deadlineMs: Int64?
    /// Order ids, comma-separated.
    @Field(key: "depends_on") var dependsOn: String
    @Field(key: "state") var state: String
    @OptionalField(key: "vehicle") var vehicle: String?
    @OptionalField(key: "delivered_to") var deliveredTo: String?
    @OptionalField(key: "loaded_ms") var loadedMs: Int64?
    @OptionalField(key: "finished_ms") var finishedMs: Int64?
    @OptionalField(key: "reason") var reason: String?
    @Field(key: "created_ms") var createdMs: Int64
    @Field(key: "created_by") var createdBy: String

    init() {}

    init(id: UUID, request: TransportOrderRequest, by actor: String, at time: Date) {
        self.id = id
        container = request.container.value
        from = request.from
        to = request.to
        priority = request.priority
        deadlineMs = request.deadline?.milliseconds
        // Stored in one spelling (upper case, as ids are answered), whatever the client sent.
        dependsOn = request.dependsOn.map { UUID(uuidString: $0)?.uuidString ?? $0 }.joined(separator: ",")
        state = TransportOrderState.raw.rawValue
        createdMs = time.milliseconds
        createdBy = actor
    }

    /// The ids it depends on.
    var dependencyIDs: [String] { dependsOn.split(separator: ",").map(String.init) }

    /// The order as the corridor controller takes it.
    var order: TransportOrder {
        var order = TransportOrder(
            id: id?.uuidString ?? "", container: container, from: from, to: to, priority: priority,
            deadline: deadlineMs.map(Date.init(milliseconds:)), dependsOn: dependencyIDs,
            createdAt: Date(milliseconds: createdMs))
        order.state = TransportOrderState(rawValue: state) ?? .raw
        return order
    }

    /// Copies what the controller changed.
    func update(from order: TransportOrder) {
        state = order.state.rawValue
        vehicle = order.vehicle
        deliveredTo = order.deliveredTo
        loadedMs = order.loadedAt?.milliseconds
        finishedMs = order.finishedAt?.milliseconds
        reason = order.reason
    }

    var view: CorridorOrderView {
        CorridorOrderView(
            id: id ?? UUID(), container: container, from: from, to: to, priority: priority,
            deadline: deadlineMs.map(Date.init(milliseconds:)), dependsOn: dependencyIDs,
            state: state, vehicle: vehicle, deliveredTo: deliveredTo, loadedAt: loadedMs.map(Date.init(milliseconds:)),
            finishedAt: finishedMs.map(Date.init(milliseconds:)), reason: reason, createdAt: Date(milliseconds: createdMs))
    }
}

/// A transport order on the wire.
struct CorridorOrderView: Codable, Sendable {
    var id: UUID
    var container: String
    var from: String
    var to: String
    var priority: Int
    var deadline: Date?
    var dependsOn: [String]
    var state: String
    var vehicle: String?
    var deliveredTo: String?
    var loadedAt: Date?
    var finishedAt: Date?
    var reason: String?
    var createdAt: Date
}
