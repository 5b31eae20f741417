import Foundation
import GateKit

/// A passage as the readings endpoint answers it: `{"passage": {…}}`.
struct PassageEnvelope: Encodable, Sendable {
    var passage: PassageView
}

struct PassageView: Encodable, Sendable {
    var id: UUID
    var laneId: String
    var state: PassageState
    var declarationId: UUID?
    var openedAt: Date
    var decidedAt: Date?
    var closedAt: Date?
    var decision: DecisionView?

    private enum CodingKeys: String, CodingKey {
        case id, laneId, state, declarationId, openedAt, decidedAt, closedAt, decision
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(laneId, forKey: .laneId)
        try container.encode(state, forKey: .state)
        // Present as null until known, so devices need not test for the key.
        try container.encode(declarationId, forKey: .declarationId)
        try container.encode(openedAt, forKey: .openedAt)
        try container.encodeIfPresent(decidedAt, forKey: .decidedAt)
        try container.encodeIfPresent(closedAt, forKey: .closedAt)
        try container.encode(decision, forKey: .decision)
    }
}

/// A decision as the readings endpoint and the decisions feed show it.
struct DecisionView: Encodable, Sendable {
    var laneId: String
    var plate: String?
    var declarationId: UUID?
    var outcome: DecisionOutcome
    var reasons: [DecisionReason]
    var readings: [ReadingReference]
    var decidedAt: Date

    private enum CodingKeys: String, CodingKey {
        case laneId, plate, declarationId, outcome, reasons, readings, decidedAt
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(laneId, forKey: .laneId)
        try container.encode(plate, forKey: .plate)
        try container.encode(declarationId, forKey: .declarationId)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(reasons, forKey: .reasons)
        try container.encode(readings, forKey: .readings)
        try container.encode(decidedAt, forKey: .decidedAt)
    }
}

extension LaneDecisionModel {
    func view() throws -> DecisionView {
        let decoder = JSONDecoder()
        return DecisionView(
            laneId: laneId, plate: plate, declarationId: declarationId,
            outcome: DecisionOutcome(rawValue: outcome) ?? .refer,
            reasons: try decoder.decode([DecisionReason].self, from: Data(reasons.utf8)),
            readings: try decoder.decode([ReadingReference].self, from: Data(readings.utf8)),
            decidedAt: Date(milliseconds: decidedMs))
    }
}

extension LaneReadingModel {
    /// Back to the domain reading the engine consumes.
    var reading: LaneReading? {
        let payload: ReadingPayload? = switch ReadingKind(rawValue: kind) {
        case .plate?: text.map { .plate(text: $0, confidence: confidence ?? 1) }
        case .container?: text.map { .container(text: $0, confidence: confidence ?? 1) }
        case .seal?: text.map { .seal(id: $0, intact: intact ?? false) }
        case .weight?: grossKg.map { .weight(grossKg: $0) }
        case .ready?: .ready
        case .passed?: .passed
        case nil: nil
        }
        return payload.map { LaneReading(deviceId: deviceId, eventId: eventId, observedAt: Date(milliseconds: observedMs), payload: $0) }
    }

    /// Fills the typed columns from a domain reading.
    func apply(_ reading: LaneReading) {
        deviceId = reading.deviceId
        eventId = reading.eventId
        kind = reading.payload.kind
        observedMs = reading.observedAt.milliseconds
        switch reading.payload {
        case .plate(let text, let confidence), .container(let text, let confidence):
            self.text = text
            self.confidence = confidence
        case .seal(let id, let intact):
            self.text = id
            self.intact = intact
        case .weight(let kg):
            grossKg = kg
        case .ready, .passed:
            break
        }
    }
}

extension LaneReading {
    /// The bytes that identify this reading's content, for comparing a retry with the original.
    func fingerprint(laneId: String) -> String {
        let detail: String = switch payload {
        case .plate(let text, let confidence), .container(let text, let confidence): "\(text)|\(confidence)"
        case .seal(let id, let intact): "\(id)|\(intact)"
        case .weight(let kg): "\(kg)"
        case .ready, .passed: ""
        }
        return WireJSON.digest(Data("\(laneId)|\(payload.kind)|\(detail)|\(observedAt.milliseconds)".utf8))
    }
}
