/// The PostgreSQL advisory locks SmartGate's instances share, in the two-int4 form: the
/// first number is SmartGate's own, so another application's advisory locks on the same
/// database never collide with ours. Advisory locks belong to one database, so instances
/// on different databases (each test's) never meet either.
enum AdvisoryLock: Sendable {
    /// Held by the writer's transaction: batches from every instance commit one at a time.
    case writer
    /// Held while migrations run, so instances starting together migrate once.
    case migrations
    /// Held by the instance doing that role's background work.
    case lease(InstanceRole)

    /// "SGTE".
    static let space: Int32 = 0x5347_5445

    var key: Int32 {
        switch self {
        case .writer: 1
        case .migrations: 2
        case .lease(let role): role.lockKey
        }
    }

    /// The arguments of `pg_advisory_*` for this lock, as SQL text (two integer literals).
    var arguments: String { "\(Self.space), \(key)" }
}

/// Background work that must run on one instance at a time (CONTRACTS §13).
enum InstanceRole: String, CaseIterable, Sendable, Codable {
    /// The corridor's controller, fleet and safety checker.
    case corridor
    /// Declarations past their arrival window become `expired`.
    case expirySweep = "expiry-sweep"
    /// The cross-border link's deliveries, gap pulls and audit anchors.
    case linkCourier = "link-courier"
    /// The waiting yards' calls forward, missed calls and no-shows.
    case yardDispatch = "yard-dispatch"

    /// Fixed, not the case's position: instances of two versions during a rolling upgrade
    /// must agree on every role's lock.
    var lockKey: Int32 {
        switch self {
        case .corridor: 101
        case .expirySweep: 102
        case .linkCourier: 103
        case .yardDispatch: 104
        }
    }
}
