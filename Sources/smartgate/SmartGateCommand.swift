import ArgumentParser
import Foundation
import GateKit
import Logging
import SmartGateServer

/// `smartgate`: the command-line front door. Each command is a thin call into SmartGateServer.
@main
struct SmartGateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smartgate",
        abstract: "SmartGate: paperless, contactless clearance for the Lào Cai – Hekou border gates.",
        subcommands: [Serve.self, Demo.self, Migrate.self, Users.self, Devices.self, Keys.self, Peer.self, Link.self, Audit.self, Risk.self, Corridor.self, Simulate.self])

    /// Parses and runs; a bad flag or a failing command prints one line and exits non-zero.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let code as ExitCode {
            // A command that has said what it had to and only sets the status.
            Foundation.exit(code.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }  // --help and friends print in full
            let message = message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            FileHandle.standardError.write(Data("smartgate: \(message)\n".utf8))
            Foundation.exit(code == .failure || code.rawValue == 0 ? 1 : code.rawValue)
        }
    }
}

/// Options every server-starting command shares.
struct ServerOptions: ParsableArguments {
    @Option(help: "Address to listen on.")
    var hostname = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port = 8080

    @Option(help: "sqlite://PATH or postgres://USER:PASSWORD@HOST:PORT/DB (default: $DATABASE_URL, else sqlite://smartgate.sqlite).")
    var database: String?

    @Option(name: .customLong("env"), help: "development or production (default: $SMARTGATE_ENV, else development).")
    var environment: String?

    @Option(help: "This side of the border: VN-LAOCAI or CN-HEKOU (default: $SMARTGATE_SIDE, else VN-LAOCAI).")
    var side: String?

    @Option(help: "A file with this side's Ed25519 private key, from `smartgate keys generate` (default: $SMARTGATE_KEY, else the key file's).")
    var key: String?

    @Option(help: "This instance's name among several on one PostgreSQL (default: $SMARTGATE_INSTANCE_ID, else host name and pid).")
    var instanceId: String?

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be between 0 and 65535, not \(port)") }
        if let environment, !["development", "production", "testing"].contains(environment) {
            throw ValidationError("--env must be development, production or testing, not \(environment)")
        }
    }

    func hostOptions() throws -> SmartGateHost.Options {
        let environmentName = environment ?? ProcessInfo.processInfo.environment["SMARTGATE_ENV"].flatMap { $0.isEmpty ? nil : $0 } ?? "development"
        var variables = ProcessInfo.processInfo.environment
        if let side { variables["SMARTGATE_SIDE"] = side }
        if let key { variables["SMARTGATE_KEY"] = key }
        if let instanceId { variables["SMARTGATE_INSTANCE_ID"] = instanceId }
        return SmartGateHost.Options(
            hostname: hostname, port: port, environment: environmentName,
            settings: try ServerSettings.fromEnvironment(variables, databaseFlag: database))
    }
}

func bootstrapLogging() {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        let configured = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
        handler.logLevel = configured ?? .notice
        return handler
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the HTTP API, applying pending migrations first.")

    @OptionGroup var server: ServerOptions

    func run() async throws {
        let options = try server.hostOptions()
        bootstrapLogging()
        try await SmartGateHost.serve(options)
    }
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve, seed the gates, and drive simulated trucks through the real HTTP API.")

    @OptionGroup var server: ServerOptions

    @Option(help: "Average seconds between trucks at each lane.")
    var secondsPerTruck = 3.0

    @Option(help: "Stop generating traffic after this many seconds (the server keeps running).")
    var stopAfter: Double?

    @Option(help: "Seed of the traffic generator.")
    var seed: UInt64 = 2026

    @Flag(help: "Run both sides of the border, Vietnam on --port and China on the next port, each with its own database and key, linked.")
    var pair = false

    @Option(help: "Serve nothing: drive the trucks through the SmartGate at this URL (a load balancer in front of several instances), on their database.")
    var drive: String?

    func validate() throws {
        guard secondsPerTruck >= 0.05, secondsPerTruck <= 3600 else {
            throw ValidationError("--seconds-per-truck must be between 0.05 and 3600")
        }
        if let drive {
            guard let url = URL(string: drive), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw ValidationError("--drive must be an http(s) URL such as http://127.0.0.1:8100")
            }
            if pair { throw ValidationError("--drive and --pair do not go together") }
        }
    }

    func run() async throws {
        var options = try server.hostOptions()
        if options.environment == "production" { throw ValidationError("demo runs in development only") }
        bootstrapLogging()
        options.environment = "development"
        // Shuttles cross in minutes of corridor time; the demo runs the corridor 30× faster
        // than the wall clock so crossings show while you watch (SMARTGATE_CORRIDOR_SPEED overrides).
        if ProcessInfo.processInfo.environment["SMARTGATE_CORRIDOR_SPEED"] == nil { options.settings.corridorSpeed = 30 }
        // The demo's exporter books a truck every few seconds, faster than a person would.
        if ProcessInfo.processInfo.environment["SMARTGATE_RATE_LIMIT_BOOKING"] == nil { options.settings.rateLimits.bookingPerMinute = 6_000 }
        let traffic = DemoTraffic.Options(secondsPerTruck: secondsPerTruck, stopAfter: stopAfter, seed: seed)
        if let drive {
            try await SmartGateHost.drive(options, demo: traffic, url: drive)
        } else if pair {
            try await SmartGateHost.servePair(options, demo: traffic)
        } else {
            try await SmartGateHost.serve(options, demo: traffic)
        }
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show pending database migrations and apply them.")

    @Option(help: "sqlite://PATH or postgres://… (default: $DATABASE_URL, else sqlite://smartgate.sqlite).")
    var database: String?

    @Flag(help: "Apply without asking.")
    var yes = false

    func run() async throws {
        bootstrapLogging()
        let options = SmartGateHost.Options(
            hostname: "127.0.0.1", port: 0, environment: "development",
            settings: try ServerSettings.fromEnvironment(databaseFlag: database))
        let pending = try await SmartGateHost.migrate(options, apply: false)
        if pending.isEmpty {
            print("Database \(options.settings.database) is up to date.")
            return
        }
        print("Pending migrations on \(options.settings.database):")
        for name in pending { print("  \(name)") }
        var apply = yes
        if !apply {
            guard isatty(STDIN_FILENO) == 1 else { throw ValidationError("\(pending.count) migration(s) pending; run again with --yes to apply them") }
            print("Apply them? [y/N] ", terminator: "")
            apply = readLine()?.lowercased().hasPrefix("y") ?? false
        }
        guard apply else { throw ValidationError("nothing applied") }
        _ = try await SmartGateHost.migrate(options, apply: true)
        print("Applied \(pending.count) migration(s).")
    }
}

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the tamper-evident audit chain.", subcommands: [Verify.self, Head.self, VerifyPeer.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Walk the audit chain; exit non-zero naming the first broken entry (edited, deleted or reordered).")

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            bootstrapLogging()
            switch try await SmartGateHost.verifyAudit(try database.hostOptions()) {
            case .intact(let entries, let head):
                print("audit chain intact: \(entries) entries, head \(head)")
            case .broken(let seq, let reason):
                throw ValidationError("audit chain broken at seq \(seq): \(reason)")
            }
        }
    }

    struct Head: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the latest seq and hash signed with the server's Ed25519 key (JSON); keep it elsewhere to catch truncation.")

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            bootstrapLogging()
            print(try await SmartGateHost.auditHead(try database.hostOptions()))
        }
    }
}
