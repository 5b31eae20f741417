import Fluent
import Foundation
import GateKit
import SQLKit

/// Applies one device reading to its lane: opens, feeds, decides, closes or abandons the
/// lane's passage, matches the vehicle to its declaration and moves that declaration
/// through its lifecycle. Runs inside the commit queue, so each reading sees the lane
/// exactly as the previous one left it.
enum ReadingIngest {
    struct Result: Sendable {
        /// The JSON answer.
        var response: Data
        /// The decision taken by this reading, if it was the `ready` that decided.
        var decision: LaneDecision?
    }

    /// The `(deviceId, eventId)` was stored before: the caller answers with the first answer.
    struct AlreadyStored: Error {}

    static let activeStates = [PassageState.open.rawValue, PassageState.decided.rawValue]
    static let matchableStatuses = [DeclarationStatus.submitted, .amended, .atLane].map(\.rawValue)

    static func record(
        _ reading: LaneReading, lane: LaneProfile, fingerprint: String, receivedAt now: Date,
        settings: ServerSettings, lanes: LaneStates, on db: any Database
    ) async throws -> Result {
        let nowMs = now.milliseconds
        var current = try await lanes.current(lane.id, on: db)
        var finished: LaneState?  // a passage this reading ends before opening the next

        if let active = current {
            let idleMs = Int64(settings.passageIdleTimeout * 1000)
            if active.state == .open, nowMs - active.lastReadingMs > idleMs {
                finished = ended(active, as: .abandoned, at: nowMs)
                current = nil
            } else if active.state == .decided, case .plate = reading.payload {
                // The next vehicle's plate: the previous one has gone through.
                finished = ended(active, as: .closed, at: nowMs)
                current = nil
            }
        }
        if case .passed = reading.payload, current == nil {
            throw AppError.noVehicleInLane(laneId: lane.id)
        }

        let isNew = current == nil
        var state = current ?? LaneState(
            passageId: UUID(), laneId: lane.id, state: .open, declarationId: nil, openedMs: nowMs, lastReadingMs: nowMs,
            decidedMs: nil, closedMs: nil, decisionId: nil, readings: [], decision: nil)
        let before = state
        state.readings.append(reading)
        state.lastReadingMs = nowMs

        // Reads first: which declaration the vehicle is, and the decision.
        var decision: LaneDecision?
        var matched: DeclarationModel?
        var decisionRow: LaneDecisionModel?
        switch reading.payload {
        case .plate where state.declarationId == nil:
            // Match early, so the declarant can no longer amend a trip whose truck is at the lane.
            let candidates = try await candidates(for: state.readings, including: nil, settings: settings, on: db)
            if case .matched(let match, _) = LaneDecisionEngine.identify(
                readings: state.readings, candidates: candidates.map(\.1), policy: settings.lanePolicy) {
                state.declarationId = match.id
                matched = candidates.first { $0.1.id == match.id }?.0
            }
        case .ready where state.state == .open:
            let candidates = try await candidates(for: state.readings, including: state.declarationId, settings: settings, on: db)
            let decided = LaneDecisionEngine.decide(
                lane: lane, readings: state.readings, candidates: candidates.map(\.1), policy: settings.lanePolicy)
            let row = LaneDecisionModel()
            row.passageId = state.passageId
            row.laneId = lane.id
            row.gateId = lane.gateId
            row.plate = decided.plate
            row.declarationId = decided.declarationId
            row.outcome = decided.outcome.rawValue
            row.reasons = String(decoding: try JSONEncoder().encode(decided.reasons), as: UTF8.self)
            row.readings = String(decoding: try JSONEncoder().encode(decided.readings), as: UTF8.self)
            row.decidedMs = nowMs
            decisionRow = row
            state.state = .decided
            state.decidedMs = nowMs
            if let id = decided.declarationId {
                state.declarationId = id
                matched = candidates.first { $0.1.id == id }?.0
            }
            decision = decided
        case .passed:
            state.state = .closed
            state.closedMs = nowMs
        default:
            break
        }

        // Then the writes, the reading first: a repeated event fails its unique key here,
        // and the whole job (this savepoint) rolls back without touching the lane.
        if let finished { try await PassageModel.write(finished, isNew: false, on: db) }
        if isNew { try await PassageModel.write(state, isNew: true, on: db) }
        if let decisionRow {
            decisionRow.id = try await decisionRow.insertReturningId(on: db)
            state.decisionId = decisionRow.id
            state.decision = try decisionRow.view()
        }
        let response = try WireJSON.encode(PassageEnvelope(passage: state.view))
        let row = LaneReadingModel()
        row.apply(reading)
        row.laneId = lane.id
        row.passageId = state.passageId
        row.receivedMs = nowMs
        row.requestHash = fingerprint
        row.response = String(decoding: response, as: UTF8.self)
        do {
            try await row.insertWithoutReturning(on: db)
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw AlreadyStored()
        }
        let passageChanged = state.state != before.state || state.declarationId != before.declarationId || state.decisionId != before.decisionId
        if !isNew, passageChanged { try await PassageModel.write(state, isNew: false, on: db) }

        if let matched {
            let actor = "lane:\(lane.id)"
            if matched.declarationStatus.isAmendable {
                try await matched.move(to: .atLane, actor: actor, reason: decision == nil ? "plate read" : "ready at barrier", at: now, on: db)
            }
            if let decision, matched.declarationStatus == .atLane {
                let next: DeclarationStatus = switch decision.outcome {
                case .release: .released
                case .refer: .referred
                case .reject: .rejected
                }
                let codes = decision.reasons.filter { $0.severity != .info }.map(\.code.rawValue)
                try await matched.move(to: next, actor: actor, reason: codes.isEmpty ? nil : codes.joined(separator: ","), at: now, on: db)
            }
        }

        lanes.store(state.state.isActive ? state : nil, for: lane.id)
        return Result(response: response, decision: decision)
    }

