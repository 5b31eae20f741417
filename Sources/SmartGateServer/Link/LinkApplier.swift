import BorderLink
import Fluent
import Foundation
import GateKit
import SQLKit

/// What this side does with each message a peer sends, inside the writer's transaction
/// (docs/BORDERLINK.md §4). A message it cannot use is a `LinkRefusal`: refused, stored,
/// never half-applied (every check comes before the first write).
enum LinkApplier {
    /// Applies one verified message of a peer, in its stream's order, inside the writer's transaction.
    static func apply(_ envelope: LinkEnvelope, context: SmartGateContext, at now: Date, on db: any Database) async throws {
        do {
            switch envelope.type {
            case .tripManifest: try await manifest(envelope, context: context, at: now, on: db)
            case .tripRevocation: try await revocation(envelope, context: context, at: now, on: db)
            case .holdNotice, .releaseNotice: try await hold(envelope, context: context, at: now, on: db)
            case .crossingEvent: try await crossing(envelope, context: context, at: now, on: db)
            case .auditAnchor: try await anchor(envelope, at: now, on: db)
            case .shuttleHandover, .probe: break  // kept in the inbox: the record is the message itself
            case .acknowledgement, .refusal: throw LinkRefusal(.malformed, "a \(envelope.type.rawValue) is not delivered to an inbox")
            }
        } catch let error as AppError {
            // The lifecycle or validation said no: a refusal of this message, not a failure of the delivery.
            throw LinkRefusal(.malformed, error.oneLine)
        }
    }

    private static func actor(_ envelope: LinkEnvelope) -> String { "peer:\(envelope.sender)" }

    /// A manifest makes (or, in a later version, amends) a declaration of this side at the
    /// paired gate, scored by this side's selectivity and matched at its lanes like any other.
    private static func manifest(_ envelope: LinkEnvelope, context: SmartGateContext, at now: Date, on db: any Database) async throws {
        let (senderId, version) = try TripManifest.version(of: envelope.payload)
        let document = try TripManifest.declarationDocument(from: envelope.payload)
        let directory = try await context.gates.snapshot(on: db)
        let trip: TripDeclaration
        do {
            trip = try TripDeclaration.parse(document, knownGates: directory.gateIds, now: now)
        } catch {
            let issues = error.issues.map { "\($0.field): \($0.message())" }.joined(separator: "; ")
            throw LinkRefusal(.malformed, "the manifest is not a valid trip here: \(issues)")
        }
        guard case .string(let senderGate)? = envelope.payload["senderGate"], directory.pairedGate(of: trip.gate) == senderGate else {
            throw LinkRefusal(.malformed, "gate \(trip.gate) is not the pair of the sender's gate")
        }
        let reason = "manifest v\(version) from \(envelope.sender)"
        if var arrival = try await ArrivalRecord.find(peer: envelope.sender, senderDeclaration: senderId, on: db) {
            // An older version after a newer one is superseded already.
            guard version > arrival.manifestVersion else { return }
            arrival.manifestVersion = version
            arrival.updatedMs = now.milliseconds
            if let model = try await DeclarationModel.find(arrival.id, on: db) {
                // The truck is at the lane or beyond: the lane decided on what it had.
                guard model.declarationStatus.isAmendable else {
                    throw LinkRefusal(.malformed, "version \(version) came after the trip reached the lane here (\(model.status)); not applied")
                }
                let history = try await Selectivity.history(of: model.declarantCode, before: model.createdMs, on: db)
                let decision = try await context.selectivity.assess(trip, id: arrival.id, history: history, floor: context.settings.defaultChannel, at: now, on: db)
                let previous = try model.trip()
                try model.apply(trip)
                try model.apply(decision, history: history)
                model.version += 1
                try await model.save(on: db)
                try await model.move(to: .amended, actor: actor(envelope), reason: "\(reason), channel \(decision.channel.rawValue)", at: now, audit: context.audit, on: db)
                try await Bookings.follow(model, previous: previous, actor: actor(envelope), audit: context.audit, at: now, on: db)
            }
            try await arrival.update(on: db)
            return
        }
        let id = UUID()
        let history = try await Selectivity.history(of: trip.declarant.taxCode.value, before: nil, on: db)
        let decision = try await context.selectivity.assess(trip, id: id, history: history, floor: context.settings.defaultChannel, at: now, on: db)
        _ = try await DeclarationModel.submit(
            trip, id: id, decision: decision, history: history, actor: actor(envelope), reason: "\(reason), channel \(decision.channel.rawValue)",
            provenance: try envelope.digest(), at: now, audit: context.audit, on: db)
        try await ArrivalRecord(
            id: id, peer: envelope.sender, senderDeclarationId: senderId, manifestVersion: version, gateId: trip.gate, state: .expected,
            holdReason: nil, createdMs: now.milliseconds, updatedMs: now.milliseconds
        ).insert(on: db)
        context.metrics.declared(channel: decision.channel)
    }

