import BorderLink
import Crypto
import Foundation
import GateKit
import enum NIOCore.SocketAddress

/// Where SmartGate keeps its records.
public enum DatabaseTarget: Sendable, Equatable, CustomStringConvertible {
    /// An embedded SQLite file (WAL mode), created on first run.
    case sqliteFile(path: String)
    /// A throwaway SQLite database, for tests.
    case sqliteMemory
    /// A PostgreSQL server, e.g. `postgres://user:pass@localhost:5432/smartgate`.
    case postgres(url: String)

    /// The default: `smartgate.sqlite` in the working directory.
    public static let defaultTarget = DatabaseTarget.sqliteFile(path: "smartgate.sqlite")

    /// Parses `sqlite://PATH` (`sqlite:///abs/path` for an absolute path), `sqlite://:memory:`
    /// or `postgres://…` / `postgresql://…`.
    public init(url: String) throws(SettingsError) {
        let trimmed = url.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("sqlite://") {
            let path = String(trimmed.dropFirst("sqlite://".count))
            guard !path.isEmpty else { throw SettingsError("database URL \(url) has no file path; try sqlite://smartgate.sqlite") }
            self = path == ":memory:" ? .sqliteMemory : .sqliteFile(path: path)
        } else if trimmed.hasPrefix("postgres://") || trimmed.hasPrefix("postgresql://") {
            guard URL(string: trimmed)?.host != nil else { throw SettingsError("database URL \(Self.redacted(url)) has no host") }
            self = .postgres(url: trimmed)
        } else {
            throw SettingsError("unsupported database URL \(Self.redacted(url)): use sqlite://PATH or postgres://USER:PASSWORD@HOST:PORT/DB")
        }
    }

    /// Where the key file lives unless `SMARTGATE_KEY_FILE` says: beside a SQLite file,
    /// in the working directory for PostgreSQL, nowhere for an in-memory database.
    var defaultKeyFile: String? {
        switch self {
        case .sqliteFile(let path): path + ".keys.json"
        case .postgres: "smartgate.keys.json"
        case .sqliteMemory: nil
        }
    }

    /// Whether this is PostgreSQL, which several instances may share (CONTRACTS §13).
    var isPostgres: Bool { postgresURL != nil }

    /// The PostgreSQL URL; nil on SQLite.
    var postgresURL: String? {
        if case .postgres(let url) = self { url } else { nil }
    }

    /// The SQLite file's path, or nil for another kind of database.
    var sqlitePath: String? {
        if case .sqliteFile(let path) = self { path } else { nil }
    }

    public var description: String {
        switch self {
        case .sqliteFile(let path): "sqlite://\(path)"
        case .sqliteMemory: "sqlite://:memory:"
        case .postgres(let url): Self.redacted(url)
        }
    }

    /// The URL with its password hidden, for logs and messages.
    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? url
    }
}

