import Foundation

/// What the barrier does.
public enum DecisionOutcome: String, Sendable, Codable, CaseIterable {
    /// Open the barrier: everything matched and the channel is green.
    case release
    /// Keep the barrier closed and call an officer.
    case refer
    /// Refuse the vehicle: evidence of tampering.
    case reject
}

/// How much a finding weighs in the outcome.
public enum ReasonSeverity: String, Sendable, Codable, Comparable {
    /// Worth recording (an OCR read that was corrected), changes nothing.
    case info
    /// An officer must look.
    case refer
    /// The vehicle is refused.
    case reject

    private var rank: Int {
        switch self {
        case .info: 0
        case .refer: 1
        case .reject: 2
        }
    }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
}

/// Machine-readable reason codes of a lane decision. Stable: dashboards, officers'
/// tooling and the twin match on them.
public enum ReasonCode: String, Sendable, Codable, CaseIterable {
    case plateUnread = "PLATE_UNREAD"
    case plateLowConfidence = "PLATE_LOW_CONFIDENCE"
    case plateAmbiguous = "PLATE_AMBIGUOUS"
    case plateCorrected = "PLATE_OCR_CORRECTED"
    case plateConflict = "PLATE_CONFLICT"
    case tripSelected = "TRIP_SELECTED"
    case trailerMismatch = "TRAILER_MISMATCH"
    case vehicleUndeclared = "VEHICLE_UNDECLARED"
    case declarationNotActive = "DECLARATION_NOT_ACTIVE"
    case gateMismatch = "GATE_MISMATCH"
    case directionMismatch = "DIRECTION_MISMATCH"
    case outsideArrivalWindow = "OUTSIDE_ARRIVAL_WINDOW"
    case containerMissing = "CONTAINER_MISSING"
    case containerUndeclared = "CONTAINER_UNDECLARED"
    case containerUnreadable = "CONTAINER_UNREADABLE"
    case containerRepaired = "CONTAINER_REPAIRED"
    case sealMissing = "SEAL_MISSING"
    case sealTampered = "SEAL_TAMPERED"
    case sealUndeclared = "SEAL_UNDECLARED"
    case weightMissing = "WEIGHT_MISSING"
    case weightMismatch = "WEIGHT_MISMATCH"
    case channelYellow = "CHANNEL_YELLOW"
    case channelRed = "CHANNEL_RED"
    /// The vehicle left the lane, or stopped reporting, before `ready`: nobody decided.
    case passageUndecided = "PASSAGE_UNDECIDED"
    /// The other side of the border holds the trip (a hold notice over the link).
    case heldByOtherSide = "HELD_BY_OTHER_SIDE"
}

/// One finding behind a decision.
public struct DecisionReason: Sendable, Equatable, Codable {
    public var code: ReasonCode
    public var severity: ReasonSeverity
    public var message: String

    public init(_ code: ReasonCode, _ severity: ReasonSeverity, _ message: String) {
        self.code = code
        self.severity = severity
        self.message = message
    }
}

/// A reading the engine relied on, so an officer can see what the decision rests on.
public struct ReadingReference: Sendable, Equatable, Codable {
    public var deviceId: String
    public var eventId: String
    public var kind: String
    public init(deviceId: String, eventId: String, kind: String) {
        self.deviceId = deviceId
        self.eventId = eventId
        self.kind = kind
    }
}

/// The engine's answer for one vehicle at one lane.
public struct LaneDecision: Sendable, Equatable, Codable {
    public var outcome: DecisionOutcome
    /// The declaration the vehicle was matched to; nil when none could be matched safely.
    public var declarationId: UUID?
    /// The declared plate of the matched vehicle, or the best plate read when unmatched.
    public var plate: String?
    public var reasons: [DecisionReason]
    public var readings: [ReadingReference]

    public init(
        outcome: DecisionOutcome, declarationId: UUID?, plate: String?, reasons: [DecisionReason], readings: [ReadingReference]
    ) {
        self.outcome = outcome
        self.declarationId = declarationId
        self.plate = plate
        self.reasons = reasons
        self.readings = readings
    }
}

/// The tunable rules of the lane decision, set by the gate's operator.
public struct LanePolicy: Sendable, Equatable, Codable {
    /// Relative weighbridge tolerance against the declared gross (tare + goods), in percent.
    public var weightTolerancePercent: Double
    /// Absolute floor of the weighbridge tolerance, in kilograms.
    public var weightToleranceMinimumKg: Double
    /// How far before or after its planned arrival a truck may present itself, in seconds.
    public var arrivalWindow: TimeInterval
    /// OCR reads below this confidence are not trusted to identify anything.
    public var minimumReadConfidence: Double

    public init(
        weightTolerancePercent: Double = 2, weightToleranceMinimumKg: Double = 300,
        arrivalWindow: TimeInterval = 72 * 3600, minimumReadConfidence: Double = 0.8
    ) {
        self.weightTolerancePercent = weightTolerancePercent
        self.weightToleranceMinimumKg = weightToleranceMinimumKg
        self.arrivalWindow = arrivalWindow
        self.minimumReadConfidence = minimumReadConfidence
    }

    /// max(2 %, 300 kg), ±72 h, confidence 0.8.
    public static let standard = LanePolicy()

    /// The weighbridge tolerance for an expected gross mass.
    public func weightTolerance(forExpectedKg expected: Double) -> Double {
        max(expected * weightTolerancePercent / 100, weightToleranceMinimumKg)
    }
}

/// A declaration the lane could match a vehicle to, with what the engine needs of it.
public struct DeclarationCandidate: Sendable, Equatable {
    public var id: UUID
    public var status: DeclarationStatus
    public var channel: Channel
    public var declaration: TripDeclaration
    /// Why the other side of the border holds this trip, if it does: an officer decides.
    public var hold: String?
    public init(id: UUID, status: DeclarationStatus, channel: Channel, declaration: TripDeclaration, hold: String? = nil) {
        self.id = id
        self.status = status
        self.channel = channel
        self.declaration = declaration
        self.hold = hold
    }
}
