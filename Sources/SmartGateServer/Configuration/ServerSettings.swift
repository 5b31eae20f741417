import Foundation
import GateKit

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
    /// The channel a new declaration gets until risk selectivity assigns one.
    public var defaultChannel: Channel
    /// An open passage with no reading for this long is abandoned.
    public var passageIdleTimeout: TimeInterval
    /// Largest request body accepted; bigger bodies answer 413.
    public var maxBodyBytes: Int
    /// Keep each lane's active passage in memory (see `LaneStates`); off reloads it per reading.
    public var laneStateCache: Bool

    public init(
        database: DatabaseTarget = .defaultTarget, lanePolicy: LanePolicy = .standard,
        defaultChannel: Channel = .green, passageIdleTimeout: TimeInterval = 600, maxBodyBytes: Int = 512 * 1024,
        laneStateCache: Bool = true
    ) {
        self.laneStateCache = laneStateCache
        self.database = database
        self.lanePolicy = lanePolicy
        self.defaultChannel = defaultChannel
        self.passageIdleTimeout = passageIdleTimeout
        self.maxBodyBytes = maxBodyBytes
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
        switch environment["SMARTGATE_LANE_CACHE"]?.lowercased() {
        case nil, "", "on": break
        case "off": settings.laneStateCache = false
        case let other?: throw SettingsError("SMARTGATE_LANE_CACHE=\(other) must be on or off")
        }
        if let raw = environment["SMARTGATE_DEFAULT_CHANNEL"], !raw.isEmpty {
            guard let channel = Channel(rawValue: raw) else {
                throw SettingsError("SMARTGATE_DEFAULT_CHANNEL=\(raw) must be green, yellow or red")
            }
            settings.defaultChannel = channel
        }
        return settings
    }
}