/// A configuration value that cannot be used; the message is shown to the operator as is.
public struct SettingsError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Everything an operator can set, from flags, then the environment, then defaults.
/// The README's configuration table lists each variable.
public struct ServerSettings: Sendable {
    public var database: DatabaseTarget
    /// The lane decision rules (weight tolerance, arrival window, OCR confidence).
    public var lanePolicy: LanePolicy
    /// The least strict channel a declaration gets, whatever rules and the model say.
    public var defaultChannel: Channel
    /// An open passage with no reading for this long is abandoned.
    public var passageIdleTimeout: TimeInterval
    /// Largest request body accepted; bigger bodies answer 413.
    public var maxBodyBytes: Int
    /// Keep each lane's active passage in memory (see `LaneStates`); off reloads it per reading.
    public var laneStateCache: Bool
    /// The key file (token and audit keys); nil with no key configured means keys made up
    /// for this process only (in-memory databases).
    public var keyFilePath: String?
    /// What to do when the key file does not exist yet.
    public var keyMode: KeyMode = .createIfMissing
    /// `SMARTGATE_TOKEN_KEY` / `SMARTGATE_AUDIT_KEY`: keys given directly, base64.
    public var tokenKeyBase64: String?
    public var auditKeyBase64: String?
    /// How long a session token is valid: one shift by default.
    public var tokenLifetime: TimeInterval
    /// bcrypt cost for new passwords (each step doubles the work).
    public var passwordCost: Int
    /// Requests per minute per user, per device key, and login attempts per minute per
    /// client address and per e-mail; 0 means unlimited.
    public var rateLimits: RateLimits
    /// `SMARTGATE_METRICS_TOKEN`: a bearer token that may read `/metrics` from off the host.
    public var metricsToken: String?
    /// `SMARTGATE_CORRIDOR_PLANT`: the corridor plant file; unset: the shipped Kim Thành–Bắc
    /// Sơn plant; `off`: no corridor on this server.
    public var corridorPlant: CorridorPlantSource = .shipped
    /// `SMARTGATE_CORRIDOR_SPEED`: corridor seconds per wall-clock second (1 in service;
    /// the demo runs faster so crossings show within minutes).
    public var corridorSpeed: Double = 1
    /// `SMARTGATE_RISK_MODEL`: the model file to score declarations with (from
    /// `smartgate risk train`); re-read when it changes. Without one, rules alone decide.
    public var riskModelPath: String?
    /// `SMARTGATE_SQLITE_BUSY_MS`: how long a write to a SQLite file waits for another
    /// process's write lock (the CLI's) before it answers 503 with Retry-After.
    public var sqliteBusyMilliseconds = 5_000
    /// `SMARTGATE_WRITER_MAX_PENDING`: most writes waiting for the writer; past it a write
    /// answers 503 with Retry-After at once, nothing of it written.
    public var writerMaxPending = 4_096
    /// `SMARTGATE_WRITER_MAX_WAIT_MS`: most milliseconds the oldest write not yet answered
    /// may have waited; past it new writes answer 503 with Retry-After (the writer is
    /// behind or stalled). Unset by default: how long one batch takes depends on the
    /// machine's load and on the batch (a burst of racing retries runs it again per
    /// duplicate), so a default would turn bursts away on a loaded machine; a lane
    /// installation that wants every answer within 100 ms sets ~50.
    public var writerMaxWaitMilliseconds: Int?
    /// `SMARTGATE_LIVE_STREAM_SECONDS`: how long one live-page stream stays open before the
    /// server ends it and the browser reconnects (a stream never held for ever behind a
    /// proxy that lost its client); 0 ends it after its first heartbeat.
    public var liveStreamSeconds: Double = 300
    /// `SMARTGATE_YARD_SWEEP_SECONDS`: how often the waiting yards call trucks forward, mark
    /// missed calls and no-shows; 0 stops the sweep (tests run it with their own clock).
    public var yardSweepSeconds: Double = 1
    /// `SMARTGATE_SAMPLING_SECRET` (base64, ≥ 16 bytes): the random-sampling secret;
    /// without it, one is derived from the token key.
    public var samplingSecretBase64: String?
    /// `SMARTGATE_SIDE` (`serve --side`): which side of the border this instance is,
    /// `VN-LAOCAI` or `CN-HEKOU`; it picks the gates it serves and names it on the link.
    public var side = "VN-LAOCAI"
    /// `SMARTGATE_KEY` (`serve --key`): a file holding this side's Ed25519 private key (from
    /// `smartgate keys generate`); it signs the audit head and the link's messages. Unset:
    /// the key file's audit key.
    public var linkKeyPath: String?
    /// The link's time rules and pace (docs/BORDERLINK.md §5).
    public var link = LinkSettings()
    /// The clock everything time-dependent asks (tests move a manual one).
    public var clock = ServerClock.system
    /// How long accounts, device keys and link peers read from the database are trusted
    /// before they are read again. This process's own changes take effect at once, and on
    /// PostgreSQL so do other instances' and the CLI's changes to accounts and device keys
    /// (by notice); this bounds the rest: the CLI's changes to a SQLite file, and the peer
    /// list (`smartgate peer …`), which posts no notice. Tests lengthen it to show that a
    /// notice, not the expiry, did the work.
    public var cacheFreshness: Duration = .seconds(5)
    /// How long a lease holder's check that its session is alive may take before it gives
    /// its roles up (`Leases`). Tests on a loaded machine lengthen it: a slow answer there
    /// is load, not a cut session, and a handover would move roles a test relies on.
    public var leaseProbeDeadline: Duration = .seconds(3)
    /// `SMARTGATE_INSTANCE_ID` (`serve --instance-id`): this process's name among several
    /// instances on one PostgreSQL, in `/health`, the leases and the writer's turns.
    public var instanceId = ServerSettings.defaultInstanceId
    /// `SMARTGATE_TRUSTED_PROXIES`: the load balancers' addresses, comma-separated; a request
    /// from one of them is counted against the sign-in limit by the client address it
    /// forwards (X-Forwarded-For), not by the balancer's own.
    public var trustedProxies: Set<String> = []
    /// Tests only: replaces the link's Ed25519 check, to show the conformance suite catches
    /// a receiver that does not check signatures.
    var linkSignatureCheck: (@Sendable (String, Data, Curve25519.Signing.PublicKey) -> Bool)?

