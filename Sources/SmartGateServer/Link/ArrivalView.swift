import Fluent
import Foundation
import GateKit

/// An arrival as the API shows it: the peer's trip and this side's declaration of it.
struct ArrivalView: Encodable, Sendable {
    var id: UUID
    var peer: String
    var senderDeclarationId: UUID
    var manifestVersion: Int
    var gate: String
    var state: String
    var hold: String?
    var plate: String
    var containers: [String]
    var plannedArrival: Date
    var declarationStatus: String
    var channel: String
    var driver: DeclaredDriver
    var createdAt: Date
    var updatedAt: Date

    init(_ arrival: ArrivalRecord, declaration model: DeclarationModel) throws {
        let trip = try model.trip()
        id = arrival.id
        peer = arrival.peer
        senderDeclarationId = arrival.senderDeclarationId
        manifestVersion = arrival.manifestVersion
        gate = arrival.gateId
        // A hold shows as the state while it lasts.
        state = arrival.holdReason == nil ? arrival.state.rawValue : ArrivalRecord.State.held.rawValue
        hold = arrival.holdReason
        plate = model.plate
        containers = trip.containers.map(\.number.value)
        plannedArrival = trip.plannedArrival
        declarationStatus = model.status
        channel = model.channel
        driver = trip.driver
        createdAt = Date(milliseconds: arrival.createdMs)
        updatedAt = Date(milliseconds: arrival.updatedMs)
    }
}

extension ArrivalView {
    /// The views of `arrivals`, in their order, with this side's declarations read at once.
    static func views(of arrivals: [ArrivalRecord], on db: any Database) async throws -> [ArrivalView] {
        guard !arrivals.isEmpty else { return [] }
        let models = try await DeclarationModel.query(on: db).filter(\.$id ~~ arrivals.map(\.id)).all()
        let byId = Dictionary(uniqueKeysWithValues: models.compactMap { model in model.id.map { ($0, model) } })
        return try arrivals.compactMap { arrival in try byId[arrival.id].map { try ArrivalView(arrival, declaration: $0) } }
    }
}
