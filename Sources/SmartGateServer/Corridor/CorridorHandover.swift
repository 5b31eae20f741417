import CorridorKit
import Fluent
import Foundation
import GateKit

/// Smart mode: a trip declared with `crossing: shuttle` is handed to the corridor when its
/// truck is released at the lane, one transport order per container, from the quietest
/// Vietnamese handover bay to whichever Chinese bay is free. The orders are written in the
/// same transaction as the release, so a released smart trip always has its orders.
enum CorridorHandover {
    /// The bay group orders go to.
    static let farSide = "cn-handover"

    /// Refuses a smart-mode trip this server cannot carry: another gate, or no corridor.
    static func check(_ trip: TripDeclaration, corridor: CorridorOperations?) throws {
        guard trip.crossing == .shuttle else { return }
        if trip.gate != CorridorController.gate || corridor == nil {
            throw AppError.validation(ValidationFailure([Issue(field: "crossing", .shuttleGate, ["allowed": CorridorController.gate])]))
        }
    }

    /// Writes the trip's transport orders; returns them for the dispatcher once committed.
    static func open(for declaration: DeclarationModel, corridor: CorridorOperations?, at now: Date, actor: String,
                     audit: AuditTrail, on db: any Database) async throws -> [TransportOrder] {
        guard let corridor, let trip = try? declaration.trip(), trip.crossing == .shuttle else { return [] }
        var orders: [TransportOrder] = []
        for container in trip.containers {
            let id = UUID()
            let request = TransportOrderRequest(container: container.number, from: await corridor.quietestBay(.vn), to: farSide)
            let model = CorridorOrderModel(id: id, request: request, by: actor, at: now)
            try await model.save(on: db)
            let declarationId = (try? declaration.requireID().uuidString.lowercased()) ?? ""
            try await audit.append(
                actor: actor, action: "transport-order.created", subject: AuditSubject.transportOrder(id).description,
                payload: Data("\(model.container)\n\(model.from)\n\(model.to)\ndeclaration:\(declarationId)".utf8), at: now, on: db)
            orders.append(model.order)
        }
        return orders
    }
}