    public init(
        database: DatabaseTarget = .defaultTarget, lanePolicy: LanePolicy = .standard,
        defaultChannel: Channel = .green, passageIdleTimeout: TimeInterval = 600, maxBodyBytes: Int = 512 * 1024,
        laneStateCache: Bool = true, keyFilePath: String? = nil, tokenLifetime: TimeInterval = 8 * 3600,
        passwordCost: Int = 12, rateLimits: RateLimits = RateLimits(), metricsToken: String? = nil
    ) {
        self.keyFilePath = keyFilePath
        self.tokenLifetime = tokenLifetime
        self.passwordCost = passwordCost
        self.rateLimits = rateLimits
        self.metricsToken = metricsToken
        self.laneStateCache = laneStateCache
        self.database = database
        self.lanePolicy = lanePolicy
        self.defaultChannel = defaultChannel
        self.passageIdleTimeout = passageIdleTimeout
        self.maxBodyBytes = maxBodyBytes
    }

    /// The host name and process id: unique among instances unless an operator names them.
    public static var defaultInstanceId: String {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "smartgate"
        let id = "\(host)-\(ProcessInfo.processInfo.processIdentifier)"
        return isWellFormedInstanceId(id) ? id : "smartgate-\(ProcessInfo.processInfo.processIdentifier)"
    }

    /// An instance id goes into logs, metrics and a PostgreSQL column: short and plain.
    public static func isWellFormedInstanceId(_ id: String) -> Bool {
        (1...64).contains(id.count) && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }

