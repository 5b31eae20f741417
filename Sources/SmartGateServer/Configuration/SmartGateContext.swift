import Crypto
import GateKit
import Vapor

/// What the routes share: settings, the single writer, the gate directory, metrics and
/// the keys and caches of authentication.
final class SmartGateContext: Sendable {
    let settings: ServerSettings
    let commits: CommitQueue
    let gates: GateDirectory
    let lanes: LaneStates
    let audit: AuditTrail
    let metrics: GateMetrics
    let gatekeeper: Gatekeeper
    /// Which background roles this instance holds (all of them on SQLite).
    let leases: Leases
    /// What this instance tells the others on one PostgreSQL, and hears from them.
    let notices: ClusterNotices
    let keys: ServerKeys
    /// Rules, random sampling and the risk model.
    let selectivity: Selectivity
    /// The autonomous corridor; nil when no plant is in service.
    let corridor: CorridorOperations?
    /// The cross-border link: peers, and what the courier shares with the routes.
    let link: LinkOperations
    /// Each committed decision, for the live pages.
    let decisionFeed = DecisionFeed()
    /// The digital twin's page: one study at a time, the last answers kept.
    let twin = TwinRuns()
    /// The secret of each slot's draw for its reserve's release, and the key of the
    /// drivers' booking links: derived once, used on every booking request.
    let slotReleaseKey: SymmetricKey
    let driverLinkKey: SymmetricKey
    /// Told about each decision (the demo prints them).
    let decisionLog: @Sendable (LaneDecision, LaneProfile) -> Void

    init(
        settings: ServerSettings, run: String, commits: CommitQueue, lanes: LaneStates, audit: AuditTrail, metrics: GateMetrics,
        keys: ServerKeys, corridor: CorridorOperations?, decisionLog: @escaping @Sendable (LaneDecision, LaneProfile) -> Void
    ) {
        self.corridor = corridor
        self.settings = settings
        gatekeeper = Gatekeeper(settings: settings)
        link = LinkOperations(settings: settings)
        leases = Leases(settings: settings, run: run, metrics: metrics)
        notices = ClusterNotices(settings: settings)
        self.gates = GateDirectory(side: settings.side)
        self.lanes = lanes
        self.audit = audit
        self.commits = commits
        self.metrics = metrics
        self.keys = keys
        self.selectivity = Selectivity(models: RiskModelStore(), sampling: RandomSampling(secret: keys.samplingSecret(settings)))
        self.slotReleaseKey = keys.derived("smartgate slot release v1")
        self.driverLinkKey = keys.derived("smartgate driver link v1")
        self.decisionLog = decisionLog
    }
}

extension Application {
    private struct SmartGateKey: StorageKey {
        typealias Value = SmartGateContext
    }

    /// The SmartGate context; set by `configure`.
    var smartGate: SmartGateContext {
        get {
            guard let context = storage[SmartGateKey.self] else { fatalError("configure(_:settings:) was not called") }
            return context
        }
        set { storage[SmartGateKey.self] = newValue }
    }
}
