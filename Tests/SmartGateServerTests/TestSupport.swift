import Fluent
import Foundation
import GateKit
import SQLKit
import Testing
import VaporTesting
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
        }, test)
    } catch {
        if let dropAfter { try? await TestDatabase.administer("DROP DATABASE IF EXISTS \(dropAfter) WITH (FORCE)") }
        throw error
    }
    if let dropAfter { try await TestDatabase.administer("DROP DATABASE IF EXISTS \(dropAfter) WITH (FORCE)") }
}

/// Request helpers: JSON in, parsed JSON out.
extension Application {
    func send(
        _ method: HTTPMethod, _ path: String, json: String? = nil, headers: HTTPHeaders = [:]
    ) async throws -> TestingHTTPResponse {
        var headers = headers
        if json != nil, headers.contentType == nil { headers.contentType = .json }
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
        plannedArrival: String = stamp(), tareKg: Int = 14000, grossKg: Int = 19500
    ) -> String {
        let trailerField = trailer.map { #","trailerPlate":"\#($0)""# } ?? ""
        return """
        {"direction":"\(direction)","gate":"\(gate)","declarant":{"taxCode":"5300100269","name":"Cong ty Nong san Lao Cai"},\
        "vehicle":{"plate":"\(plate)"\(trailerField)},"driver":{"name":"Nguyen Van A","documentNumber":"C1234567","nationality":"VN"},\
        "containers":[{"number":"\(container)","seals":["\(seal)"]}],\
        "goods":[{"hsCode":"081060","description":"Fresh durian","quantity":18000,"unit":"KGM","netKg":18000,"grossKg":\(grossKg),\
        "value":{"amount":"54000.00","currency":"USD"},"origin":"VN"}],\
        "documents":[{"kind":"commercialInvoice","reference":"INV-2026-001","sha256":"\(digest)"}],\
        "plannedArrival":"\(plannedArrival)","tareKg":\(tareKg)}
        """
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
