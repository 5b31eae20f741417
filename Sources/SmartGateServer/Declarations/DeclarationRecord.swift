import Fluent
import Foundation
import GateKit
import SQLKit

/// A stored declaration as the API answers it: the declared trip plus its id, status,
/// channel, version and timestamped history.
struct DeclarationRecord: Encodable, Sendable {
    struct Step: Encodable, Sendable {
        var status: String
        var from: String?
        var at: Date
        var actor: String
        var reason: String?
    }

    var id: UUID
    var status: DeclarationStatus
    var channel: Channel
    var version: Int
    var createdAt: Date
    var updatedAt: Date
    var declaration: TripDeclaration
    var history: [Step]
    /// Score, model version and reasons: only for customs and admin (CONTRACTS §1).
    var risk: RiskView?

    private enum CodingKeys: String, CodingKey {
        case id, status, channel, version, createdAt, updatedAt, history, expectedGrossKg, risk
    }

    func encode(to encoder: any Encoder) throws {
        // The declared fields sit at the top level beside the record's own, as submitted.
        try declaration.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(status, forKey: .status)
        try container.encode(channel, forKey: .channel)
        try container.encode(version, forKey: .version)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
        try container.encode(declaration.expectedGrossKg, forKey: .expectedGrossKg)
        try container.encode(history, forKey: .history)
        try container.encodeIfPresent(risk, forKey: .risk)
    }
}

extension DeclarationModel {
    /// The declared trip, decoded from the stored document.
    func trip() throws -> TripDeclaration {
        try WireJSON.decoder().decode(TripDeclaration.self, from: Data(body.utf8))
    }

    var declarationStatus: DeclarationStatus { DeclarationStatus(rawValue: status) ?? .submitted }
    var declarationChannel: Channel { Channel(rawValue: channel) ?? .red }

    /// Fills the columns from a validated trip.
    func apply(_ trip: TripDeclaration) throws {
        gateId = trip.gate
        direction = trip.direction.rawValue
        declarantCode = trip.declarant.taxCode.value
        plate = trip.vehicle.plate.normalized
        plateKey = trip.vehicle.plate.matchKey
        plannedArrivalMs = Int64((trip.plannedArrival.timeIntervalSince1970 * 1000).rounded())
        body = String(decoding: try WireJSON.encode(trip), as: UTF8.self)
    }

    /// As the engine sees it.
    func candidate() throws -> DeclarationCandidate {
        DeclarationCandidate(id: try requireID(), status: declarationStatus, channel: declarationChannel, declaration: try trip(), hold: linkHold)
    }

    /// The full record, history included; `showRisk` adds score, model and reasons.
    func record(on database: any Database, showRisk: Bool = false) async throws -> DeclarationRecord {
        let id = try requireID()
        let steps = try await DeclarationTransitionModel.query(on: database)
            .filter(\.$declarationId == id).sort(\.$id).all()
        return DeclarationRecord(
            id: id, status: declarationStatus, channel: declarationChannel, version: version,
            createdAt: Date(milliseconds: createdMs), updatedAt: Date(milliseconds: updatedMs), declaration: try trip(),
            history: steps.map {
                .init(status: $0.toStatus, from: $0.fromStatus, at: Date(milliseconds: $0.atMs), actor: $0.actor, reason: $0.reason)
            },
            risk: showRisk ? riskView : nil)
    }

    /// Stores a new, scored trip as `submitted`, with its first step and its audit entry:
    /// a trader's submission and a peer's manifest share it.
    /// - Parameter provenance: a line the audit payload adds before the document (the
    ///   manifest's digest for a peer's), so the entry says what it was made from.
    static func submit(
        _ trip: TripDeclaration, id: UUID, decision: RiskDecision, history: DeclarantHistory, actor: String, reason: String,
        provenance: String? = nil, at now: Date, audit: AuditTrail, on db: any Database
    ) async throws -> DeclarationModel {
        let model = DeclarationModel()
        model.id = id
        model.status = DeclarationStatus.submitted.rawValue
        model.version = 1
        model.createdMs = now.milliseconds
        model.updatedMs = now.milliseconds
        try model.apply(trip)
        try model.apply(decision, history: history)
        try await model.create(on: db)
        try await DeclarationTransitionModel(
            declarationId: id, from: nil, to: DeclarationStatus.submitted.rawValue, atMs: now.milliseconds, actor: actor, reason: reason
        ).create(on: db)
        try await audit.append(
            actor: actor, action: "declaration.submitted", subject: AuditSubject.declaration(id).description,
            payload: Data("\(model.riskAuditLine)\n\(provenance.map { $0 + "\n" } ?? "")\(model.body)".utf8), at: now, on: db)
        return model
    }

    /// Moves the declaration through its lifecycle and records who, when and why.
    /// Throws `AppError.transition` naming the current state when the lifecycle forbids it.
    func move(
        to next: DeclarationStatus, actor: String, reason: String?, at now: Date, audit: AuditTrail, on database: any Database
    ) async throws {
        let current = declarationStatus
        do {
            _ = try current.move(to: next)
        } catch {
            throw AppError.transition(error)
        }
        // The other side's hold stops the release, whoever asks for it, until it is lifted.
        if next == .released, let hold = linkHold {
            throw AppError.conflict("The other side of the border holds this trip (\(hold)); it is released when the hold is lifted.")
        }
        status = next.rawValue
        updatedMs = now.milliseconds
        // Only the two columns a transition changes: lanes move declarations inside the
        // writer, where a full Fluent save would cost a model round trip. Conditional on the
        // status it was read with: the writer's turn serialises every instance, and the
        // database refuses the move besides should anything change the row in between.
        let moved = try await (database as! any SQLDatabase).update(Self.schema)
            .set("status", to: status)
            .set("updated_ms", to: updatedMs)
            .where("id", .equal, try requireID())
            .where("status", .equal, current.rawValue)
            .returning("id")
            .first()
        guard moved != nil else { throw AppError.conflict("The declaration changed while this request ran; read it again.") }
        // A plain INSERT: the transition's generated id is never needed here, and fetching
        // it would cost a second round trip inside the writer.
        try await (database as! any SQLDatabase).insert(into: DeclarationTransitionModel.schema)
            .columns("declaration_id", "from_status", "to_status", "at_ms", "actor", "reason")
            .values(
                SQLBind(try requireID()), SQLBind(current.rawValue), SQLBind(next.rawValue), SQLBind(now.milliseconds),
                SQLBind(actor), SQLBind(reason))
            .run()
        try await audit.append(
            actor: actor, action: "declaration.\(next.rawValue)", subject: AuditSubject.declaration(try requireID()).description,
            payload: Data("\(current.rawValue)\n\(next.rawValue)\n\(reason ?? "")\n\(version)\n\(next == .amended ? riskAuditLine + "\n" : "")\(body)".utf8),
            at: now, on: database)
        // Only the transitions that change a booking pay for looking one up.
        if [.atLane, .cancelled, .expired].contains(next) {
            try await Bookings.follow(self, previous: nil, actor: actor, audit: audit, at: now, on: database)
            if next == .atLane { try await YardGate.reachedLane(try requireID(), at: now, on: database) }
        }
    }
}

extension Date {
    /// Milliseconds since 1970: how instants are stored, exact in every database.
    var milliseconds: Int64 { Int64((timeIntervalSince1970 * 1000).rounded(.down)) }

    init(milliseconds: Int64) { self.init(timeIntervalSince1970: Double(milliseconds) / 1000) }
}