    /// Reads the `SMARTGATE_*` and `DATABASE_URL` variables over the defaults.
    /// `databaseFlag` (the `--database` option) wins over `DATABASE_URL`.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment, databaseFlag: String? = nil
    ) throws(SettingsError) -> ServerSettings {
        var settings = ServerSettings()
        if let url = databaseFlag ?? environment["DATABASE_URL"], !url.isEmpty {
            settings.database = try DatabaseTarget(url: url)
        }
        func number(_ name: String, range: ClosedRange<Double>) throws(SettingsError) -> Double? {
            guard let raw = environment[name], !raw.isEmpty else { return nil }
            guard let value = Double(raw), range.contains(value) else {
                throw SettingsError("\(name)=\(raw) must be a number between \(range.lowerBound) and \(range.upperBound)")
            }
            return value
        }
        if let value = try number("SMARTGATE_WEIGHT_TOLERANCE_PERCENT", range: 0...50) { settings.lanePolicy.weightTolerancePercent = value }
        if let value = try number("SMARTGATE_WEIGHT_TOLERANCE_KG", range: 0...10_000) { settings.lanePolicy.weightToleranceMinimumKg = value }
        if let value = try number("SMARTGATE_ARRIVAL_WINDOW_HOURS", range: 0.25...720) { settings.lanePolicy.arrivalWindow = value * 3600 }
        if let value = try number("SMARTGATE_MIN_READ_CONFIDENCE", range: 0...1) { settings.lanePolicy.minimumReadConfidence = value }
        if let value = try number("SMARTGATE_PASSAGE_IDLE_MINUTES", range: 1...1440) { settings.passageIdleTimeout = value * 60 }
        if let value = try number("SMARTGATE_MAX_BODY_KB", range: 1...16_384) { settings.maxBodyBytes = Int(value) * 1024 }
        if let value = try number("SMARTGATE_SQLITE_BUSY_MS", range: 1...600_000) { settings.sqliteBusyMilliseconds = Int(value) }
        if let value = try number("SMARTGATE_WRITER_MAX_PENDING", range: 1...1_000_000) { settings.writerMaxPending = Int(value) }
        if let value = try number("SMARTGATE_WRITER_MAX_WAIT_MS", range: 1...600_000) { settings.writerMaxWaitMilliseconds = Int(value) }
        if let value = try number("SMARTGATE_LIVE_STREAM_SECONDS", range: 0...86_400) { settings.liveStreamSeconds = value }
        if let value = try number("SMARTGATE_YARD_SWEEP_SECONDS", range: 0...3_600) { settings.yardSweepSeconds = value }
        if let value = try number("SMARTGATE_TOKEN_HOURS", range: 0.1...168) { settings.tokenLifetime = value * 3600 }
        if let value = try number("SMARTGATE_PASSWORD_COST", range: 10...16) { settings.passwordCost = Int(value) }
        if let value = try number("SMARTGATE_RATE_LIMIT_USER", range: 0...1_000_000) { settings.rateLimits.userPerMinute = Int(value) }
        if let value = try number("SMARTGATE_RATE_LIMIT_DEVICE", range: 0...1_000_000) { settings.rateLimits.devicePerMinute = Int(value) }
        if let value = try number("SMARTGATE_RATE_LIMIT_LOGIN", range: 0...1_000_000) { settings.rateLimits.loginPerMinute = Int(value) }
        if let value = try number("SMARTGATE_RATE_LIMIT_BOOKING", range: 0...1_000_000) { settings.rateLimits.bookingPerMinute = Int(value) }
        if let token = environment["SMARTGATE_METRICS_TOKEN"], !token.isEmpty {
            guard token.count >= 24 else { throw SettingsError("SMARTGATE_METRICS_TOKEN must be at least 24 characters") }
            settings.metricsToken = token
        }
        settings.tokenKeyBase64 = environment["SMARTGATE_TOKEN_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        settings.auditKeyBase64 = environment["SMARTGATE_AUDIT_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        if (settings.tokenKeyBase64 == nil) != (settings.auditKeyBase64 == nil) {
            throw SettingsError("set both SMARTGATE_TOKEN_KEY and SMARTGATE_AUDIT_KEY, or neither (then a key file is used)")
        }
        if let path = environment["SMARTGATE_KEY_FILE"], !path.isEmpty {
            settings.keyFilePath = path
        } else {
            settings.keyFilePath = settings.database.defaultKeyFile
        }
        switch environment["SMARTGATE_LANE_CACHE"]?.lowercased() {
        case nil, "", "on": break
        case "off": settings.laneStateCache = false
        case let other?: throw SettingsError("SMARTGATE_LANE_CACHE=\(other) must be on or off")
        }
        settings.riskModelPath = environment["SMARTGATE_RISK_MODEL"].flatMap { $0.isEmpty ? nil : $0 }
        switch environment["SMARTGATE_CORRIDOR_PLANT"] {
        case nil, "": break
        case "off": settings.corridorPlant = .off
        case let path?: settings.corridorPlant = .file(path)
        }
        if let raw = environment["SMARTGATE_CORRIDOR_SPEED"], !raw.isEmpty {
            guard let speed = Double(raw), speed >= 1, speed <= 3_600 else {
                throw SettingsError("SMARTGATE_CORRIDOR_SPEED=\(raw) must be a number from 1 to 3600")
            }
            settings.corridorSpeed = speed
        }
        if let secret = environment["SMARTGATE_SAMPLING_SECRET"], !secret.isEmpty {
            guard let bytes = Data(base64Encoded: secret), bytes.count >= 16 else {
                throw SettingsError("SMARTGATE_SAMPLING_SECRET must be base64 of at least 16 bytes")
            }
            settings.samplingSecretBase64 = secret
        }
        if let side = environment["SMARTGATE_SIDE"], !side.isEmpty {
            guard LinkSide.isWellFormed(side) else {
                throw SettingsError("SMARTGATE_SIDE=\(side) must be a side identity such as VN-LAOCAI or CN-HEKOU")
            }
            settings.side = side
        }
        settings.linkKeyPath = environment["SMARTGATE_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        if let raw = environment["SMARTGATE_TRUSTED_PROXIES"], !raw.isEmpty {
            let addresses = raw.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            for address in addresses where (try? SocketAddress(ipAddress: address, port: 0)) == nil {
                throw SettingsError("SMARTGATE_TRUSTED_PROXIES: \(address) is not an IP address")
            }
            settings.trustedProxies = Set(addresses)
        }
        if let id = environment["SMARTGATE_INSTANCE_ID"], !id.isEmpty {
            guard Self.isWellFormedInstanceId(id) else {
                throw SettingsError("SMARTGATE_INSTANCE_ID=\(id) must be 1 to 64 letters, digits, dots, dashes or underscores")
            }
            settings.instanceId = id
        }
        if let value = try number("SMARTGATE_LINK_TOLERANCE_SECONDS", range: 5...3_600) { settings.link.tolerance = value }
        if let value = try number("SMARTGATE_LINK_KEY_OVERLAP_HOURS", range: 0...720) { settings.link.keyOverlap = value * 3600 }
        if let value = try number("SMARTGATE_LINK_POLL_SECONDS", range: 0.05...3_600) { settings.link.pollSeconds = value }
        if let value = try number("SMARTGATE_LINK_ANCHOR_MINUTES", range: 1...60) { settings.link.anchorSeconds = value * 60 }
        if let raw = environment["SMARTGATE_DEFAULT_CHANNEL"], !raw.isEmpty {
            guard let channel = Channel(rawValue: raw) else {
                throw SettingsError("SMARTGATE_DEFAULT_CHANNEL=\(raw) must be green, yellow or red")
            }
            settings.defaultChannel = channel
        }
        return settings
    }
}