    /// The arrival a trip message is about, or a refusal naming the unknown trip.
    private static func arrival(_ envelope: LinkEnvelope, on db: any Database) async throws -> ArrivalRecord {
        guard case .string(let text)? = envelope.payload["declarationId"], let id = UUID(uuidString: text) else {
            throw LinkRefusal(.malformed, "the payload names no declarationId")
        }
        guard let arrival = try await ArrivalRecord.find(peer: envelope.sender, senderDeclaration: id, on: db) else {
            throw LinkRefusal(.malformed, "no manifest of \(envelope.sender) for declaration \(text) was applied here")
        }
        return arrival
    }

    private static func revocation(_ envelope: LinkEnvelope, context: SmartGateContext, at now: Date, on db: any Database) async throws {
        var arrival = try await arrival(envelope, on: db)
        guard let model = try await DeclarationModel.find(arrival.id, on: db) else { return }
        if model.declarationStatus.isAmendable {
            try await model.move(to: .cancelled, actor: actor(envelope), reason: "revoked by \(envelope.sender)", at: now, audit: context.audit, on: db)
        }
        arrival.state = .revoked
        arrival.updatedMs = now.milliseconds
        try await arrival.update(on: db)
    }

    /// A hold is kept on the declaration, where the lane reads it: the truck is referred
    /// to an officer instead of released. A release notice lifts it.
    private static func hold(_ envelope: LinkEnvelope, context: SmartGateContext, at now: Date, on db: any Database) async throws {
        var arrival = try await arrival(envelope, on: db)
        let holding = envelope.type == .holdNotice
        let reason: String? = if holding, case .string(let text)? = envelope.payload["reason"] { String(text.prefix(500)) } else if holding { "held" } else { nil }
        // The hold is its own fact beside the state (expected, departed): lifting it leaves the state as it was.
        arrival.holdReason = reason
        arrival.updatedMs = now.milliseconds
        try await arrival.update(on: db)
        try await (db as! any SQLDatabase).update(DeclarationModel.schema).set("link_hold", to: reason.map { "\(envelope.sender): \($0)" })
            .where("id", .equal, arrival.id).run()
        try await context.audit.append(
            actor: actor(envelope), action: holding ? "arrival.held" : "arrival.hold-lifted", subject: AuditSubject.declaration(arrival.id).description,
            payload: Data((reason ?? "").utf8), at: now, on: db)
    }

    /// `departed`: the announced truck left the other side. `arrived`: a truck of ours
    /// passed the other side's lane, which closes its export here.
    private static func crossing(_ envelope: LinkEnvelope, context: SmartGateContext, at now: Date, on db: any Database) async throws {
        guard case .string(let event)? = envelope.payload["event"], ["departed", "arrived"].contains(event) else {
            throw LinkRefusal(.malformed, "a crossing event is departed or arrived")
        }
        if event == "departed" {
            var arrival = try await arrival(envelope, on: db)
            guard arrival.state == .expected else { return }
            arrival.state = .departed
            arrival.updatedMs = now.milliseconds
            try await arrival.update(on: db)
            return
        }
        guard case .string(let text)? = envelope.payload["declarationId"], let id = UUID(uuidString: text),
              let model = try await DeclarationModel.find(id, on: db), model.direction != TripDirection.import.rawValue else {
            throw LinkRefusal(.malformed, "the arrived event names no export of this side")
        }
        // Only a trip this side announced to that peer can be confirmed by it.
        let announced = try await (db as! any SQLDatabase).select().column("id").from("link_outbox")
            .where("peer_id", .equal, envelope.sender).where("type", .equal, LinkMessageType.tripManifest.rawValue)
            .where("reference", .equal, "declaration:\(id.uuidString.lowercased())").first()
        guard announced != nil else { throw LinkRefusal(.malformed, "declaration \(text) was never announced to \(envelope.sender)") }
        let directory = try await context.gates.snapshot(on: db)
        guard let paired = directory.pairedGate(of: model.gateId), directory.sides[paired] == envelope.sender else {
            throw LinkRefusal(.malformed, "declaration \(text) does not cross to \(envelope.sender)")
        }
        let gate: String = if case .string(let name)? = envelope.payload["gate"] { name } else { paired }
        if model.declarationStatus == .released {
            try await model.move(to: .crossed, actor: actor(envelope), reason: "arrived at \(gate) (\(envelope.sender))", at: now, audit: context.audit, on: db)
        }
        if model.declarationStatus == .crossed {
            try await model.move(to: .closed, actor: actor(envelope), reason: "arrival confirmed by \(envelope.sender)", at: now, audit: context.audit, on: db)
        }
    }

    private static func anchor(_ envelope: LinkEnvelope, at now: Date, on db: any Database) async throws {
        let anchor = try AuditAnchor(payload: envelope.payload)
        try await (db as! any SQLDatabase).insert(into: "peer_anchors")
            .columns("peer_id", "message_id", "seq", "hash", "at_ms", "previous_seq", "previous_hash", "received_ms")
            .values(
                SQLBind(envelope.sender), SQLBind(envelope.id), SQLBind(anchor.seq), SQLBind(anchor.hash), SQLBind(anchor.at.milliseconds),
                SQLBind(anchor.previousSeq), SQLBind(anchor.previousHash), SQLBind(now.milliseconds))
            .run()
    }
}
