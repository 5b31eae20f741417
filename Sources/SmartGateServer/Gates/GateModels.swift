import Fluent
import Foundation

/// A border crossing on the Vietnamese side (one of a gate pair).
final class GateModel: Model, @unchecked Sendable {
    static let schema = "gates"

    @ID(custom: "id", generatedBy: .user) var id: String?
    @Field(key: "name_en") var nameEn: String
    @Field(key: "name_vi") var nameVi: String
    @Field(key: "name_zh") var nameZh: String
    /// `road`, `road-freight` or `rail`.
    @Field(key: "mode") var mode: String
    /// IANA time zone of the gate's operating hours.
    @Field(key: "time_zone") var timeZone: String
    /// The paired gate on the Chinese side.
    @Field(key: "counterpart") var counterpart: String
    /// `VN-LAOCAI` or `CN-HEKOU`: an instance serves its own side's gates.
    @Field(key: "side") var side: String
    /// The id of the gate opposite, on the other side.
    @OptionalField(key: "paired_gate") var pairedGate: String?
    @Children(for: \.$gate) var lanes: [LaneModel]

    init() {}

    init(id: String, nameEn: String, nameVi: String, nameZh: String, mode: String, timeZone: String, counterpart: String) {
        self.id = id
        self.nameEn = nameEn
        self.nameVi = nameVi
        self.nameZh = nameZh
        self.mode = mode
        self.timeZone = timeZone
        self.counterpart = counterpart
    }
}

/// One control lane at a gate, with its devices (plate cameras, OCR, e-seal readers, weighbridge).
final class LaneModel: Model, @unchecked Sendable {
    static let schema = "lanes"

    @ID(custom: "id", generatedBy: .user) var id: String?
    @Parent(key: "gate_id") var gate: GateModel
    /// `outbound` (Vietnam → China) or `inbound`.
    @Field(key: "direction") var direction: String
    @Field(key: "position") var position: Int
    /// `border` (a control lane), `yard-entry` or `yard-exit` (the waiting yard's gates).
    @Field(key: "kind") var kind: String

    init() {}

    init(id: String, gateId: String, direction: String, position: Int) {
        self.id = id
        self.$gate.id = gateId
        self.direction = direction
        self.position = position
        self.kind = "border"
    }
}
