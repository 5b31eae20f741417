import CorridorKit
import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import GateKit
import JWT
import SQLKit
import Vapor

/// Wires SmartGate into a Vapor application: database, migrations, middleware, routes.
///
/// - Parameters:
///   - settings: operator settings (`ServerSettings.fromEnvironment`).
///   - decisionLog: told about every lane decision after it is committed (the demo prints them).
public func configure(
    _ app: Application, settings: ServerSettings,
    decisionLog: @escaping @Sendable (LaneDecision, LaneProfile) -> Void = { _, _ in },
    corridorLog: (@Sendable (String) -> Void)? = nil
) async throws {
    var sqlitePath: String?
    switch settings.database {
    case .sqliteFile(let path):
        sqlitePath = path
    case .sqliteMemory:
        // A file of this process's own, removed at shutdown: SQLiteKit makes its in-memory
        // databases the same way (SQLiteNIO's SQLite cannot share one between connections),
        // and here the writer's own connection opens it too.
        let path = SQLiteFile.temporaryPath()
        app.lifecycle.use(SQLiteFile.Removal(path: path))
        sqlitePath = path
    case .postgres(let url):
        do {
            app.databases.use(try .postgres(url: url), as: .psql)
        } catch {
            throw SettingsError("cannot use database URL \(DatabaseTarget.redacted(url)): \(error)")
        }
    }
    if let sqlitePath {
        try SQLiteFile.restrictPermissions(of: sqlitePath)
        app.databases.use(.sqlite(.file(sqlitePath)), as: .sqlite)
        // WAL lets lane reads proceed while the writer commits. It is a property of the
        // file, so once is enough; synchronous stays at SQLite's default FULL, so a
        // committed write survives a power cut, not just kill -9.
        try await SQLiteFile.setBusyTimeout(app, milliseconds: settings.sqliteBusyMilliseconds)
        _ = try await (app.db as! any SQLDatabase).raw("PRAGMA journal_mode=WAL").all()
    }

    for migration in Migrations.all { app.migrations.add(migration) }

    let metrics = GateMetrics()
    let lanes = LaneStates(enabled: settings.laneStateCache)
    let audit = AuditTrail()
    // What the writer keeps in memory between batches; dropped when a batch rolls back, and
    // on PostgreSQL when another instance wrote since this one's last batch.
    let forget: @Sendable () -> Void = {
        lanes.forgetAll()
        audit.forget()
    }
    // This process's run among instances, even two an operator gave one id by mistake.
    let run = UUID().uuidString.lowercased()
    let turn = settings.database.isPostgres ? WriterTurn(instance: "\(settings.instanceId)/\(run)", forget: forget) : nil
    let writerThread = WriterThread()
    let transactions: any WriteTransactions = if let sqlitePath {
        DirectSQLiteWriter(path: sqlitePath, busyMilliseconds: settings.sqliteBusyMilliseconds, context: {
            let pool = app.db.context
            return DatabaseContext(configuration: pool.configuration, logger: pool.logger, eventLoop: writerThread.loop)
        })
    } else {
        FluentWriteTransactions(database: { app.db })
    }
    let commits = CommitQueue(
        transactions: transactions, thread: writerThread, onBatch: { metrics.committed(batch: $0) },
        onRollback: forget,
        begin: { db in try await turn?.begin(on: db) },
        beforeCommit: { db in
            // The link's messages first: they are derived from the batch's audit entries.
            try await LinkPublisher.publish(audit.staged(), context: app.smartGate, on: db)
            try await audit.flush(on: db)
        },
        bounds: .init(maxPending: settings.writerMaxPending, maxWaitMilliseconds: settings.writerMaxWaitMilliseconds),
        onTurnedAway: { metrics.writerTurnedAway() })
    let keys = try ServerKeys.load(settings)
    await app.jwt.keys.add(hmac: HMACKey(key: keys.tokenKey), digestAlgorithm: .sha256)
    let corridor: CorridorOperations?
    switch settings.corridorPlant {
    case .off: corridor = nil
    case .shipped: corridor = CorridorOperations(plant: CorridorPlant.kimThanh(), speed: settings.corridorSpeed, clock: settings.clock)
    case .file(let path):
        // A plant that does not validate stops the start, with every problem on one line.
        do { corridor = CorridorOperations(plant: try CorridorPlant.load(contentsOf: URL(fileURLWithPath: path)), speed: settings.corridorSpeed, clock: settings.clock) } catch {
            throw SettingsError("SMARTGATE_CORRIDOR_PLANT: \(error.description)")
        }
    }
    app.smartGate = SmartGateContext(
        settings: settings, run: run, commits: commits, lanes: lanes, audit: audit, metrics: metrics, keys: keys, corridor: corridor,
        decisionLog: decisionLog)
    // First: the roles are settled before the background work asks who does it.
    app.lifecycle.use(app.smartGate.leases)
    app.lifecycle.use(app.smartGate.notices)
    if corridor != nil {
        let logger = app.logger
        app.lifecycle.use(CorridorClock(announce: corridorLog ?? { logger.info("corridor: \($0)") }))
    }

    app.lifecycle.use(DeclarationExpiry())
    app.lifecycle.use(LinkCourier())
    app.lifecycle.use(YardDispatch())
    app.lifecycle.use(DecisionFeedShutdown())
    if let path = settings.riskModelPath {
        // A model that fails to load at start leaves rules alone in charge, and says so.
        if !app.smartGate.selectivity.models.reload(from: path, logger: app.logger) {
            app.logger.error("no risk model in service: declarations are scored by rules and sampling only until \(path) loads")
        }
        app.lifecycle.use(RiskModelWatch(path: path))
    }

    app.routes.defaultMaxBodySize = ByteCount(value: settings.maxBodyBytes)
    app.middleware = Middlewares()
    app.middleware.use(MetricsMiddleware(metrics: metrics))
    app.middleware.use(ProblemMiddleware())
    app.middleware.use(ProtocolGuard(defaultBodyLimit: settings.maxBodyBytes))
    app.middleware.use(AccessMiddleware())
    // After the credential check (a missing one is 401 whatever the load, CONTRACTS §1),
    // before the body is read and parsed.
    app.middleware.use(WriterAdmission(commits: commits))
    try routes(app)
}

