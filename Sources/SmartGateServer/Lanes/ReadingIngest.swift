import CorridorKit
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
        /// Its row, for the live pages of every instance.
        var decisionRowId: Int?
        /// Transport orders a smart-mode release wrote, for the dispatcher once committed.
        var corridorOrders: [TransportOrder] = []
    }

    /// The `(device key, deviceId, eventId)` was stored before: the caller answers with the first answer.
    struct AlreadyStored: Error {}

    static let activeStates = [PassageState.open.rawValue, PassageState.decided.rawValue]
    static let matchableStatuses = DeclarationStatus.allCases.filter(\.awaitsVehicle).map(\.rawValue)

    static func record(
        _ reading: LaneReading, lane: LaneProfile, device: DeviceIdentity, fingerprint: String, receivedAt now: Date,
        settings: ServerSettings, lanes: LaneStates, audit: AuditTrail, corridor: CorridorOperations? = nil, on db: any Database
    ) async throws -> Result {
        let nowMs = now.milliseconds
        let actor = device.actor
        let active = try await lanes.current(lane.id, on: db)
        let plan: PassagePlanner.Plan
        do {
            plan = try PassagePlanner.plan(
                active: active?.plannerView, reading: reading.payload, at: nowMs, idleTimeoutMs: Int64(settings.passageIdleTimeout * 1000))
        } catch {
            throw AppError.noVehicleInLane(laneId: lane.id)
        }
        var findings: [PassagePlanner.Finding] = []
        var finished: LaneState?  // a passage this reading ends before serving its vehicle
        var finishedDecision: LaneDecisionModel?
        if let ending = plan.ending, var ended = active {
            try ended.end(as: ending.state, at: nowMs)
            if ending == .abandoned(undecided: true) {
                finishedDecision = try undecided(&ended, lane: lane, at: nowMs, reason: "The passage was idle past the limit without a decision.")
                findings.append(.undecided(linked: ended.declarationId))
            }
            finished = ended
        }
        var state = plan.opensPassage ? LaneState(opening: lane.id, at: nowMs) : active!
        let before = state
        state.readings.append(reading)
        state.lastReadingMs = nowMs

        // Reads first: which declaration the vehicle is, and the decision.
        var decision: LaneDecision?
        var decisionRow: LaneDecisionModel?
        var models: [UUID: DeclarationModel] = [:]
        switch plan.step {
        case .identify:
            let candidates = try await candidates(for: state.readings, including: nil, settings: settings, on: db)
            candidates.forEach { models[$0.1.id] = $0.0 }
            if case .matched(let match, _) = LaneDecisionEngine.identify(
                readings: state.readings, candidates: candidates.map(\.1), lane: lane, policy: settings.lanePolicy) {
                state.declarationId = match.id
                findings.insert(.identified(match.id), at: 0)
            }
        case .decide:
            let linked = state.declarationId
            let candidates = try await candidates(for: state.readings, including: linked, settings: settings, on: db)
            candidates.forEach { models[$0.1.id] = $0.0 }
            let decided = LaneDecisionEngine.decide(
                lane: lane, readings: state.readings, candidates: candidates.map(\.1), policy: settings.lanePolicy)
            decisionRow = try LaneDecisionModel(decided, passageId: state.passageId, lane: lane, at: nowMs)
            try state.move(to: .decided)
            state.decidedMs = nowMs
            if let id = decided.declarationId, models[id] != nil { state.declarationId = id }
            findings.insert(.decided(decided, linked: linked), at: 0)
            decision = decided
        case .leftUndecided:
            decisionRow = try undecided(&state, lane: lane, at: nowMs, reason: "The vehicle left the lane before a decision.")
            findings.insert(.undecided(linked: state.declarationId), at: 0)
            try state.end(as: .closed, at: nowMs)
        case .passedBarrier:
            findings.insert(.passedBarrier(state.declarationId, hasDecision: state.decision != nil), at: 0)
            try state.end(as: .closed, at: nowMs)
        case .record:
            break
        }
        let moves = try await declarationMoves(after: findings, known: &models, on: db)

        // Then the writes. A repeated event fails the reading's unique key, and the job
        // rolls back whole without touching the lane's state.
        if var finished {
            if let finishedDecision {
                finished.decisionId = try await finishedDecision.insertReturningId(on: db)
                try await finishedDecision.audit(audit, actor: actor, at: now, on: db)
            }
            try await PassageModel.write(finished, isNew: false, on: db)
        }
        if plan.opensPassage { try await PassageModel.write(state, isNew: true, on: db) }
        if let decisionRow {
            decisionRow.id = try await decisionRow.insertReturningId(on: db)
            try await decisionRow.audit(audit, actor: actor, at: now, on: db)
            state.decisionId = decisionRow.id
            state.decision = try decisionRow.view()
        }
        let response = try WireJSON.encode(PassageEnvelope(passage: state.view))
        let row = LaneReadingModel()
        row.apply(reading)
        row.laneId = lane.id
        row.deviceKeyId = device.id
        row.passageId = state.passageId
        row.receivedMs = nowMs
        row.requestHash = fingerprint
        row.response = String(decoding: response, as: UTF8.self)
        do {
            try await row.insertWithoutReturning(on: db)
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw AlreadyStored()
        }
        let passageChanged = state.state != before.state || state.declarationId != before.declarationId
            || state.decisionId != before.decisionId
        if passageChanged { try await PassageModel.write(state, isNew: false, on: db) }
        var corridorOrders: [TransportOrder] = []
        for move in moves {
            guard let model = models[move.declarationId] else { continue }
            let (next, reason) = (move.to, move.reason)
            try await model.move(to: next, actor: actor, reason: reason, at: now, audit: audit, on: db)
            if next == .released {
                corridorOrders += try await CorridorHandover.open(for: model, corridor: corridor, at: now, actor: actor, audit: audit, on: db)
            }
            if next == .referred {
                // Into the gate's queue, assigned to the least-loaded officer on duty.
                let codes = (reason ?? "").split(separator: ",").map(String.init)
                try await InspectionQueue.open(for: model, laneReasons: codes, at: now, actor: actor, audit: audit, on: db)
            }
        }

        lanes.store(state.state.isActive ? state : nil, for: lane.id)
        return Result(response: response, decision: decision, decisionRowId: decision == nil ? nil : decisionRow?.id, corridorOrders: corridorOrders)
    }

    /// The first answer given to `(device key, deviceId, eventId)`; 409 when this retry's body differs.
    static func replay(_ reading: LaneReading, device: DeviceIdentity, fingerprint: String, on db: any Database) async throws -> Data {
        guard let earlier = try await LaneReadingModel.query(on: db)
            .filter(\.$deviceKeyId == device.id).filter(\.$deviceId == reading.deviceId).filter(\.$eventId == reading.eventId).first()
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
        // SQLKit, not a Fluent query: only the columns the engine and `move` need, without the
        // model hydration that costs more than the query itself on this path.
        let sql = db as! any SQLDatabase
        var filter = SQLBinaryExpression(SQLColumn("plate_key"), .in, SQLBind.group(keys))
        if let linked {
            filter = SQLBinaryExpression(filter, .or, SQLBinaryExpression(SQLColumn("id"), .equal, SQLBind(linked)))
        }
        let rows = try await sql.select()
            .columns("id", "status", "channel", "version", "body", "link_hold")
            .from(DeclarationModel.schema)
            .where(filter)
            .where(SQLColumn("status"), .in, SQLBind.group(matchableStatuses))
            .all()
        return try rows.map { row in
            let model = DeclarationModel()
            model.id = try row.decode(column: "id", as: UUID.self)
            model.status = try row.decode(column: "status", as: String.self)
            model.channel = try row.decode(column: "channel", as: String.self)
            model.version = try row.decode(column: "version", as: Int.self)
            model.body = try row.decode(column: "body", as: String.self)
            model.linkHold = try row.decode(column: "link_hold", as: String?.self)
            model.$id.exists = true
            return (model, try model.candidate())
        }
    }

    /// The planner's declaration moves after `findings`, with the trips they name read
    /// into `known` (those the candidates' query did not bring already).
    private static func declarationMoves(
        after findings: [PassagePlanner.Finding], known: inout [UUID: DeclarationModel], on db: any Database
    ) async throws -> [PassagePlanner.Move] {
        let named = findings.compactMap { finding -> UUID? in
            switch finding {
            case .identified(let id), .undecided(let id), .passedBarrier(let id, _): id
            case .decided(let decision, let linked): linked ?? decision.declarationId
            }
        }
        let missing = Set(named).subtracting(known.keys)
        if !missing.isEmpty {
            for model in try await DeclarationModel.query(on: db).filter(\.$id ~~ Array(missing)).all() { known[try model.requireID()] = model }
        }
        let statuses = known.mapValues(\.declarationStatus)
        return findings.flatMap { PassagePlanner.moves(after: $0, statuses: statuses) }
    }

    /// Records the refer outcome of a passage that ended without `ready`.
    private static func undecided(_ state: inout LaneState, lane: LaneProfile, at nowMs: Int64, reason: String) throws -> LaneDecisionModel {
        let decision = LaneDecision.undecided(declarationId: state.declarationId, readings: state.readings, reason: reason)
        state.decidedMs = nowMs
        return try LaneDecisionModel(decision, passageId: state.passageId, lane: lane, at: nowMs)
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
            .columns("lane_id", "passage_id", "device_key_id", "device_id", "event_id", "kind", "text", "confidence", "intact", "gross_kg",
                     "observed_ms", "received_ms", "request_hash", "response")
            .values(
                SQLBind(laneId), SQLBind(passageId), SQLBind(deviceKeyId), SQLBind(deviceId), SQLBind(eventId), SQLBind(kind), SQLBind(text),
                SQLBind(confidence), SQLBind(intact), SQLBind(grossKg), SQLBind(observedMs), SQLBind(receivedMs),
                SQLBind(requestHash), SQLBind(response))
            .run()
    }
}

