import Fluent
import Foundation

/// A stored trip declaration. The validated document is kept whole as JSON (`body`); the
/// columns beside it are what lists filter on and lanes match on.
final class DeclarationModel: Model, @unchecked Sendable {
    static let schema = "declarations"

    @ID(key: .id) var id: UUID?
    @Field(key: "status") var status: String
    @Field(key: "channel") var channel: String
    /// Optimistic-lock version: 1 on submission, +1 on every amendment.
    @Field(key: "version") var version: Int
    @Field(key: "gate_id") var gateId: String
    @Field(key: "direction") var direction: String
    @Field(key: "declarant_code") var declarantCode: String
    /// Normalised plate, for `?plate=` filters.
    @Field(key: "plate") var plate: String
    /// OCR-confusion key of the plate, for matching lane reads (`VehiclePlate.matchKey`).
    @Field(key: "plate_key") var plateKey: String
    @Field(key: "planned_arrival_ms") var plannedArrivalMs: Int64
    @Field(key: "body") var body: String
    @Field(key: "created_ms") var createdMs: Int64
    @Field(key: "updated_ms") var updatedMs: Int64
    /// The risk verdict: probability of a discrepancy, the model that gave it, and every
    /// reason (JSON array of `RiskReason`). Nil score: no model was in service.
    @OptionalField(key: "risk_score") var riskScore: Double?
    @OptionalField(key: "model_version") var modelVersion: String?
    @OptionalField(key: "risk_reasons") var riskReasons: String?
    /// The declarant's record when the trip was scored, kept so outcomes train on the
    /// same inputs the score saw.
    @OptionalField(key: "prior_trips") var priorTrips: Int?
    @OptionalField(key: "prior_discrepancies") var priorDiscrepancies: Int?
    /// Why the other side of the border holds this trip (a hold notice), if it does.
    @OptionalField(key: "link_hold") var linkHold: String?

    init() {}
}

/// One step in a declaration's life: who moved it, when, from where to where, and why.
final class DeclarationTransitionModel: Model, @unchecked Sendable {
    static let schema = "declaration_transitions"

    @ID(custom: "id", generatedBy: .database) var id: Int?
    @Field(key: "declaration_id") var declarationId: UUID
    @OptionalField(key: "from_status") var fromStatus: String?
    @Field(key: "to_status") var toStatus: String
    @Field(key: "at_ms") var atMs: Int64
    /// Who acted: `declarant`, `lane:<id>`, `system`.
    @Field(key: "actor") var actor: String
    @OptionalField(key: "reason") var reason: String?

    init() {}

    init(declarationId: UUID, from: String?, to: String, atMs: Int64, actor: String, reason: String?) {
        self.declarationId = declarationId
        self.fromStatus = from
        self.toStatus = to
        self.atMs = atMs
        self.actor = actor
        self.reason = reason
    }
}
