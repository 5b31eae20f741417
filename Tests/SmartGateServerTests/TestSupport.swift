import Fluent
import Foundation
import GateKit
import SQLKit
import Testing
import VaporTesting
import WebSocketKit
@testable import SmartGateServer

/// The databases API tests run on: SQLite in memory always, PostgreSQL when `DATABASE_URL`
/// is set (CI sets it). Each test gets a database of its own.
enum TestDatabase: String, CustomTestStringConvertible, Sendable {
    case sqlite, postgres

    var testDescription: String { rawValue }

    static let available: [TestDatabase] = {
        if let url = ProcessInfo.processInfo.environment["DATABASE_URL"], url.hasPrefix("postgres") {
            return [.sqlite, .postgres]
        }
        print("⚠︎ PostgreSQL API tests SKIPPED: DATABASE_URL is not set (only SQLite runs). .ci/run sets it.")
        return [.sqlite]
    }()

    /// A migrated template database, made once per test process; each test's database is
    /// a copy of it (`CREATE DATABASE … TEMPLATE`), so tests run in parallel and never
    /// see each other's rows.
    static let postgresTemplate: Task<String, any Error> = Task {
        let name = "smartgate_template_\(ProcessInfo.processInfo.processIdentifier)"
        try await administer("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", "CREATE DATABASE \(name)")
        let app = try await Application.make(.testing)
        do {
            try await configure(app, settings: ServerSettings(database: .postgres(url: try postgresURL(database: name))))
            try await app.autoMigrate()
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
        return name
    }

    static func postgresURL(database: String) throws -> String {
        guard let base = ProcessInfo.processInfo.environment["DATABASE_URL"], var components = URLComponents(string: base) else {
            throw SettingsError("DATABASE_URL is not set")
        }
        components.path = "/" + database
        return components.string!
    }

    /// Runs statements on the server's maintenance connection (the DATABASE_URL database).
    static func administer(_ statements: String...) async throws {
        let app = try await Application.make(.testing)
        do {
            app.databases.use(try .postgres(url: ProcessInfo.processInfo.environment["DATABASE_URL"] ?? ""), as: .psql)
            let sql = app.db as! any SQLDatabase
            for statement in statements { try await sql.raw(SQLQueryString(statement)).run() }
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }
}

/// Runs `test` against a freshly migrated SmartGate on `database`.
func withSmartGate(
    _ database: TestDatabase, settings adjust: (inout ServerSettings) -> Void = { _ in },
    _ test: (Application) async throws -> Void
) async throws {
    var settings = ServerSettings(database: .sqliteMemory)
    settings.liveStreamSeconds = 0  // a live page's stream ends after its first heartbeat
    settings.leaseProbeDeadline = .seconds(30)
    adjust(&settings)
    var dropAfter: String?
    if database == .postgres {
        let template = try await TestDatabase.postgresTemplate.value
        let name = "smartgate_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased())"
        try await TestDatabase.administer("CREATE DATABASE \(name) TEMPLATE \(template)")
        settings.database = .postgres(url: try TestDatabase.postgresURL(database: name))
        dropAfter = name
    }
    do {
        try await withApp(configure: { app in
            try await configure(app, settings: settings)
            try await app.autoMigrate()
            try await TestCallers.seed(app)
            // Not booted, so no background work runs; the roles are this app's, as a lone
            // instance's are (the corridor's routes answer on its holder only). A round
            // that failed on a loaded machine is tried again: without the roles the
            // corridor's routes answer 503 and the test fails far from the cause.
            let leases = app.smartGate.leases
            for _ in 0..<30 where leases.roles != InstanceRole.allCases {
                await leases.takeFreeRoles(app)
            }
            try #require(leases.roles == InstanceRole.allCases, "the lone test instance holds every role")
        }, test)
    } catch {
        if let dropAfter { try? await TestDatabase.administer("DROP DATABASE IF EXISTS \(dropAfter) WITH (FORCE)") }
        // PostgresNIO hides its details from `description`; a failing test should show them.
        if database == .postgres { Issue.record("PostgreSQL: \(String(reflecting: error).prefix(600))") }
        throw error
    }
    if let dropAfter { try await TestDatabase.administer("DROP DATABASE IF EXISTS \(dropAfter) WITH (FORCE)") }
}

/// Who a test request comes from.
enum TestCaller: Hashable, Sendable, CustomStringConvertible {
    /// Whoever normally calls that path: the lane's device key for readings, the
    /// declarant of `Fixture`'s enterprise for declarations, an admin elsewhere under /api.
    case automatic
    case anonymous
    /// A signed-in user with this role; gate-scoped roles work at `kim-thanh`.
    case role(Role)
    /// A declarant of another enterprise (5300100283).
    case otherDeclarant
    /// Staff of this role at another gate (`muong-khuong`).
    case elsewhere(Role)
    /// The device key bound to this lane.
    case device(lane: String)
    /// An admin's token with another signature, and one that has expired.
    case forgedToken, expiredToken
    /// Raw headers.
    case headers([String: String])

    var description: String {
        switch self {
        case .automatic: "automatic"
        case .anonymous: "anonymous"
        case .role(let role): role.rawValue
        case .otherDeclarant: "declarant of another enterprise"
        case .elsewhere(let role): "\(role.rawValue) at another gate"
        case .device(let lane): "device key of \(lane)"
        case .forgedToken: "forged token"
        case .expiredToken: "expired token"
        case .headers(let headers): "headers \(headers.keys.sorted())"
        }
    }
}

/// The users and device keys every API test database starts with, and their credentials.
enum TestCallers {
    static let password = "test-password-1"
    static let otherTaxCode = "5300100283"
    /// bcrypt at the lowest cost: the tests check who may call what, not bcrypt.
    static let passwordHash: String = (try? Bcrypt.hash(password, cost: 4)) ?? ""

    struct Credentials: Sendable {
        var tokens: [TestCaller: String] = [:]
        var deviceKeys: [String: String] = [:]
    }

    private struct Key: StorageKey { typealias Value = Credentials }

    static func email(_ caller: TestCaller) -> String {
        switch caller {
        case .role(let role): "\(role.rawValue)@test.smartgate.vn"
        case .otherDeclarant: "other-declarant@test.smartgate.vn"
        case .elsewhere(let role): "\(role.rawValue)-elsewhere@test.smartgate.vn"
        default: ""
        }
    }

    /// One user per role (and the out-of-scope ones), one device key per lane; tokens minted.
    /// Seeding a database seeded before (a restart test) reuses its users and replaces its
    /// device keys, whose plain text only their creation knows.
    static func seed(_ app: Application) async throws {
        var credentials = Credentials()
        var users: [(TestCaller, UserModel)] = []
        let callers = Role.allCases.map(TestCaller.role) + [.otherDeclarant] + Role.gateStaff.sorted().map(TestCaller.elsewhere)
        for caller in callers {
            if let existing = try await UserModel.query(on: app.db).filter(\.$email == email(caller)).first() {
                users.append((caller, existing))
                continue
            }
            let user = UserModel()
            user.id = UUID()
            user.email = email(caller)
            user.passwordHash = passwordHash
            user.createdMs = Date().milliseconds
            user.gates = ""
            switch caller {
            case .role(let role):
                user.role = role.rawValue
                if role == .declarant { user.enterprise = "5300100269" }
                if role.isGateScoped { user.gates = "kim-thanh" }
            case .otherDeclarant:
                user.role = Role.declarant.rawValue
                user.enterprise = otherTaxCode
            case .elsewhere(let role):
                user.role = role.rawValue
                user.gates = "muong-khuong"
            default: continue
            }
            try await user.create(on: app.db)
            users.append((caller, user))
        }
        for (caller, user) in users {
            credentials.tokens[caller] = try await token(for: user, app: app)
        }
        if let admin = users.first(where: { $0.0 == .role(.admin) })?.1, let token = credentials.tokens[.role(.admin)] {
            credentials.tokens[.expiredToken] = try await self.token(for: admin, app: app, expires: Date().addingTimeInterval(-60))
            let signed = token.split(separator: ".")
            credentials.tokens[.forgedToken] = signed.prefix(2).joined(separator: ".") + "." + String(repeating: "A", count: 43)
        }
        try await DeviceKeyModel.query(on: app.db).filter(\.$name =~ "test ").delete()
        let directory = try await app.smartGate.gates.snapshot(on: app.db)
        for lane in Array(directory.lanes.keys) + Array(directory.yardLanes.keys) {
            let key = DeviceKey.generate()
            let device = DeviceKeyModel()
            device.id = UUID()
            device.laneId = lane
            device.name = "test \(lane)"
            device.keyHash = DeviceKey.digest(of: key)
            device.createdMs = Date().milliseconds
            try await device.create(on: app.db)
            credentials.deviceKeys[lane] = key
        }
        app.storage[Key.self] = credentials
    }

    static func token(for user: UserModel, app: Application, expires: Date = Date().addingTimeInterval(3600)) async throws -> String {
        try await AuthController.issueToken(for: user.identity!, expires: expires, app: app)
    }

    static func credentials(_ app: Application) -> Credentials { app.storage[Key.self] ?? Credentials() }

    /// Gives `other` (a second instance on the same database and keys) `app`'s callers.
    static func share(from app: Application, with other: Application) {
        other.storage[Key.self] = credentials(app)
    }

    /// The form token the pages expect from the session of `token`.
    static func csrf(for token: String, app: Application) throws -> String {
        let payload = try #require(Base64URL.canonicalDecode(token.split(separator: ".")[1]))
        let jti = try #require((try JSONSerialization.jsonObject(with: payload) as? [String: Any])?["jti"] as? String)
        return WebSession.csrfToken(jti: jti, key: app.smartGate.keys.tokenKey)
    }

    /// The headers that present `caller`'s credential for a request to `path`.
    static func headers(for caller: TestCaller, path: String, app: Application) -> [(String, String)] {
        let credentials = credentials(app)
        switch caller {
        case .anonymous: return []
        case .headers(let headers): return headers.map { ($0.key, $0.value) }
        case .device(let lane) where isPage(path): return credentials.deviceKeys[lane].map { [("Cookie", "sg_session=\($0)")] } ?? []
        case .device(let lane): return credentials.deviceKeys[lane].map { [("X-Device-Key", $0)] } ?? []
        case .automatic:
            let parts = path.split(separator: "?")[0].split(separator: "/").map(String.init)
            if parts.count == 5, parts[2] == "lanes", parts[4] == "readings" {
                return headers(for: .device(lane: parts[3]), path: path, app: app)
            }
            if parts.count >= 3, parts[2] == "declarations" { return headers(for: .role(.declarant), path: path, app: app) }
            if parts.first == "api" || parts.first == "metrics" { return headers(for: .role(.admin), path: path, app: app) }
            return []
        default:
            // Pages take the session cookie; the API the bearer header.
            if isPage(path) { return credentials.tokens[caller].map { [("Cookie", "sg_session=\($0)")] } ?? [] }
            return credentials.tokens[caller].map { [("Authorization", "Bearer \($0)")] } ?? []
        }
    }

    /// Whether `path` is one of the pages (everything but the API, health, metrics and the document).
    static func isPage(_ path: String) -> Bool {
        let bare = path.split(separator: "?")[0]
        return !(bare.hasPrefix("/api/") || bare == "/health" || bare == "/metrics" || bare == "/openapi.json")
    }
}

/// Request helpers: JSON in, parsed JSON out.
extension Application {
    /// Sends a raw body (a form post) as `caller`.
    func send(
        _ method: HTTPMethod, _ path: String, body: String, headers: HTTPHeaders, as caller: TestCaller = .automatic
    ) async throws -> TestingHTTPResponse {
        var headers = headers
        for (name, value) in TestCallers.headers(for: caller, path: path, app: self) where !headers.contains(name: name) {
            headers.add(name: name, value: value)
        }
        return try await testing().sendRequest(method, path, headers: headers, body: ByteBuffer(string: body))
    }

    /// Sends a request as `caller` (by default whoever normally calls `path`).
    func send(
        _ method: HTTPMethod, _ path: String, json: String? = nil, headers: HTTPHeaders = [:], as caller: TestCaller = .automatic
    ) async throws -> TestingHTTPResponse {
        var headers = headers
        if json != nil, headers.contentType == nil { headers.contentType = .json }
        for (name, value) in TestCallers.headers(for: caller, path: path, app: self) where !headers.contains(name: name) {
            headers.add(name: name, value: value)
        }
        return try await testing().sendRequest(method, path, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }
}

extension TestingHTTPResponse {
    /// The body as a JSON object (or an empty one if it is not).
    var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
    }

    var text: String { String(buffer: body) }

    /// The `field`s named in a problem's `errors`.
    var problemFields: [String] {
        (object["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
    }
}

/// Canonical test data: a declaration that passes every check at `kim-thanh-out-1`.
enum Fixture {
    static let digest = String(repeating: "ab", count: 32)

    static func declaration(
        plate: String = "24C-123.45", trailer: String? = "24R-012.34", container: String = "CSQU3054383",
        seal: String = "VNLC0000123", gate: String = "kim-thanh", direction: String = "export",
        plannedArrival: String = stamp(), tareKg: Int = 14000, grossKg: Int = 19500, crossing: String? = nil,
        driver: String = "C1234567", hsCode: String = "081060"
    ) -> String {
        let trailerField = trailer.map { #","trailerPlate":"\#($0)""# } ?? ""
        let crossingField = crossing.map { #","crossing":"\#($0)""# } ?? ""
        return """
        {"direction":"\(direction)","gate":"\(gate)","declarant":{"taxCode":"5300100269","name":"Cong ty Nong san Lao Cai"},\
        "vehicle":{"plate":"\(plate)"\(trailerField)},"driver":{"name":"Nguyen Van A","documentNumber":"\(driver)","nationality":"VN"},\
        "containers":[{"number":"\(container)","seals":["\(seal)"]}],\
        "goods":[{"hsCode":"\(hsCode)","description":"Fresh durian","quantity":18000,"unit":"KGM","netKg":18000,"grossKg":\(grossKg),\
        "value":{"amount":"54000.00","currency":"USD"},"origin":"VN"}],\
        "documents":[{"kind":"commercialInvoice","reference":"INV-2026-001","sha256":"\(digest)"}],\
        "plannedArrival":"\(plannedArrival)","tareKg":\(tareKg)\(crossingField)}
        """
    }

    /// A rule at kim-thanh sending fresh fruit (HS 0810) to `channel`.
    /// A transport order over the corridor, Vietnamese bay to any free Chinese bay.
    static func transportOrder(from: String = "VN-H1", to: String = "cn-handover", extra: String = "") -> String {
        #"{"container":"CSQU3054383","from":"\#(from)","to":"\#(to)"\#(extra)}"#
    }

    static func rule(channel: String = "yellow", gates: [String] = ["kim-thanh"], hs: String = "0810") -> String {
        let gateList = gates.map { "\"\($0)\"" }.joined(separator: ",")
        return #"{"name":"Fresh fruit","reason":"Seasonal fraud alert on fresh fruit","minChannel":"\#(channel)","gates":[\#(gateList)],"criteria":{"hsCodes":["\#(hs)"]}}"#
    }

    /// A referred fresh-durian declaration at kim-thanh and its inspection (under quarantine
    /// control), waiting, or assigned to `caller` when it is a seeded user.
    static func inspection(_ app: Application, assignedTo caller: TestCaller?) async throws -> String {
        let created = try await app.send(.POST, "/api/v1/declarations", json: declaration(), as: .role(.declarant))
        let declarationId = try #require(UUID(uuidString: created.object["id"] as? String ?? ""), "\(created.text)")
        let declaration = try #require(try await DeclarationModel.find(declarationId, on: app.db))
        declaration.status = DeclarationStatus.referred.rawValue
        try await declaration.save(on: app.db)
        let inspection = InspectionModel()
        inspection.id = UUID()
        inspection.declarationId = declarationId
        inspection.gateId = "kim-thanh"
        inspection.declarantCode = "5300100269"
        inspection.plate = "24C12345"
        inspection.channel = "yellow"
        inspection.quarantine = true
        inspection.status = InspectionStatus.waiting.rawValue
        inspection.laneReasons = "[]"
        inspection.queuedMs = Date().milliseconds
        if let caller, let user = try await UserModel.query(on: app.db).filter(\.$email == TestCallers.email(caller)).first() {
            inspection.status = InspectionStatus.assigned.rawValue
            inspection.assignedTo = user.id
            inspection.assignedMs = Date().milliseconds
        }
        try await inspection.create(on: app.db)
        return inspection.id!.uuidString
    }

    /// Fields as a browser posts them (`application/x-www-form-urlencoded`).
    static func formBody(_ fields: [(String, String)]) -> String {
        fields.map { "\($0.0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
            .joined(separator: "&")
    }

    /// The portal's form for `declaration()`'s trip, field by field as a browser posts it.
    static var portalForm: [(String, String)] {
        let planned = String(GateKit.Timestamp.format(Date().addingTimeInterval(3 * 3600)).prefix(16))
        return [
            ("direction", "export"), ("gate", "kim-thanh"), ("plannedArrival", planned), ("declarant.name", "Cong ty Nong san Lao Cai"),
            ("vehicle.plate", "24C-123.45"), ("vehicle.trailerPlate", "24R-012.34"), ("tareKg", "14000"), ("driver.name", "Nguyen Van A"),
            ("driver.documentNumber", "C1234567"), ("driver.nationality", "VN"), ("containers[0].number", "CSQU3054383"),
            ("containers[0].seals[0]", "VNLC0000123"), ("goods[0].hsCode", "081060"), ("goods[0].description", "Fresh durian"),
            ("goods[0].quantity", "18000"), ("goods[0].unit", "KGM"), ("goods[0].netKg", "18000"), ("goods[0].grossKg", "19500"),
            ("goods[0].value.amount", "54000.00"), ("goods[0].value.currency", "USD"), ("goods[0].origin", "VN"),
            ("documents[0].kind", "commercialInvoice"), ("documents[0].reference", "INV-2026-001"), ("documents[0].sha256", digest),
        ]
    }

    static func reading(_ device: String, _ event: String, _ kind: String, _ fields: String = "", at: String = stamp()) -> String {
        let extra = fields.isEmpty ? "" : "," + fields
        return #"{"deviceId":"\#(device)","eventId":"\#(event)","observedAt":"\#(at)","kind":"\#(kind)"\#(extra)}"#
    }
}

/// Now (plus `offset` seconds) as an RFC 3339 timestamp.
func stamp(_ offset: TimeInterval = 0) -> String {
    GateKit.Timestamp.format(Date().addingTimeInterval(offset))
}

/// Opens SH-02's vehicle link on `app`'s server (started on `port`) as the corridor
/// operator; `onUpgrade` sets the socket up and sends.
func openVehicleLink(_ app: Application, port: Int, _ onUpgrade: @escaping @Sendable (WebSocket) -> Void) async throws {
    let token = try #require(TestCallers.credentials(app).tokens[.role(.corridorOperator)])
    try await WebSocket.connect(
        to: "ws://127.0.0.1:\(port)/api/v1/corridor/vehicles/SH-02/link", headers: ["Authorization": "Bearer \(token)"],
        on: app.eventLoopGroup, onUpgrade: onUpgrade).get()
}

/// A clock a test moves: the server reads it wherever it needs the time, so expiry, idle
/// lanes and token lifetimes are tested by moving it, not by sleeping.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date = Date()) { current = start }

    var now: Date { lock.withLock { current } }

    func advance(by seconds: TimeInterval) { lock.withLock { current = current.addingTimeInterval(seconds) } }

    var server: ServerClock { ServerClock { [self] in now } }
}
