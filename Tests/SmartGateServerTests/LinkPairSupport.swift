import BorderLink
import Fluent
import Foundation
import GateKit
import SQLKit
import Testing
import VaporTesting
@testable import SmartGateServer

/// One side of a linked pair: a real server on loopback with its own database and key,
/// which a test can stop and start again on the same port and the same records.
final class PairSide: @unchecked Sendable {  // used from one test task at a time
    let side: String
    var settings: ServerSettings
    private(set) var app: Application?
    /// Its own from the start: a side stopped and started again binds the port once more,
    /// and one from the ephemeral range may meanwhile be any client connection's.
    private(set) var port = BorderLinkPairTests.reservedPort()
    private let dropAfter: String?
    /// The other side, whose link state a failed wait prints beside this side's.
    weak var partner: PairSide?

    init(side: String, database: TestDatabase, directory: URL, adjust: (inout ServerSettings) -> Void) async throws {
        self.side = side
        var settings = ServerSettings(database: .sqliteFile(path: directory.appendingPathComponent("\(side).sqlite").path))
        if database == .postgres {
            let template = try await TestDatabase.postgresTemplate.value
            let name = "smartgate_link_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased())"
            try await TestDatabase.administer("CREATE DATABASE \(name) TEMPLATE \(template)")
            settings.database = .postgres(url: try TestDatabase.postgresURL(database: name))
            dropAfter = name
        } else {
            dropAfter = nil
        }
        settings.side = side
        settings.keyFilePath = directory.appendingPathComponent("\(side).keys.json").path
        settings.corridorPlant = .off
        settings.rateLimits = .unlimited
        settings.liveStreamSeconds = 0
        settings.link.pollSeconds = 0.05
        settings.link.backoff = LinkBackoff(first: 0.05, cap: 0.4)
        adjust(&settings)
        self.settings = settings
    }

    var url: String { "http://127.0.0.1:\(port)" }

    func require() throws -> Application { try #require(app, "\(side) is not running") }

    /// Starts the server (on the port it had before, after a stop), its courier included.
    func start() async throws {
        let app = try await Application.make(.testing)
        do {
            try await configure(app, settings: settings)
            try await app.autoMigrate()
            try await TestCallers.seed(app)
            try await app.server.start(address: .hostname("127.0.0.1", port: port))
            port = try #require(app.http.server.shared.localAddress?.port)
            try await app.asyncBoot()
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        self.app = app
    }

    func stop() async throws {
        guard let app else { return }
        await app.server.shutdown()
        try await app.asyncShutdown()
        self.app = nil
    }

    func dropDatabase() async throws {
        if let dropAfter { try await TestDatabase.administer("DROP DATABASE IF EXISTS \(dropAfter) WITH (FORCE)") }
    }

    /// A signed-in officer of `role` at `gate` on this side (the seeded ones work at kim-thanh).
    func officer(_ role: Role = .customsOfficer, at gate: String) async throws -> String {
        let app = try require()
        let user = UserModel()
        user.id = UUID()
        user.email = "\(role.rawValue)-\(gate)-\(UUID().uuidString.prefix(6))@test.smartgate.cn"
        user.passwordHash = TestCallers.passwordHash
        user.createdMs = Date().milliseconds
        user.role = role.rawValue
        user.gates = gate
        try await user.create(on: app.db)
        return try await TestCallers.token(for: user, app: app)
    }

    /// Polls `condition` every 50 ms until it holds or `seconds` pass; the link works in the
    /// background, so its effects are awaited, not slept for.
    func eventually(_ what: String, seconds: Double = 60, _ condition: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("\(side): not within \(seconds) s: \(what)\n\(await linkState())\n\(await partner?.linkState() ?? "")")
        throw CancellationError()
    }

    /// What the link holds on this side, for a failed wait to say where messages stopped.
    func linkState() async -> String {
        guard let sql = app?.db as? any SQLDatabase else { return "\(side): not running" }
        var lines = ["\(side) link state:"]
        let queries: [(String, String)] = [
            ("outbox", "SELECT peer_id, stream, sequence, type, state, attempts, next_attempt_ms, receipt FROM link_outbox ORDER BY stream, sequence"),
            ("inbox", "SELECT peer_id, stream, sequence, type, state FROM link_inbox ORDER BY stream, sequence"),
            ("refusals", "SELECT peer_id, reason, detail FROM link_refusals"),
            ("peer keys", "SELECT peer_id, key_id, accepted_until_ms FROM link_peer_keys"),
        ]
        for (name, query) in queries {
            do {
                let rows = try await sql.raw(SQLQueryString(query)).all()
                lines.append("  \(name): \(rows.count)")
                for row in rows.prefix(20) {
                    let values = row.allColumns.map { column in
                        (try? row.decode(column: column, as: String?.self)).flatMap { $0 }
                            ?? (try? row.decode(column: column, as: Int64?.self)).flatMap { $0 }.map(String.init) ?? "null"
                    }
                    lines.append("    " + values.joined(separator: " | "))
                }
            } catch {
                lines.append("  \(name): \(error)")
            }
        }
        lines.append("  seen offset of peer: \(app?.smartGate.link.peers.offset(of: partner?.side ?? "").map { "\($0.seconds) s at \($0.seen)" } ?? "none")")
        return lines.joined(separator: "\n")
    }

    func count(_ table: String, where conditions: [String: String] = [:]) async throws -> Int {
        let sql = try require().db as! any SQLDatabase
        let query = sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from(table)
        for (column, value) in conditions { query.where(SQLColumn(column), .equal, SQLBind(value)) }
        return try await query.first(decodingColumn: "n", as: Int.self) ?? 0
    }
}

/// Two SmartGates on loopback, Vietnam's and China's, each with its own database and key,
/// registered as each other's peer.
func withLinkedPair(
    _ database: TestDatabase, adjust: (inout ServerSettings) -> Void = { _ in },
    _ test: (_ vietnam: PairSide, _ china: PairSide) async throws -> Void
) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smartgate-link-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let vietnam = try await PairSide(side: LinkSide.vietnam, database: database, directory: directory, adjust: adjust)
    let china = try await PairSide(side: LinkSide.china, database: database, directory: directory, adjust: adjust)
    vietnam.partner = china
    china.partner = vietnam
    do {
        try await vietnam.start()
        try await china.start()
        try await peer(vietnam, with: china)
        try await peer(china, with: vietnam)
        try await test(vietnam, china)
    } catch {
        try? await vietnam.stop()
        try? await china.stop()
        try? await vietnam.dropDatabase()
        try? await china.dropDatabase()
        throw error
    }
    try await vietnam.stop()
    try await china.stop()
    try await vietnam.dropDatabase()
    try await china.dropDatabase()
    try? FileManager.default.removeItem(at: directory)
}

/// Registers `other` as a peer of `side`, with the key `other` signs with.
func peer(_ side: PairSide, with other: PairSide) async throws {
    let app = try side.require()
    let key = try other.require().smartGate.keys.auditKey.publicKey.rawRepresentation.base64EncodedString()
    _ = try await PeerRegistry.add(id: other.side, url: other.url, publicKey: key, actor: "test", at: Date(), context: app.smartGate, on: app.db)
}
