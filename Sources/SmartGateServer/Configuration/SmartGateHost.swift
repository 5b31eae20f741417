import BorderLink
import Fluent
import Foundation
import GateKit
import Vapor

/// Runs SmartGate as a process: the CLI's `serve`, `demo` and `migrate` are thin calls here.
public enum SmartGateHost {
    /// How the process was asked to run.
    public struct Options: Sendable {
        public var hostname: String
        public var port: Int
        /// Vapor environment name: `development` (default) or `production`.
        public var environment: String
        public var settings: ServerSettings

        public init(hostname: String, port: Int, environment: String, settings: ServerSettings) {
            self.hostname = hostname
            self.port = port
            self.environment = environment
            self.settings = settings
        }
    }

    /// Applies pending migrations and serves until SIGINT/SIGTERM.
    /// - Parameter demoTraffic: when set, a traffic generator drives the API once it is up.
    public static func serve(_ options: Options, demo: DemoTraffic.Options? = nil) async throws {
        var options = options
        let production = options.environment == "production"
        if production {
            try checkProduction(options.settings)
            options.settings.keyMode = .requireExisting
        }
        // Before anything opens the file: a second server on it is refused, not started.
        let serveLock = try options.settings.database.sqlitePath.map(SQLiteServeLock.acquire(databasePath:))
        defer { serveLock?.release() }
        let app = try await prepared(options, demo: demo)
        do {
            if production, try await !Accounts.hasAdmin(on: app.db) {
                throw SettingsError(
                    "production refuses to start with no admin: create one with `smartgate users create --email you@example.vn --role admin --password-stdin`")
            }
            app.logger.notice("signing keys from \(app.smartGate.keys.origin)")
            app.logger.notice("SmartGate \(options.settings.side) on http://\(options.hostname):\(options.port) — database \(options.settings.database)")
            try await app.execute()
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }

    /// Both sides at once (`smartgate demo --pair`): Vietnam on `options.port`, China on the
    /// next, each with its own SQLite file and key beside it, registered as each other's
    /// peer; each side's generated exports cross to the other over the link.
    public static func servePair(_ options: Options, demo: DemoTraffic.Options) async throws {
        guard case .sqliteFile(let path) = options.settings.database else {
            throw SettingsError("demo --pair runs on SQLite files (one per side); give --database sqlite://PATH")
        }
        let stem = path.hasSuffix(".sqlite") ? String(path.dropLast(".sqlite".count)) : path
        var sides: [Options] = []
        for (offset, side) in [LinkSide.vietnam, LinkSide.china].enumerated() {
            var sideOptions = options
            sideOptions.port = options.port + offset
            sideOptions.settings.side = side
            sideOptions.settings.database = .sqliteFile(path: "\(stem)-\(side.lowercased()).sqlite")
            sideOptions.settings.keyFilePath = "\(stem)-\(side.lowercased()).sqlite.keys.json"
            sideOptions.settings.linkKeyPath = nil
            if side == LinkSide.china { sideOptions.settings.corridorPlant = .off }  // the corridor is Kim Thành's
            sides.append(sideOptions)
        }
        var demo = demo
        demo.paired = true
        var locks: [SQLiteServeLock] = []
        var apps: [Application] = []
        defer { locks.forEach { $0.release() } }
        do {
            for side in sides {
                locks.append(try SQLiteServeLock.acquire(databasePath: side.settings.database.sqlitePath!))
                apps.append(try await prepared(side, demo: demo))
            }
            for (index, app) in apps.enumerated() {
                let other = apps[1 - index]
                let otherURL = "http://\(connectableHost(sides[1 - index].hostname)):\(sides[1 - index].port)"
                try await PeerRegistry.ensure(
                    id: other.smartGate.settings.side, url: otherURL,
                    publicKey: other.smartGate.keys.auditKey.publicKey.rawRepresentation.base64EncodedString(),
                    actor: "demo", at: app.now, context: app.smartGate, on: app.db)
            }
            DemoTraffic.console("""

            SmartGate pair demo: Vietnam (VN-LAOCAI) on http://\(connectableHost(options.hostname)):\(sides[0].port), \
            China (CN-HEKOU) on http://\(connectableHost(options.hostname)):\(sides[1].port)
              Each side declares its exports and sends a signed manifest to the other; the truck is expected there
              (LINK lines), leaves through its export lane, and is released at the other side's import lane without
              a second declaration; the far side's confirmation closes the export. Sign in on either side
              (customs@demo.smartgate.vn, customs@demo.smartgate.cn; password \(DemoAccounts.password)) and open Arrivals and Link.
            """)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for app in apps { group.addTask { try await app.execute() } }
                try await group.waitForAll()
            }
        } catch {
            for app in apps { try? await app.asyncShutdown() }
            throw error
        }
        for app in apps { try await app.asyncShutdown() }
    }