extension LaneDecisionModel {
    convenience init(_ decision: LaneDecision, passageId: UUID, lane: LaneProfile, at decidedMs: Int64) throws {
        self.init()
        self.passageId = passageId
        laneId = lane.id
        gateId = lane.gateId
        plate = decision.plate
        declarationId = decision.declarationId
        outcome = decision.outcome.rawValue
        reasons = String(decoding: try JSONEncoder().encode(decision.reasons), as: UTF8.self)
        readings = String(decoding: try JSONEncoder().encode(decision.readings), as: UTF8.self)
        self.decidedMs = decidedMs
    }

    /// Appends the decision to the audit chain.
    func audit(_ audit: AuditTrail, actor: String, at now: Date, on db: any Database) async throws {
        try await audit.append(
            actor: actor, action: "lane.decision.\(outcome)", subject: AuditSubject.passage(passageId).description,
            payload: Data("\(declarationId?.uuidString.lowercased() ?? "")\n\(plate ?? "")\n\(outcome)\n\(reasons)\n\(readings)".utf8),
            at: now, on: db)
    }

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

extension LaneState {
    /// A passage opened at `lane` by a reading at `nowMs`.
    init(opening lane: String, at nowMs: Int64) {
        self.init(
            passageId: UUID(), laneId: lane, state: .open, declarationId: nil, openedMs: nowMs, lastReadingMs: nowMs,
            decidedMs: nil, closedMs: nil, decisionId: nil, readings: [], decision: nil)
    }

    /// What the passage planner needs of it.
    var plannerView: PassagePlanner.Active {
        PassagePlanner.Active(state: state, declarationId: declarationId, lastReadingMs: lastReadingMs)
    }

    /// Moves the passage through its lifecycle table (`PassageState.allowedTransitions`).
    mutating func move(to next: PassageState) throws {
        guard state.canMove(to: next) else {
            throw AppError.noVehicleInLane(laneId: laneId)
        }
        state = next
    }

    /// The passage ends (closed when its vehicle has gone, abandoned when it went quiet).
    mutating func end(as ending: PassageState, at nowMs: Int64) throws {
        try move(to: ending)
        closedMs = nowMs
    }
}

