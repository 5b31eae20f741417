import Foundation

/// The rules of a lane's passages, as a plan the server's writer applies: which passage a
/// reading ends, whether it opens one, what the reading asks for (a match, a decision, a
/// crossing), and then which declarations move. Pure, so every rule is tested as a table
/// without a database; the writer does the reads and writes the plan names.
public enum PassagePlanner {
    /// What the planner needs of the lane's active passage.
    public struct Active: Sendable, Equatable {
        public var state: PassageState
        /// The trip its plate matched, if any.
        public var declarationId: UUID?
        public var lastReadingMs: Int64

        public init(state: PassageState, declarationId: UUID?, lastReadingMs: Int64) {
            self.state = state
            self.declarationId = declarationId
            self.lastReadingMs = lastReadingMs
        }
    }

    /// How the active passage ends before this reading's vehicle is served.
    public enum Ending: Sendable, Equatable {
        /// Decided, and the next vehicle's plate is read: the previous one has gone through.
        case closed
        /// Open and silent past the idle limit. `undecided`: it had matched a trip, which an
        /// officer must now settle (an undecided outcome is recorded and the trip referred).
        case abandoned(undecided: Bool)

        public var state: PassageState {
            switch self {
            case .closed: .closed
            case .abandoned: .abandoned
            }
        }
    }

    /// What the reading asks of the writer, on the passage it joins.
    public enum Step: Sendable, Equatable {
        /// Store it; nothing to evaluate.
        case record
        /// The first plate of a passage with no trip yet: match the vehicle to its declaration.
        case identify
        /// The vehicle is at the barrier: decide.
        case decide
        /// The vehicle left before a decision: record an undecided outcome; the passage closes.
        case leftUndecided
        /// The vehicle passed the barrier after its decision: the passage closes.
        case passedBarrier
    }

    public struct Plan: Sendable, Equatable {
        /// The active passage this reading ends first, if it does.
        public var ending: Ending?
        /// Whether the reading opens a new passage (none is active, or it ended one).
        public var opensPassage: Bool
        public var step: Step
    }

    /// A `passed` reading with no vehicle in the lane.
    public struct NoVehicleInLane: Error, Equatable {}

    /// The plan for one reading of kind `reading` at `nowMs`.
    public static func plan(
        active: Active?, reading: ReadingPayload, at nowMs: Int64, idleTimeoutMs: Int64
    ) throws(NoVehicleInLane) -> Plan {
        var ending: Ending?
        var joined = active
        if let active {
            if active.state == .open, nowMs - active.lastReadingMs > idleTimeoutMs {
                ending = .abandoned(undecided: active.declarationId != nil)
                joined = nil
            } else if active.state == .decided, case .plate = reading {
                ending = .closed
                joined = nil
            }
        }
        let state = joined?.state ?? .open
        let step: Step
        switch reading {
        case .plate where joined?.declarationId == nil: step = .identify
        case .ready where state == .open: step = .decide
        case .passed:
            guard joined != nil else { throw NoVehicleInLane() }
            step = state == .open ? .leftUndecided : .passedBarrier
        default: step = .record
        }
        return Plan(ending: ending, opensPassage: joined == nil, step: step)
    }

    /// What the writer found when it carried out a step (or an ending), for `moves`.
    public enum Finding: Sendable, Equatable {
        /// The plate matched this trip (nil: no single match).
        case identified(UUID?)
        /// The lane decided; `linked` is the trip the plate had matched before.
        case decided(LaneDecision, linked: UUID?)
        /// The passage ended undecided (the vehicle left, or it was abandoned) with this trip.
        case undecided(linked: UUID?)
        /// The vehicle passed the barrier with this trip and a recorded decision, or not.
        case passedBarrier(UUID?, hasDecision: Bool)
    }

    /// One declaration's move, with its reason.
    public struct Move: Sendable, Equatable {
        public var declarationId: UUID
        public var to: DeclarationStatus
        public var reason: String?

        public init(_ declarationId: UUID, to: DeclarationStatus, reason: String?) {
            self.declarationId = declarationId
            self.to = to
            self.reason = reason
        }
    }

    /// The declaration moves a finding calls for, given the declarations' current statuses
    /// (a trip missing from `statuses` is not in a state the lane may move).
    public static func moves(after finding: Finding, statuses: [UUID: DeclarationStatus]) -> [Move] {
        switch finding {
        case .identified(let id?) where statuses[id]?.isAmendable == true:
            // Matched early, so the declarant can no longer amend a trip whose truck is at the lane.
            return [Move(id, to: .atLane, reason: "plate read")]
        case .decided(let decision, let linked):
            let codes = decision.reasons.filter { $0.severity != .info }.map(\.code.rawValue).joined(separator: ",")
            var moves: [Move] = []
            if let id = decision.declarationId, let status = statuses[id] {
                if status.isAmendable { moves.append(Move(id, to: .atLane, reason: "ready at barrier")) }
                moves.append(Move(id, to: decision.outcome.declarationStatus, reason: codes.isEmpty ? nil : codes))
            }
            if let linked, linked != decision.declarationId, statuses[linked] == .atLane {
                // The plate matched this trip, the full decision could not confirm it: an
                // officer settles it rather than leaving the trip at the lane for ever.
                moves.append(Move(linked, to: .referred, reason: codes))
            }
            return moves
        case .undecided(let linked?) where statuses[linked] == .atLane:
            return [Move(linked, to: .referred, reason: ReasonCode.passageUndecided.rawValue)]
        case .passedBarrier(let id?, hasDecision: true) where statuses[id] == .released:
            // Released by the lane, or by an officer's outcome while the truck waited.
            return [Move(id, to: .crossed, reason: "passed the barrier")]
        default:
            return []
        }
    }
}

extension DecisionOutcome {
    /// Where a lane decision moves the declaration.
    public var declarationStatus: DeclarationStatus {
        switch self {
        case .release: .released
        case .refer: .referred
        case .reject: .rejected
        }
    }
}

extension LaneDecision {
    /// The refer outcome of a passage that ended without `ready`, so its trip goes to an
    /// officer instead of staying at the lane for ever.
    public static func undecided(declarationId: UUID?, readings: [LaneReading], reason: String) -> LaneDecision {
        let plate = readings.lazy.compactMap { reading -> String? in
            if case .plate(let text, _) = reading.payload { return VehiclePlate.compactRead(text) }
            return nil
        }.first
        return LaneDecision(
            outcome: .refer, declarationId: declarationId, plate: plate,
            reasons: [DecisionReason(.passageUndecided, .refer, reason)], readings: [])
    }
}