    /// The demo's trucks through the SmartGate at `url` (several instances behind a load
    /// balancer), with the demo accounts and this run's device keys written to the database
    /// in `options`; serves nothing and starts no background work.
    public static func drive(_ options: Options, demo: DemoTraffic.Options, url: String) async throws {
        let app = try await makeApplication(options)
        do {
            try await databaseReachable(options.settings.database) { try await Migrations.apply(app) }
            let traffic = DemoTraffic(app: app, baseURL: url.trimmingSuffix("/"), options: demo)
            try await traffic.prepare()
            await traffic.drive()
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }

    /// A configured, migrated application for `options`, with its demo traffic when asked,
    /// ready to execute.
    private static func prepared(_ options: Options, demo: DemoTraffic.Options?) async throws -> Application {
        let app = try await makeApplication(options)
        do {
            try await databaseReachable(options.settings.database) { try await Migrations.apply(app) }
            app.http.server.configuration.hostname = options.hostname
            app.http.server.configuration.port = options.port
            app.environment.arguments = ["smartgate", "serve"]
            if let demo {
                let traffic = DemoTraffic(app: app, baseURL: "http://\(connectableHost(options.hostname)):\(options.port)", options: demo)
                try await traffic.prepare()
                app.lifecycle.use(traffic)
            }
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        return app
    }

    /// The pending migrations' names; applies them when `apply` is true.
    public static func migrate(_ options: Options, apply: Bool) async throws -> [String] {
        try await withApplication(options, migrate: false) { app in
            let pending = try await Migrations.pending(app)
            if apply, !pending.isEmpty { try await Migrations.apply(app) }
            return pending
        }
    }

    /// Walks the audit chain of the database in `options`; applies no migration.
    public static func verifyAudit(_ options: Options) async throws -> AuditChain.Verdict {
        try await withApplication(options, migrate: false) { app in try await AuditTrail.verify(on: app.db) }
    }

    /// The audit chain's head signed with the server's Ed25519 key, as one JSON line
    /// (`smartgate audit head`).
    public static func auditHead(_ options: Options) async throws -> String {
        var options = options
        options.settings.keyMode = .requireExisting  // a head signed by a throwaway key proves nothing
        return try await withApplication(options, migrate: false) { app in
            try cliLine(try await AuditController.signedHead(on: app.db, keys: app.smartGate.keys, at: app.now))
        }
    }

    /// Every inspected declaration with its recorded outcome, oldest outcome first
    /// (`smartgate risk train --from-database`).
    public static func recordedOutcomes(_ options: Options) async throws -> [RiskHistoryRow] {
        try await withApplication(options, migrate: true) { app in try await RecordedOutcomes.rows(on: app.db) }
    }

    /// The random-sampling draw of a declaration with this server's secret, in [0, 1): an
    /// auditor's check that a trip was, or was not, sampled (`smartgate risk draw`).
    public static func samplingDraw(_ settings: ServerSettings, declaration: UUID) throws -> Double {
        var settings = settings
        settings.keyMode = .requireExisting  // a throwaway key would draw a number nobody drew
        let keys = try ServerKeys.load(settings)
        guard let sampling = RandomSampling(secret: keys.samplingSecret(settings)) else {
            throw SettingsError("the sampling secret is shorter than 16 bytes")
        }
        return sampling.draw(for: declaration)
    }

    /// Writes a new key file where the settings point (`smartgate keys create`).
    public static func createKeys(_ settings: ServerSettings) throws -> String {
        guard settings.tokenKeyBase64 == nil else { throw SettingsError("keys are set by SMARTGATE_TOKEN_KEY and SMARTGATE_AUDIT_KEY; no file needed") }
        guard let path = settings.keyFilePath else { throw SettingsError("an in-memory database has no key file; set SMARTGATE_KEY_FILE") }
        guard !FileManager.default.fileExists(atPath: path) else {
            throw SettingsError("key file \(path) exists already; replacing it would sign everyone out and orphan signed audit heads")
        }
        _ = try ServerKeys.write(to: path)
        return path
    }

    /// Creates a user (`smartgate users create`); the audit chain records who ran it.
    public static func createUser(_ options: Options, _ user: Accounts.NewUser) async throws -> String {
        try await withApplication(options, migrate: true) { app in
            try cliLine(try await Accounts.createUser(user, actor: cliActor, on: app))
        }
    }

    /// Every user as JSON lines (`smartgate users list`).
    public static func listUsers(_ options: Options) async throws -> [String] {
        try await withApplication(options, migrate: true) { app in
            try await Accounts.users(on: app).map(cliLine)
        }
    }

    /// Disables a user (`smartgate users disable`).
    public static func disableUser(_ options: Options, email: String) async throws -> String {
        try await withApplication(options, migrate: true) { app in
            try cliLine(try await Accounts.disableUser(email: email, actor: cliActor, on: app))
        }
    }

    /// Creates a device key; the answer holds the key, shown this once (`smartgate devices create`).
    public static func createDeviceKey(_ options: Options, lane: String, name: String) async throws -> (json: String, key: String, id: String) {
        try await withApplication(options, migrate: true) { app in
            let view = try await Accounts.createDeviceKey(lane: lane, name: name, actor: cliActor, on: app)
            return (try cliLine(view), view.key ?? "", view.id.uuidString.lowercased())
        }
    }

    /// Every device key as JSON lines, never the keys (`smartgate devices list`).
    public static func listDeviceKeys(_ options: Options) async throws -> [String] {
        try await withApplication(options, migrate: true) { app in
            try await Accounts.deviceKeys(on: app).map(cliLine)
        }
    }

    /// Revokes a device key (`smartgate devices revoke`).
    public static func revokeDeviceKey(_ options: Options, id: String) async throws -> String {
        try await withApplication(options, migrate: true) { app in
            try cliLine(try await Accounts.revokeDeviceKey(id: id, actor: cliActor, on: app))
        }
    }

    /// One line of JSON for the command line, written as the API writes it (sorted keys),
    /// so lines diff and grep well.
    static func cliLine(_ value: some Encodable) throws -> String {
        String(decoding: try WireJSON.encode(value), as: UTF8.self)
    }

    /// The audit actor for changes made from the command line: the operating-system account.
    static var cliActor: String { "cli:\(ProcessInfo.processInfo.userName)" }

    /// Runs `work` against the configured database (migrated first when `migrate`), shuts
    /// down, and turns SmartGate's own errors into one line for the command line.
    static func withApplication<T: Sendable>(
        _ options: Options, migrate: Bool, _ work: @Sendable (Application) async throws -> T
    ) async throws -> T {
        var options = options
        if options.settings.keyMode == .createIfMissing { options.settings.keyMode = .useIfPresent }
        let app = try await makeApplication(options)
        do {
            if migrate { try await databaseReachable(options.settings.database) { try await Migrations.apply(app) } }
            let result = try await databaseReachable(options.settings.database) { try await work(app) }
            try await app.asyncShutdown()
            return result
        } catch let error as AppError {
            try? await app.asyncShutdown()
            throw SettingsError(error.oneLine)
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
    }

    private static func makeApplication(_ options: Options) async throws -> Application {
        let environment = Environment(name: options.environment, arguments: ["smartgate"])
        let app = try await Application.make(environment)
        do {
            let printDecisions = options.environment != "production" && options.environment != "testing"
            let log: @Sendable (LaneDecision, LaneProfile) -> Void = { decision, lane in if printDecisions { DemoTraffic.printDecision(decision, lane) } }
            let corridorLog: @Sendable (String) -> Void = { line in
                if printDecisions { DemoTraffic.console("          CORRIDOR  \(line)") } else { app.logger.info("corridor: \(line)") }
            }
            try await configure(app, settings: options.settings, decisionLog: log, corridorLog: corridorLog)
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        return app
    }

    /// Runs the first database work, turning a driver's failure into one line an operator can act on.
    private static func databaseReachable<T>(_ target: DatabaseTarget, _ work: () async throws -> T) async throws -> T {
        do {
            return try await work()
        } catch let error as AppError {
            throw error
        } catch where SQLiteFile.isBusy(error) {
            throw SettingsError(
                "the database is busy: another process held its write lock past the busy timeout (SMARTGATE_SQLITE_BUSY_MS); nothing was written, run the command again")
        } catch {
            // PostgresNIO hides its details from `description` (they may hold SQL); the
            // reflection has the connection error, and the URL is shown without its password.
            var reason = String(describing: error)
            if reason.contains("Generic description") { reason = String(reflecting: error) }
            throw SettingsError("database \(target) is not usable: \(reason.prefix(400))")
        }
    }

    /// Production refuses settings that would lose data or trust.
    static func checkProduction(_ settings: ServerSettings) throws {
        if case .sqliteFile(let path) = settings.database {
            let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
            let temporary = [NSTemporaryDirectory(), "/tmp/", "/var/tmp/", "/dev/shm/"].map { URL(fileURLWithPath: $0).standardizedFileURL.path }
            if temporary.contains(where: { absolute.hasPrefix($0) }) {
                throw SettingsError("production refuses a database in a temporary folder (\(absolute)); set --database or DATABASE_URL to a durable location")
            }
        }
        if case .sqliteMemory = settings.database {
            throw SettingsError("production refuses an in-memory database; set --database or DATABASE_URL")
        }
    }

    private static func connectableHost(_ hostname: String) -> String {
        hostname == "0.0.0.0" || hostname == "::" ? "127.0.0.1" : hostname
    }
}