    /// The first answer given to `(deviceId, eventId)`; 409 when this retry's body differs.
    static func replay(_ reading: LaneReading, fingerprint: String, on db: any Database) async throws -> Data {
        guard let earlier = try await LaneReadingModel.query(on: db)
            .filter(\.$deviceId == reading.deviceId).filter(\.$eventId == reading.eventId).first()
        else { throw AppError.unavailable("The reading could not be stored; retry.") }
        guard earlier.requestHash == fingerprint else {
            throw AppError.idempotencyMismatch(key: "\(reading.deviceId)/\(reading.eventId)")
        }
        return Data(earlier.response.utf8)
    }

    /// Declarations whose plate fits the reads (OCR-tolerant key), still awaiting a vehicle.
    private static func candidates(
        for readings: [LaneReading], including linked: UUID?, settings: ServerSettings, on db: any Database
    ) async throws -> [(DeclarationModel, DeclarationCandidate)] {
        let keys = Array(LaneDecisionEngine.plateKeys(in: readings, policy: settings.lanePolicy))
        guard !keys.isEmpty || linked != nil else { return [] }
        // SQLKit, not a Fluent query: only the four columns the engine needs, without the
        // model hydration that costs more than the query itself on this path.
        let sql = db as! any SQLDatabase
        var filter = SQLBinaryExpression(SQLColumn("plate_key"), .in, SQLBind.group(keys))
        if let linked {
            filter = SQLBinaryExpression(filter, .or, SQLBinaryExpression(SQLColumn("id"), .equal, SQLBind(linked)))
        }
        let rows = try await sql.select()
            .columns("id", "status", "channel", "body")
            .from(DeclarationModel.schema)
            .where(filter)
            .where(SQLColumn("status"), .in, SQLBind.group(matchableStatuses))
            .all()
        return try rows.map { row in
            let model = DeclarationModel()
            model.id = try row.decode(column: "id", as: UUID.self)
            model.status = try row.decode(column: "status", as: String.self)
            model.channel = try row.decode(column: "channel", as: String.self)
            model.body = try row.decode(column: "body", as: String.self)
            model.$id.exists = true
            return (model, try model.candidate())
        }
    }

    private static func ended(_ state: LaneState, as end: PassageState, at nowMs: Int64) -> LaneState {
        var ended = state
        ended.state = end
        ended.closedMs = nowMs
        return ended
    }
}

extension PassageModel {
    /// Writes a lane state's passage row (insert or update by id).
    static func write(_ state: LaneState, isNew: Bool, on db: any Database) async throws {
        // SQLKit rather than Fluent's create/update: this runs for every vehicle in the
        // writer, where Fluent's per-statement overhead (~0.15 ms) doubles the cost.
        let sql = db as! any SQLDatabase
        if isNew {
            try await sql.insert(into: schema)
                .columns("id", "lane_id", "state", "declaration_id", "opened_ms", "last_reading_ms", "decided_ms", "closed_ms", "decision_id")
                .values(
                    SQLBind(state.passageId), SQLBind(state.laneId), SQLBind(state.state.rawValue), SQLBind(state.declarationId),
                    SQLBind(state.openedMs), SQLBind(state.lastReadingMs), SQLBind(state.decidedMs), SQLBind(state.closedMs),
                    SQLBind(state.decisionId))
                .run()
        } else {
            try await sql.update(schema)
                .set("state", to: state.state.rawValue)
                .set("declaration_id", to: state.declarationId)
                .set("last_reading_ms", to: state.lastReadingMs)
                .set("decided_ms", to: state.decidedMs)
                .set("closed_ms", to: state.closedMs)
                .set("decision_id", to: state.decisionId)
                .where("id", .equal, state.passageId)
                .run()
        }
    }
}

extension LaneReadingModel {
    /// A plain INSERT: Fluent's `create` also fetches the generated id, a second round
    /// trip that the hottest write in the system does not need.
    func insertWithoutReturning(on db: any Database) async throws {
        try await (db as! any SQLDatabase).insert(into: Self.schema)
            .columns("lane_id", "passage_id", "device_id", "event_id", "kind", "text", "confidence", "intact", "gross_kg",
                     "observed_ms", "received_ms", "request_hash", "response")
            .values(
                SQLBind(laneId), SQLBind(passageId), SQLBind(deviceId), SQLBind(eventId), SQLBind(kind), SQLBind(text),
                SQLBind(confidence), SQLBind(intact), SQLBind(grossKg), SQLBind(observedMs), SQLBind(receivedMs),
                SQLBind(requestHash), SQLBind(response))
            .run()
    }
}

extension LaneDecisionModel {
    /// INSERT … RETURNING id in one round trip (SQLite ≥ 3.35 and PostgreSQL both have it).
    func insertReturningId(on db: any Database) async throws -> Int {
        let id = try await (db as! any SQLDatabase).insert(into: Self.schema)
            .columns("passage_id", "lane_id", "gate_id", "plate", "declaration_id", "outcome", "reasons", "readings", "decided_ms")
            .values(
                SQLBind(passageId), SQLBind(laneId), SQLBind(gateId), SQLBind(plate), SQLBind(declarationId), SQLBind(outcome),
                SQLBind(reasons), SQLBind(readings), SQLBind(decidedMs))
            .returning("id")
            .first(decodingColumn: "id", as: Int.self)
        guard let id else { throw AppError.unavailable("the decision was not stored") }
        return id
    }
}
