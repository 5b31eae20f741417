import Fluent
import Foundation

/// One vehicle's passage through one lane (see `PassageState`).
final class PassageModel: Model, @unchecked Sendable {
    static let schema = "passages"

    @ID(key: .id) var id: UUID?
    @Field(key: "lane_id") var laneId: String
    @Field(key: "state") var state: String
    /// The declaration the plate reads were matched to, once they were.
    @OptionalField(key: "declaration_id") var declarationId: UUID?
    @Field(key: "opened_ms") var openedMs: Int64
    /// Server time of the latest reading: the idle timer runs on it.
    @Field(key: "last_reading_ms") var lastReadingMs: Int64
    @OptionalField(key: "decided_ms") var decidedMs: Int64?
    @OptionalField(key: "closed_ms") var closedMs: Int64?
    @OptionalField(key: "decision_id") var decisionId: Int?

    init() {}
}

/// One stored device event. `(device_key_id, device_id, event_id)` is unique: a retried
/// event is stored once.
final class LaneReadingModel: Model, @unchecked Sendable {
    static let schema = "lane_readings"

    @ID(custom: "id", generatedBy: .database) var id: Int?
    @Field(key: "lane_id") var laneId: String
    @Field(key: "passage_id") var passageId: UUID
    /// The key the device authenticated with (nil for readings stored before device keys).
    @OptionalField(key: "device_key_id") var deviceKeyId: UUID?
    @Field(key: "device_id") var deviceId: String
    @Field(key: "event_id") var eventId: String
    @Field(key: "kind") var kind: String
    /// Plate or container text as read, or the seal id.
    @OptionalField(key: "text") var text: String?
    @OptionalField(key: "confidence") var confidence: Double?
    @OptionalField(key: "intact") var intact: Bool?
    @OptionalField(key: "gross_kg") var grossKg: Double?
    @Field(key: "observed_ms") var observedMs: Int64
    @Field(key: "received_ms") var receivedMs: Int64
    /// SHA-256 of the normalised reading: a replay with another body is refused.
    @Field(key: "request_hash") var requestHash: String
    /// The answer given the first time, replayed on retries.
    @Field(key: "response") var response: String

    init() {}
}

/// A lane decision, kept for the decisions feed and for audit.
final class LaneDecisionModel: Model, @unchecked Sendable {
    static let schema = "lane_decisions"

    @ID(custom: "id", generatedBy: .database) var id: Int?
    @Field(key: "passage_id") var passageId: UUID
    @Field(key: "lane_id") var laneId: String
    @Field(key: "gate_id") var gateId: String
    @OptionalField(key: "plate") var plate: String?
    @OptionalField(key: "declaration_id") var declarationId: UUID?
    @Field(key: "outcome") var outcome: String
    /// `[DecisionReason]` as JSON.
    @Field(key: "reasons") var reasons: String
    /// `[ReadingReference]` as JSON: what the decision rests on.
    @Field(key: "readings") var readings: String
    @Field(key: "decided_ms") var decidedMs: Int64

    init() {}
}
