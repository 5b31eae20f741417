import BorderLink
import Fluent
import Foundation
import GateKit
import SQLKit

/// Turns this side's changes into messages for the other side, in the transaction that
/// made them: the commit queue calls `publish` with the batch's audit entries just before
/// it commits, so a message exists exactly when its change does (the transactional
/// outbox), and no controller has to remember the link.
///
/// What is sent (docs/BORDERLINK.md §4): an export's manifest on submission and on each
/// amendment, its revocation on cancellation, a hold and its release, a `departed`
/// crossing event when the truck passes this side's exit lane; for an arrival that came
/// from a peer, an `arrived` crossing event back when it passes this side's lane.
/// Changes made by a peer's own messages are never echoed back.
enum LinkPublisher {
    static let actions: Set<String> = [
        "declaration.submitted", "declaration.amended", "declaration.cancelled", "declaration.expired", "declaration.rejected",
        "declaration.held", "declaration.released", "declaration.crossed",
    ]

    static func publish(_ entries: [AuditEntry], context: SmartGateContext, on db: any Database) async throws {
        let relevant = entries.filter { actions.contains($0.action) && $0.subject.hasPrefix("declaration:") && !$0.actor.hasPrefix("peer:") }
        let handovers = entries.filter { $0.action == "transport-order.finished" }
        guard !relevant.isEmpty || !handovers.isEmpty else { return }
        let peers = Set(try await context.link.peers.all(on: db).map(\.id))
        guard !peers.isEmpty else { return }
        let directory = try await context.gates.snapshot(on: db)
        try await publishHandovers(handovers, peers: peers, directory: directory, context: context, on: db)
        for entry in relevant {
            guard let id = UUID(uuidString: String(entry.subject.dropFirst("declaration:".count))),
                  let model = try await DeclarationModel.find(id, on: db) else { continue }
            if let arrival = try await ArrivalRecord.find(declaration: id, on: db) {
                // A truck the other side announced: tell it the truck arrived here.
                guard entry.action == "declaration.crossed", peers.contains(arrival.peer) else { continue }
                try await LinkOutboxWriter.enqueue(
                    .crossingEvent, reference: "declaration:\(arrival.senderDeclarationId.uuidString.lowercased())",
                    payload: try await crossing(model, event: "arrived", declarationId: arrival.senderDeclarationId, at: entry.at, on: db),
                    to: arrival.peer, stream: model.gateId, context: context, at: entry.at, on: db)
                continue
            }
            guard model.direction != TripDirection.import.rawValue, let paired = directory.pairedGate(of: model.gateId),
                  let peer = directory.sides[paired], peers.contains(peer) else { continue }
            let reference = "declaration:\(id.uuidString.lowercased())"
            let declarationId = JSONValue.string(id.uuidString.lowercased())
            let message: (LinkMessageType, [String: JSONValue])?
            switch entry.action {
            case "declaration.submitted", "declaration.amended":
                message = (.tripManifest, TripManifest.payload(
                    for: try model.trip(), id: id, version: model.version, channel: model.declarationChannel, receiverGate: paired))
            case "declaration.cancelled", "declaration.expired", "declaration.rejected":
                // The trip will not come: cancelled, expired unused, or refused at this side's lane.
                let outcome = String(entry.action.dropFirst("declaration.".count))
                message = (.tripRevocation, ["declarationId": declarationId, "version": .string(String(model.version)),
                                             "outcome": .string(outcome), "reason": .string(try await lastReason(of: id, on: db) ?? outcome)])
            case "declaration.held":
                message = (.holdNotice, ["declarationId": declarationId, "reason": .string(try await lastReason(of: id, on: db) ?? "held by an officer"),
                                         "at": .string(Timestamp.format(entry.at))])
            case "declaration.released" where try await releasedFromHold(id, on: db):
                message = (.releaseNotice, ["declarationId": declarationId, "at": .string(Timestamp.format(entry.at))])
            case "declaration.crossed":
                message = (.crossingEvent, try await crossing(model, event: "departed", declarationId: id, at: entry.at, on: db))
            default:
                message = nil
            }
            guard let (type, payload) = message else { continue }
            try await LinkOutboxWriter.enqueue(type, reference: reference, payload: payload, to: peer, stream: model.gateId, context: context, at: entry.at, on: db)
        }
    }

    /// A crossing event: which truck, where, and the lane's decision with its reason codes.
    private static func crossing(_ model: DeclarationModel, event: String, declarationId: UUID, at: Date, on db: any Database) async throws -> [String: JSONValue] {
        let id = try model.requireID()
        let decision = try await LaneDecisionModel.query(on: db).filter(\.$declarationId == id).sort(\.$decidedMs, .descending).first()
        let reasons = (try? JSONDecoder().decode([DecisionReason].self, from: Data((decision?.reasons ?? "[]").utf8))) ?? []
        let readings = (try? JSONDecoder().decode([ReadingReference].self, from: Data((decision?.readings ?? "[]").utf8))) ?? []
        // What the decision rests on, by kind of device (plate, container, seal, weight…).
        let kinds = Dictionary(grouping: readings, by: \.kind).mapValues { JSONValue.string(String($0.count)) }
        return [
            "readings": .object(kinds),
            "declarationId": .string(declarationId.uuidString.lowercased()), "event": .string(event), "at": .string(Timestamp.format(at)),
            "plate": .string(model.plate), "gate": .string(model.gateId), "lane": decision.map { .string($0.laneId) } ?? .null,
            "outcome": decision.map { .string($0.outcome) } ?? .null,
            "reasons": .array(reasons.filter { $0.severity != .info }.map { .string($0.code.rawValue) }),
        ]
    }

    /// A container the corridor's shuttle delivered across the bridge: a handover record to
    /// the side opposite Kim Thành, whose yard took or gave it.
    private static func publishHandovers(
        _ entries: [AuditEntry], peers: Set<String>, directory: GateDirectory.Snapshot, context: SmartGateContext, on db: any Database
    ) async throws {
        guard let paired = directory.pairedGate(of: "kim-thanh"), let peer = directory.sides[paired], peers.contains(peer) else { return }
        for entry in entries {
            guard let id = UUID(uuidString: String(entry.subject.dropFirst("transport-order:".count))),
                  let order = try await CorridorOrderModel.find(id, on: db) else { continue }
            let payload: [String: JSONValue] = [
                "orderId": .string(id.uuidString.lowercased()), "container": .string(order.container),
                "vehicle": order.vehicle.map(JSONValue.string) ?? .null, "fromBay": .string(order.from),
                "toBay": .string(order.deliveredTo ?? order.to), "deliveredAt": .string(Timestamp.format(order.finishedMs.map(Date.init(milliseconds:)) ?? entry.at)),
            ]
            try await LinkOutboxWriter.enqueue(
                .shuttleHandover, reference: "order:\(id.uuidString.lowercased())", payload: payload, to: peer, stream: "corridor",
                context: context, at: entry.at, on: db)
        }
    }

    private static func lastReason(of id: UUID, on db: any Database) async throws -> String? {
        try await DeclarationTransitionModel.query(on: db).filter(\.$declarationId == id).sort(\.$id, .descending).first()?.reason
    }

    private static func releasedFromHold(_ id: UUID, on db: any Database) async throws -> Bool {
        try await DeclarationTransitionModel.query(on: db).filter(\.$declarationId == id).sort(\.$id, .descending).first()?.fromStatus
            == DeclarationStatus.held.rawValue
    }
}
