// smartgate-bench booking [--seconds 5] [--clients 32] [--places 20] [--database postgres://…]
//
// Slot booking under contention (issue 16): `clients` declarants' systems book closed-loop,
// all racing for the earliest slot that still has a place (`places` per 15-minute slot), so
// most requests meet a slot being filled by the others. Bookings granted per second, and
// the p50/p99 of every booking request (granted or refused with the next free slots),
// against the trivial route measured in the same run. At the end every slot's places are
// counted: none may hold more bookings than places.
import AsyncHTTPClient
import Foundation
import GateKit
import NIOConcurrencyHelpers
import NIOCore
import SmartGateServer
import SQLKit
import Vapor

struct BookingBenchOptions {
    var seconds = 5.0
    var clients = 32
    var places = 20
    var database: String?

    init(_ arguments: [String]) throws {
        var iterator = arguments.makeIterator()
        while let flag = iterator.next() {
            guard let value = iterator.next() else { throw SettingsError("\(flag) needs a value") }
            switch flag {
            case "--seconds": seconds = Double(value) ?? seconds
            case "--clients": clients = Int(value) ?? clients
            case "--places": places = Int(value) ?? places
            case "--database": database = value
            default: throw SettingsError("unknown option \(flag); use --seconds, --clients, --places, --database")
            }
        }
    }
}

