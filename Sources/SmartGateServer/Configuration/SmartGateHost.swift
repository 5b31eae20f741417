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
        if options.environment == "production" { try checkProduction(options.settings) }
        let app = try await makeApplication(options)
        do {
            try await databaseReachable(options.settings.database) { try await Migrations.apply(app) }
            app.http.server.configuration.hostname = options.hostname
            app.http.server.configuration.port = options.port
            app.environment.arguments = ["smartgate", "serve"]
            if let demo {
                app.lifecycle.use(DemoTraffic(app: app, baseURL: "http://\(connectableHost(options.hostname)):\(options.port)", options: demo))
            }
            app.logger.notice("SmartGate on http://\(options.hostname):\(options.port) — database \(options.settings.database)")
            try await app.execute()
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }

    /// The pending migrations' names; applies them when `apply` is true.
    public static func migrate(_ options: Options, apply: Bool) async throws -> [String] {
        let app = try await makeApplication(options)
        do {
            let pending = try await databaseReachable(options.settings.database) { try await Migrations.pending(app) }
            if apply, !pending.isEmpty { try await Migrations.apply(app) }
            try await app.asyncShutdown()
            return pending
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
    }

    /// Walks the audit chain of the database in `options`; applies no migration.
    public static func verifyAudit(_ options: Options) async throws -> AuditChain.Verdict {
        let app = try await makeApplication(options)
        do {
            let verdict = try await databaseReachable(options.settings.database) { try await AuditTrail.verify(on: app.db) }
            try await app.asyncShutdown()
            return verdict
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
            try await configure(app, settings: options.settings, decisionLog: log)
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