/// Request budgets. Each is a token bucket refilled at the per-minute rate that holds a
/// sixth of a minute's worth (at least ten: a few people signing in behind one office
/// address), so short bursts pass and a flood is slowed.
public struct RateLimits: Sendable, Equatable {
    /// Per signed-in user.
    public var userPerMinute: Int
    /// Per device key: a lane sends a few readings a second at most.
    public var devicePerMinute: Int
    /// Login attempts per client address and, separately, per e-mail address.
    public var loginPerMinute: Int
    /// Bookings and moves per account: a person books a few trucks a minute; a bot that
    /// polls for released places gains nothing over them (CONTRACTS §11).
    public var bookingPerMinute: Int

    public init(userPerMinute: Int = 600, devicePerMinute: Int = 6_000, loginPerMinute: Int = 20, bookingPerMinute: Int = 30) {
        self.userPerMinute = userPerMinute
        self.devicePerMinute = devicePerMinute
        self.loginPerMinute = loginPerMinute
        self.bookingPerMinute = bookingPerMinute
    }

    /// No limits (benchmarks, the fuzzer).
    public static let unlimited = RateLimits(userPerMinute: 0, devicePerMinute: 0, loginPerMinute: 0, bookingPerMinute: 0)
}

/// How the cross-border link keeps time and pace.
public struct LinkSettings: Sendable, Equatable {
    /// How far a peer's clock may be ahead of ours (a message's time, a request's time).
    public var tolerance: TimeInterval = 120
    /// How old a queued message may be when it arrives, and how long message ids are kept.
    public var horizon: TimeInterval = 7 * 86_400
    /// How long a peer's rotated-out key is still accepted.
    public var keyOverlap: TimeInterval = 24 * 3600
    /// How often the sender looks for due messages when nothing wakes it.
    public var pollSeconds: Double = 1
    /// How often this side's audit head is sent to each peer (at least hourly).
    public var anchorSeconds: Double = 3600
    /// How long the sender waits after a failed delivery before the next.
    public var backoff = LinkBackoff()

    public init() {}

    var window: LinkWindow { LinkWindow(past: horizon, future: tolerance) }
}

/// What happens when no key is configured and the key file does not exist.
public enum KeyMode: Sendable {
    /// Create the key file (development, the demo).
    case createIfMissing
    /// Refuse to start, saying how to create one (production).
    case requireExisting
    /// Use the file if it exists, else keys for this process only (CLI commands that sign nothing).
    case useIfPresent
}

/// Where the corridor's plant comes from.
public enum CorridorPlantSource: Sendable, Equatable {
    case shipped
    case file(String)
    case off
}
