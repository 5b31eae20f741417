/// Where a trip declaration is in its life. Transitions are checked against
/// `DeclarationStatus.allowedTransitions`; anything else is a conflict naming the current state.
public enum DeclarationStatus: String, Sendable, Codable, CaseIterable {
    case submitted
    case amended
    case atLane = "at-lane"
    case released
    case referred
    case rejected
    case held
    case crossed
    case closed
    case cancelled
    case expired

    /// The lifecycle as a table: from each state, the states it may move to.
    ///
    /// - `submitted`/`amended` → amended again, at a lane, cancelled by the declarant, or expired;
    /// - `at-lane` → the lane decision: released, referred or rejected;
    /// - `referred` → an officer's outcome: released, held or rejected; `held` → released or rejected;
    /// - `released` → `crossed` (exit reading or the far side's confirmation) → `closed`.
    public static let allowedTransitions: [DeclarationStatus: Set<DeclarationStatus>] = [
        .submitted: [.amended, .atLane, .cancelled, .expired],
        .amended: [.amended, .atLane, .cancelled, .expired],
        .atLane: [.released, .referred, .rejected],
        .referred: [.released, .held, .rejected],
        .held: [.released, .rejected],
        .released: [.crossed],
        .crossed: [.closed],
        .rejected: [],
        .closed: [],
        .cancelled: [],
        .expired: [],
    ]

    /// Whether the lifecycle allows moving from `self` to `next`.
    public func canMove(to next: DeclarationStatus) -> Bool {
        Self.allowedTransitions[self]?.contains(next) ?? false
    }

    /// The declarant may still change or cancel the trip: the truck has not reached a lane.
    public var isAmendable: Bool { self == .submitted || self == .amended }

    /// A lane may still match this declaration to an arriving vehicle.
    public var awaitsVehicle: Bool { self == .submitted || self == .amended || self == .atLane }
}

/// A transition the lifecycle does not allow.
public struct TransitionRefused: Error, Sendable, Equatable, CustomStringConvertible {
    public var from: DeclarationStatus
    public var to: DeclarationStatus
    public init(from: DeclarationStatus, to: DeclarationStatus) {
        self.from = from
        self.to = to
    }
    public var description: String { "a declaration that is \(from.rawValue) cannot become \(to.rawValue)" }
}

extension DeclarationStatus {
    /// Returns `next` if the lifecycle allows it, or throws naming the current state.
    public func move(to next: DeclarationStatus) throws(TransitionRefused) -> DeclarationStatus {
        guard canMove(to: next) else { throw TransitionRefused(from: self, to: next) }
        return next
    }
}
