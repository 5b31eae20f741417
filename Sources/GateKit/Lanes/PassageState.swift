/// One vehicle's passage through one lane: `open` on its first reading, `decided` on
/// `ready`, `closed` when the barrier cycle ends or the next vehicle's plate arrives,
/// `abandoned` when it stays open with no reading for the idle limit.
public enum PassageState: String, Sendable, Codable, CaseIterable {
    case open, decided, closed, abandoned

    /// The passage still collects readings for its vehicle.
    public var isActive: Bool { self == .open || self == .decided }

    /// The passage lifecycle as a table.
    public static let allowedTransitions: [PassageState: Set<PassageState>] = [
        .open: [.decided, .abandoned, .closed],
        .decided: [.closed],
        .closed: [],
        .abandoned: [],
    ]

    /// Whether the lifecycle allows moving from `self` to `next`.
    public func canMove(to next: PassageState) -> Bool {
        Self.allowedTransitions[self]?.contains(next) ?? false
    }
}