/// Every migration, in the order they apply. One per file; each has a `revert`.
public enum Migrations {
    static let all: [any Migration] = [
        CreateGates(),
        SeedLaoCaiGates(),
        CreateDeclarations(),
        CreateDeclarationTransitions(),
        CreateIdempotencyRecords(),
        CreatePassages(),
        CreateLaneReadings(),
        CreateLaneDecisions(),
        CreateAuditEntries(),
        CreateUsers(),
        CreateDeviceKeys(),
        CreateRevokedTokens(),
        RekeyLaneReadingsByDevice(),
        AddRiskToDeclarations(),
        CreateRiskRules(),
        CreateInspections(),
        CreateOfficerDuty(),
        CreateCorridorOrders(),
        AddGateSides(),
        SeedHekouGates(),
        CreateLinkPeers(),
        CreateLinkOutbox(),
        CreateLinkInbox(),
        CreateArrivals(),
        CreatePeerAnchors(),
        IndexDeclarationsByDeclarant(),
        CreateSlotCalendars(),
        CreateSlotPlaces(),
        CreateSlotBookings(),
        AddWaitingYards(),
        CreateYardVisits(),
        CreateWriterTurns(),
        CreateInstanceLeases(),
        CreateRateBuckets(),
        IndexDecisionsByPassage(),
    ]

    /// Names of the migrations not yet applied.
    public static func pending(_ app: Application) async throws -> [String] {
        try await app.migrator.setupIfNeeded().get()
        return try await app.migrator.previewPrepareBatch().get().map { "\($0.0.name)" }
    }

    /// Applies every pending migration; on PostgreSQL under an advisory lock, so instances
    /// starting together migrate one after another (the later ones find nothing to do).
    public static func apply(_ app: Application) async throws {
        guard case .postgres(let url) = app.smartGate.settings.database else { return try await app.autoMigrate() }
        try await DedicatedConnection.holding(.migrations, url: url, logger: app.logger) { try await app.autoMigrate() }
    }
}
