import Fluent
import Foundation
import GateKit

/// Applies one device reading to its lane: opens, feeds, decides, closes or abandons the
/// lane's passage, matches the vehicle to its declaration and moves that declaration
/// through its lifecycle. Runs inside the commit queue, so each reading sees the lane
/// exactly as the previous one left it.
enum ReadingIngest {
    struct Result: Sendable {
        /// The JSON answer (the first answer again, for a retried event).
        var response: Data
        /// The decision taken by this reading, if it was the `ready` that decided.
        var decision: LaneDecision?
    }

    static let activeStates = [PassageState.open.rawValue, PassageState.decided.rawValue]
    static let matchableStatuses = [DeclarationStatus.submitted, .amended, .atLane].map(\.rawValue)

    static func record(
        _ reading: LaneReading, lane: LaneProfile, fingerprint: String, receivedAt now: Date,
        settings: ServerSettings, on db: any Database
    ) async throws -> Result {
        if let earlier = try await LaneReadingModel.query(on: db)
            .filter(\.$deviceId == reading.deviceId).filter(\.$eventId == reading.eventId).first() {
            guard earlier.requestHash == fingerprint else {
                throw AppError.idempotencyMismatch(key: "\(reading.deviceId)/\(reading.eventId)")
            }
            return Result(response: Data(earlier.response.utf8), decision: nil)
        }

        let nowMs = now.milliseconds
        var passage = try await PassageModel.query(on: db)
            .filter(\.$laneId == lane.id).filter(\.$state ~~ activeStates)
            .sort(\.$openedMs, .descending).first()
        var closesPassage = false

        if let current = passage {
            let idleMs = Int64(settings.passageIdleTimeout * 1000)
            if current.state == PassageState.open.rawValue, nowMs - current.lastReadingMs > idleMs {
                try await finish(current, as: .abandoned, at: nowMs, on: db)
                passage = nil
            } else if current.state == PassageState.decided.rawValue, case .plate = reading.payload {
                // The next vehicle's plate: the previous one has gone through.
                try await finish(current, as: .closed, at: nowMs, on: db)
                passage = nil
            }
        }
        if case .passed = reading.payload {
            guard passage != nil else { throw AppError.noVehicleInLane(laneId: lane.id) }
            closesPassage = true
        }

        let active: PassageModel
        var earlierReadings: [LaneReading] = []
        if let passage {
            active = passage
        } else {
            active = PassageModel()
            active.id = UUID()
            active.laneId = lane.id
            active.state = PassageState.open.rawValue
            active.openedMs = nowMs
            active.lastReadingMs = nowMs
            try await active.create(on: db)
        }
        let passageId = try active.requireID()

        var decision: LaneDecision?
        var decisionView: DecisionView?
        let needsHistory: Bool = switch reading.payload {
        case .plate: active.declarationId == nil
        case .ready: active.state == PassageState.open.rawValue
        default: false
        }
        if needsHistory {
            earlierReadings = try await LaneReadingModel.query(on: db)
                .filter(\.$passageId == passageId).sort(\.$id).all().compactMap(\.reading)
        }
        let readings = earlierReadings + [reading]

        switch reading.payload {
        case .plate where active.declarationId == nil:
            // Match early, so the declarant can no longer amend a trip whose truck is at the lane.
            let candidates = try await candidates(for: readings, including: nil, settings: settings, on: db)
            if case .matched(let match, _) = LaneDecisionEngine.identify(readings: readings, candidates: candidates.map(\.1), policy: settings.lanePolicy),
               let model = candidates.first(where: { $0.1.id == match.id })?.0 {
                active.declarationId = match.id
                if model.declarationStatus.isAmendable {
                    try await model.move(to: .atLane, actor: "lane:\(lane.id)", reason: "plate read", at: now, on: db)
                }
            }
        case .ready where active.state == PassageState.open.rawValue:
            let candidates = try await candidates(for: readings, including: active.declarationId, settings: settings, on: db)
            let decided = LaneDecisionEngine.decide(lane: lane, readings: readings, candidates: candidates.map(\.1), policy: settings.lanePolicy)
            let stored = LaneDecisionModel()
            stored.passageId = passageId
            stored.laneId = lane.id
            stored.gateId = lane.gateId
            stored.plate = decided.plate
            stored.declarationId = decided.declarationId
            stored.outcome = decided.outcome.rawValue
            stored.reasons = String(decoding: try JSONEncoder().encode(decided.reasons), as: UTF8.self)
            stored.readings = String(decoding: try JSONEncoder().encode(decided.readings), as: UTF8.self)
            stored.decidedMs = nowMs
            try await stored.create(on: db)

            active.state = PassageState.decided.rawValue
            active.decidedMs = nowMs
            active.decisionId = stored.id
            if let id = decided.declarationId, let model = candidates.first(where: { $0.1.id == id })?.0 {
                active.declarationId = id
                try await moveToOutcome(model, decided, lane: lane, at: now, on: db)
            }
            decision = decided
            decisionView = try stored.view()
        default:
            break
        }
        if decisionView == nil, let decisionId = active.decisionId {
            decisionView = try await LaneDecisionModel.find(decisionId, on: db)?.view()
        }

        active.lastReadingMs = nowMs
        if closesPassage {
            active.state = PassageState.closed.rawValue
            active.closedMs = nowMs
        }
        try await active.save(on: db)

        let response = try WireJSON.encode(PassageEnvelope(passage: try active.view(decision: decisionView)))
        let row = LaneReadingModel()
        row.apply(reading)
        row.laneId = lane.id
        row.passageId = passageId
        row.receivedMs = nowMs
        row.requestHash = fingerprint
        row.response = String(decoding: response, as: UTF8.self)
        try await row.create(on: db)
        return Result(response: response, decision: decision)
    }

    /// Declarations whose plate fits the reads (OCR-tolerant key), still awaiting a vehicle.
    private static func candidates(
        for readings: [LaneReading], including linked: UUID?, settings: ServerSettings, on db: any Database
    ) async throws -> [(DeclarationModel, DeclarationCandidate)] {
        let keys = Array(LaneDecisionEngine.plateKeys(in: readings, policy: settings.lanePolicy))
        guard !keys.isEmpty || linked != nil else { return [] }
        var models = try await DeclarationModel.query(on: db)
            .filter(\.$plateKey ~~ keys).filter(\.$status ~~ matchableStatuses).all()
        if let linked, !models.contains(where: { $0.id == linked }), let model = try await DeclarationModel.find(linked, on: db) {
            models.append(model)
        }
        return try models.map { ($0, try $0.candidate()) }
    }

    private static func moveToOutcome(
        _ model: DeclarationModel, _ decision: LaneDecision, lane: LaneProfile, at now: Date, on db: any Database
    ) async throws {
        let actor = "lane:\(lane.id)"
        if model.declarationStatus.isAmendable {
            try await model.move(to: .atLane, actor: actor, reason: "ready at barrier", at: now, on: db)
        }
        guard model.declarationStatus == .atLane else { return }
        let next: DeclarationStatus = switch decision.outcome {
        case .release: .released
        case .refer: .referred
        case .reject: .rejected
        }
        let codes = decision.reasons.filter { $0.severity != .info }.map(\.code.rawValue)
        try await model.move(to: next, actor: actor, reason: codes.isEmpty ? nil : codes.joined(separator: ","), at: now, on: db)
    }

    private static func finish(_ passage: PassageModel, as state: PassageState, at nowMs: Int64, on db: any Database) async throws {
        passage.state = state.rawValue
        passage.closedMs = nowMs
        try await passage.save(on: db)
    }
}