func bookingBenchmark(_ arguments: [String]) async throws {
    let options = try BookingBenchOptions(arguments)
    let directory = FileManager.default.currentDirectoryPath + "/.build/bench-booking"
    try? FileManager.default.removeItem(atPath: directory)
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    var settings = ServerSettings(database: options.database.map { .postgres(url: $0) } ?? .sqliteFile(path: directory + "/bench.sqlite"))
    settings.rateLimits = .unlimited
    settings.yardSweepSeconds = 0
    let host = SmartGateHost.Options(hostname: "127.0.0.1", port: 0, environment: "development", settings: settings)
    let password = "bench-password-1"
    let stamp = UUID().uuidString.prefix(8).lowercased()
    _ = try await SmartGateHost.createUser(host, Accounts.NewUser(email: "exporter-\(stamp)@bench.smartgate.vn", role: "declarant", enterprise: "5300100269", gates: [], password: password))
    _ = try await SmartGateHost.createUser(host, Accounts.NewUser(email: "admin-\(stamp)@bench.smartgate.vn", role: "admin", enterprise: nil, gates: [], password: password))

    let app = try await Application.make(.init(name: "production", arguments: ["smartgate-bench"]))
    app.logger.logLevel = .error
    try await configure(app, settings: settings)
    app.get("bench", "trivial") { _ in "ok" }.access(.anyone)
    try await app.autoMigrate()
    app.http.server.configuration.hostname = "127.0.0.1"
    app.http.server.configuration.port = 0
    try await app.server.start(address: .hostname("127.0.0.1", port: 0))
    let port = app.http.server.shared.localAddress?.port ?? 8080
    var configuration = HTTPClient.Configuration()
    configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 256)
    let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    let api = BenchAPI(client: client, base: "http://127.0.0.1:\(port)")

    func signIn(_ email: String) async throws -> String {
        guard let token = try await api.call(.POST, "/api/v1/auth/login", ["email": email, "password": password]).1["token"] as? String else {
            throw SettingsError("\(email) could not sign in")
        }
        return token
    }
    let trader = try await signIn("exporter-\(stamp)@bench.smartgate.vn")
    let admin = try await signIn("admin-\(stamp)@bench.smartgate.vn")
    let day = (["mon", "tue", "wed", "thu", "fri", "sat", "sun"]).map { ($0, [["open": "00:00", "close": "24:00"]]) }
    let calendar: [String: Any] = ["slotMinutes": 15, "lanes": 1, "servicePerLaneHour": options.places * 4, "hours": Dictionary(uniqueKeysWithValues: day),
                                   "priority": ["share": 0], "horizonDays": 14]
    guard try await api.call(.PUT, "/api/v1/slot-calendars/kim-thanh/outbound", calendar, token: admin).0 == 200 else { throw SettingsError("the calendar was refused") }

    // Enough declarations for the run, each its own truck and driver.
    let expected = Int(options.seconds * 1_500) + options.clients
    var declarations: [String] = []
    var random = SplitMix64(seed: 16)
    var serial = 0
    while declarations.count < expected {
        serial += 1
        guard var trip = DemoTruck.make(lane: "kim-thanh-out-1", gate: "kim-thanh", direction: .export, serial: serial, random: &random).declaration else { continue }
        trip["vehicle"] = ["plate": String(format: "24C-%03d.%02d", 100 + serial / 100 % 900, serial % 100)]
        trip["driver"] = ["name": "Bench Driver", "documentNumber": "B\(1_000_000 + serial)", "nationality": "VN"]
        let (status, body) = try await api.call(.POST, "/api/v1/declarations", trip, token: trader)
        if status == 201, let id = body["id"] as? String { declarations.append(id) }
    }
    let slots = NIOLockedValueBox((next: 0, ids: [String]()))
    let zone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
    for offset in 1...3 {
        let date = LocalDate(Date().addingTimeInterval(Double(offset) * 86_400), in: zone)
        let (_, body) = try await api.call(.GET, "/api/v1/slots?gate=kim-thanh&direction=outbound&date=\(date)", token: trader)
        let ids = (body["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        slots.withLockedValue { $0.ids += ids }
    }
    let pool = NIOLockedValueBox(declarations)

    let trivial = await closedLoop(seconds: options.seconds, workers: options.clients) { _ in
        (try? await api.call(.GET, "/bench/trivial"))?.0 == 200
    }
    let granted = NIOLockedValueBox(0)
    let refused = NIOLockedValueBox(0)
    let bookings = await closedLoop(seconds: options.seconds, workers: options.clients) { _ in
        guard let declaration = pool.withLockedValue({ $0.popLast() }) else { return nil }
        let (index, slot) = slots.withLockedValue { state in (state.next, state.ids[min(state.next, state.ids.count - 1)]) }
        guard let (status, body) = try? await api.call(.POST, "/api/v1/bookings", ["declarationId": declaration, "slotId": slot], token: trader) else { return false }
        if status == 201 { granted.withLockedValue { $0 += 1 }; return true }
        pool.withLockedValue { $0.append(declaration) }
        if status == 409, body["code"] as? String == "full" {
            refused.withLockedValue { $0 += 1 }
            slots.withLockedValue { if $0.next == index { $0.next += 1 } }
            return true
        }
        return false
    }
    let grantedRate = Double(granted.withLockedValue { $0 }) / options.seconds
    let sql = app.db as! any SQLDatabase
    let overbooked = try await sql.raw("SELECT COUNT(*) AS n FROM slot_places WHERE general + priority > \(unsafeRaw: String(options.places))").first(decodingColumn: "n", as: Int.self) ?? -1
    let kind = options.database == nil ? "SQLite" : "PostgreSQL"
    print("""
    booking under contention on \(kind): \(options.clients) clients, \(options.places) places a slot, \(format(options.seconds, 0)) s
    | measure | value | reference (same run) | ratio |
    |---|---|---|---|
    | booking requests (granted or 409 full), \(kind) | \(format(bookings.rate, 0)) req/s | trivial route \(format(trivial.rate, 0)) req/s | \(format(100 * bookings.rate / trivial.rate, 1)) % |
    | bookings granted, \(kind) | \(format(grantedRate, 0))/s (\(granted.withLockedValue { $0 }) granted, \(refused.withLockedValue { $0 }) refused as full) | trivial route \(format(trivial.rate, 0)) req/s | \(format(100 * grantedRate / trivial.rate, 1)) % |
    | booking p50 / p99, \(kind) | \(format(bookings.samples.percentile(0.5), 2)) / \(format(bookings.samples.percentile(0.99), 2)) ms | trivial \(format(trivial.samples.percentile(0.5), 2)) / \(format(trivial.samples.percentile(0.99), 2)) ms | \(format(bookings.samples.percentile(0.99) / trivial.samples.percentile(0.99), 1))× at p99 |
    | slots holding more bookings than places | \(overbooked) | must be 0 | — |
    failures (neither 201 nor 409 full): \(bookings.samples.failures)
    """)
    try await client.shutdown()
    await app.server.shutdown()
    try await app.asyncShutdown()
}

/// One JSON call to the server under test: the status and the body as an object.
struct BenchAPI: Sendable {
    let client: HTTPClient
    let base: String

    @Sendable func call(_ method: HTTPMethod, _ path: String, _ body: Any? = nil, token: String? = nil) async throws -> (Int, [String: Any]) {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: body)))
        }
        let response = try await client.execute(request, timeout: .seconds(30))
        let data = Data(buffer: try await response.body.collect(upTo: 1 << 20))
        return (Int(response.status.code), (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
    }
}
