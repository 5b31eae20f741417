import Fluent
import Foundation
import GateKit

/// A referred declaration waiting for, or given, an officer's outcome.
final class InspectionModel: Model, @unchecked Sendable {
    static let schema = "inspections"

    @ID(key: .id) var id: UUID?
    @Field(key: "declaration_id") var declarationId: UUID
    @Field(key: "gate_id") var gateId: String
    @Field(key: "declarant_code") var declarantCode: String
    @Field(key: "plate") var plate: String
    /// yellow (documents) or red (physical).
    @Field(key: "channel") var channel: String
    /// Goods under sanitary and phytosanitary control (HS 01–14, 16): quarantine officers
    /// see and take these.
    @Field(key: "quarantine") var quarantine: Bool
    @Field(key: "status") var status: String
    /// The lane's reason codes (JSON array of strings).
    @Field(key: "lane_reasons") var laneReasons: String
    @OptionalField(key: "assigned_to") var assignedTo: UUID?
    @Field(key: "queued_ms") var queuedMs: Int64
    @OptionalField(key: "assigned_ms") var assignedMs: Int64?
    @OptionalField(key: "decided_ms") var decidedMs: Int64?
    @OptionalField(key: "outcome") var outcome: String?
    /// The officer's `InspectionReport` as JSON.
    @OptionalField(key: "report") var report: String?
    @OptionalField(key: "decided_by") var decidedBy: String?

    init() {}

    var inspectionStatus: InspectionStatus { InspectionStatus(rawValue: status) ?? .waiting }
    var inspectionChannel: Channel { Channel(rawValue: channel) ?? .red }
}

/// An officer on duty at a gate.
final class OfficerDutyModel: Model, @unchecked Sendable {
    static let schema = "officer_duty"

    @ID(custom: "user_id", generatedBy: .user) var id: UUID?
    @Field(key: "gate_id") var gateId: String
    @Field(key: "role") var role: String
    @Field(key: "since_ms") var sinceMs: Int64

    init() {}
}
