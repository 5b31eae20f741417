// smartgate-bench: how fast SmartGate decides and ingests, against references measured in
// the same run on the same machine (absolute times on a shared 2-core machine mean little).
//
//   swift run -c release smartgate-bench [--seconds 10] [--rate 1000] [--writer-wait-ms 50]
//   swift run -c release smartgate-bench risk --model MODEL.json --input HISTORY.csv [--seconds 5]
//   swift run -c release smartgate-bench corridor-scale [--orders 2000] [--vehicles 20] [--hours 24]
//   swift run -c release smartgate-bench corridor-quality --dir DIR [--seed 1] [--classes a,b] [--instances N]
//   swift run -c release smartgate-bench corridor-bruteforce --dir DIR [--max-orders 4]
//   swift run -c release smartgate-bench link [--seconds 10] [--messages 10000]   (LinkBench.swift)
//
// 1. In-process lane decisions per second (the pure engine on realistic trucks).
// 2. The disk's limit (DiskLimit.swift): fsync and one-row SQLite commits a second.
// 3. HTTP on loopback against a real SQLite file (WAL, synchronous=FULL, group commit):
//    a trivial route (the ceiling), lane readings closed-loop at the same concurrency, and
//    lane readings open-loop at a fixed rate (latency from the scheduled send time, so a
//    slow answer cannot hide the requests queued behind it), and open-loop at twice the
//    closed loop's rate, where the writer's bounds (--writer-wait-ms: the age of the oldest
//    write not yet answered past which writes answer 503) must answer the excess "busy"
//    at once.
import AsyncHTTPClient
import Foundation
import GateKit
import NIOCore
import SmartGateServer
import Vapor

struct BenchOptions {
    var seconds = 10.0
    var rate = 1000.0
    var port = 18_099
    /// SMARTGATE_WRITER_MAX_WAIT_MS for the benchmark's server: a lane that wants every
    /// answer within 100 ms sets ~50 (unset by default: no bound by age).
    var writerWaitMilliseconds = 50

    init(_ arguments: [String]) throws {
        var iterator = arguments.dropFirst().makeIterator()
        while let flag = iterator.next() {
            guard let value = iterator.next().flatMap(Double.init) else { throw SettingsError("\(flag) needs a number") }
            switch flag {
            case "--seconds": seconds = value
            case "--rate": rate = value
            case "--port": port = Int(value)
            case "--writer-wait-ms":
                guard (1...600_000).contains(value) else { throw SettingsError("--writer-wait-ms must be between 1 and 600000") }
                writerWaitMilliseconds = Int(value)
            default: throw SettingsError("unknown option \(flag); use --seconds, --rate, --port, --writer-wait-ms")
            }
        }
    }
}

/// Latency samples and their summary.
struct Samples {
    var latencies: [Duration] = []
    /// How long the answers "busy, retry" (503) took: the writer's bounds at work.
    var busy: [Duration] = []
    /// Readings refused with a 4xx: in the open loop, a truck whose earlier reading was
    /// turned away (503, not retried by the script) has no passage for its later ones.
    var refused = 0
    var failures = 0

    mutating func merge(_ other: Samples) {
        latencies += other.latencies
        busy += other.busy
        refused += other.refused
        failures += other.failures
    }

    func percentile(_ p: Double) -> Double { Self.percentile(p, of: latencies) }

    /// The share of answers that were 503, in percent.
    var busyPercent: Double { 100 * Double(busy.count) / Double(max(1, latencies.count + busy.count + refused + failures)) }

    /// The slowest answer of any kind, accepted or busy, in milliseconds.
    var slowestAnswer: Double { milliseconds((latencies + busy).max() ?? .zero) }

    static func percentile(_ p: Double, of latencies: [Duration]) -> Double {
        guard !latencies.isEmpty else { return .nan }
        let sorted = latencies.sorted()
        let index = min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)
        return milliseconds(sorted[max(0, index)])
    }
}

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}

let lanes: [(id: String, gate: String, direction: TripDirection)] = [
    ("kim-thanh-out-1", "kim-thanh", .export), ("kim-thanh-out-2", "kim-thanh", .export),
    ("kim-thanh-in-1", "kim-thanh", .import), ("kim-thanh-in-2", "kim-thanh", .import), ("kim-thanh-in-3", "kim-thanh", .import),
    ("lao-cai-road-1-out-1", "lao-cai-road-1", .export), ("lao-cai-road-1-in-1", "lao-cai-road-1", .import),
    ("ban-vuoc-out-1", "ban-vuoc", .export), ("ban-vuoc-in-1", "ban-vuoc", .import),
    ("muong-khuong-out-1", "muong-khuong", .export), ("muong-khuong-in-1", "muong-khuong", .import),
]

// MARK: - 1. In-process decisions

func decisionsPerSecond(seconds: Double) throws -> (rate: Double, cases: Int) {
    var random = SplitMix64(seed: 7)
    var cases: [(LaneProfile, [LaneReading], [DeclarationCandidate])] = []
    let now = Date()
    let gates: Set = ["kim-thanh", "lao-cai-road-1", "ban-vuoc", "muong-khuong"]
    for index in 0..<1_000 {
        let lane = lanes[index % lanes.count]
        let truck = DemoTruck.make(lane: lane.id, gate: lane.gate, direction: lane.direction, serial: index, random: &random)
        var candidates: [DeclarationCandidate] = []
        if let body = truck.declaration {
            let json = try JSONValue.parse(JSONSerialization.data(withJSONObject: body))
            candidates.append(DeclarationCandidate(id: UUID(), status: .atLane, channel: .green, declaration: try TripDeclaration.parse(json, knownGates: gates, now: now)))
        }
        let readings = try truck.readings.enumerated().map { offset, body in
            var body = body
            body["eventId"] = "e\(index)-\(offset)"
            body["observedAt"] = Timestamp.format(now)
            return try LaneReading.parse(try JSONValue.parse(JSONSerialization.data(withJSONObject: body)), now: now)
        }
        cases.append((LaneProfile(id: lane.id, gateId: lane.gate, direction: lane.direction == .export ? .outbound : .inbound), readings.filter { $0.payload != .passed }, candidates))
    }
    let clock = ContinuousClock()
    let start = clock.now
    var decided = 0
    var releases = 0
    while milliseconds(clock.now - start) < seconds * 1000 {
        for (lane, readings, candidates) in cases {
            let decision = LaneDecisionEngine.decide(lane: lane, readings: readings, candidates: candidates)
            if decision.outcome == .release { releases += 1 }
        }
        decided += cases.count
    }
    precondition(releases > 0)
    return (Double(decided) / (milliseconds(clock.now - start) / 1000), cases.count)
}

// MARK: - 2. HTTP

struct LoadClient {
    let client: HTTPClient
    let base: String
    /// The declarants' bearer tokens by tax code, and each lane's device key.
    var tokens: [String: String] = [:]
    var deviceKeys: [String: String] = [:]

    func send(_ method: HTTPMethod, _ path: String, body: Data? = nil, credential: (String, String)? = nil) async -> Bool {
        (200..<300).contains(await status(method, path, body: body, credential: credential) ?? 0)
    }

    /// The answer's status code; nil when no answer came.
    func status(_ method: HTTPMethod, _ path: String, body: Data? = nil, credential: (String, String)? = nil) async -> UInt? {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let credential { request.headers.add(name: credential.0, value: credential.1) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        do {
            let response = try await client.execute(request, timeout: .seconds(30))
            _ = try await response.body.collect(upTo: 1 << 20)
            return response.status.code
        } catch {
            return nil
        }
    }
}

/// The readings a lane's devices send, truck after truck, each truck declared up front.
final class LaneScript: @unchecked Sendable {
    let lane: String
    private var bodies: [Data] = []
    private var next = 0

    init(lane: String, bodies: [Data]) {
        self.lane = lane
        self.bodies = bodies
    }

    /// The next reading, stamped now; nil when the script is exhausted.
    func nextReading() -> Data? {
        guard next < bodies.count else { return nil }
        defer { next += 1 }
        return bodies[next]
    }
}

func prepareScripts(_ load: LoadClient, trucksPerLane: Int, seed: UInt64) async throws -> [LaneScript] {
    var scripts: [LaneScript] = []
    try await withThrowingTaskGroup(of: LaneScript.self) { group in
        for (laneIndex, lane) in lanes.enumerated() {
            group.addTask {
                var random = SplitMix64(seed: seed &+ UInt64(laneIndex))
                var bodies: [Data] = []
                for serial in 0..<trucksPerLane {
                    let truck = DemoTruck.make(lane: lane.id, gate: lane.gate, direction: lane.direction, serial: serial, random: &random)
                    if let declaration = truck.declaration {
                        let taxCode = (declaration["declarant"] as? [String: Any])?["taxCode"] as? String ?? ""
                        let bearer = ("Authorization", "Bearer \(load.tokens[taxCode] ?? "")")
                        let body = try JSONSerialization.data(withJSONObject: declaration)
                        var status = await load.status(.POST, "/api/v1/declarations", body: body, credential: bearer)
                        while status == 503 {  // the writer is busy: retry after a moment, as a client should
                            try await Task.sleep(for: .milliseconds(100))
                            status = await load.status(.POST, "/api/v1/declarations", body: body, credential: bearer)
                        }
                        guard let status, (200..<300).contains(status) else {
                            throw SettingsError("declaring a benchmark truck failed: \(status.map(String.init) ?? "no answer")")
                        }
                    }
                    for (offset, reading) in truck.readings.enumerated() {
                        var body = reading
                        body["eventId"] = "\(truck.eventPrefix)-\(seed)-\(offset)"
                        body["observedAt"] = Timestamp.format(Date())
                        bodies.append(try JSONSerialization.data(withJSONObject: body))
                    }
                }
                return LaneScript(lane: lane.id, bodies: bodies)
            }
        }
        for try await script in group { scripts.append(script) }
    }
    return scripts
}

/// Closed loop: `workers` clients each send as fast as answers come back.
func closedLoop(seconds: Double, workers: Int, _ request: @escaping @Sendable (Int) async -> Bool?) async -> (rate: Double, samples: Samples) {
    let clock = ContinuousClock()
    let start = clock.now
    let samples = await withTaskGroup(of: Samples.self) { group in
        for worker in 0..<workers {
            group.addTask {
                var samples = Samples()
                while milliseconds(clock.now - start) < seconds * 1000 {
                    let sent = clock.now
                    guard let ok = await request(worker) else { break }
                    if ok { samples.latencies.append(clock.now - sent) } else { samples.failures += 1 }
                }
                return samples
            }
        }
        var all = Samples()
        for await samples in group { all.merge(samples) }
        return all
    }
    return (Double(samples.latencies.count) / (milliseconds(clock.now - start) / 1000), samples)
}

/// Open loop: requests leave on a fixed schedule whatever the answers do.
func openLoop(seconds: Double, rate: Double, scripts: [LaneScript], load: LoadClient) async -> (rate: Double, samples: Samples) {
    let clock = ContinuousClock()
    let start = clock.now
    let total = Int(seconds * rate)
    let samples = await withTaskGroup(of: Samples.self) { group in
        for k in 0..<total {
            let scheduled = start + .nanoseconds(Int64(Double(k) / rate * 1e9))
            try? await clock.sleep(until: scheduled)
            let script = scripts[k % scripts.count]
            guard let body = script.nextReading() else { continue }
            group.addTask {
                var samples = Samples()
                switch await load.status(.POST, "/api/v1/lanes/\(script.lane)/readings", body: body, credential: ("X-Device-Key", load.deviceKeys[script.lane] ?? "")) {
                case .some(200..<300): samples.latencies.append(clock.now - scheduled)
                case .some(503): samples.busy.append(clock.now - scheduled)
                case .some(400..<500): samples.refused += 1
                default: samples.failures += 1
                }
                return samples
            }
        }
        var all = Samples()
        for await samples in group { all.merge(samples) }
        return all
    }
    return (Double(samples.latencies.count) / (milliseconds(clock.now - start) / 1000), samples)
}

func format(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }

func runBenchmarks() async throws {
    let options = try BenchOptions(CommandLine.arguments)
    print("SmartGate benchmark — \(ProcessInfo.processInfo.activeProcessorCount) cores, \(options.seconds) s per phase, writer bound \(options.writerWaitMilliseconds) ms")

    let decisions = try decisionsPerSecond(seconds: min(options.seconds, 5))
    print("decisions in-process: \(format(decisions.rate, 0))/s over \(decisions.cases) distinct trucks")

    let directory = FileManager.default.currentDirectoryPath + "/.build/bench"
    try? FileManager.default.removeItem(atPath: directory)
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    // The declarants and the lane device keys, made as an operator would (the CLI's calls).
    var settings = ServerSettings(database: .sqliteFile(path: directory + "/bench.sqlite"))
    settings.rateLimits = .unlimited  // the bench measures throughput, not the limits
    settings.writerMaxWaitMilliseconds = options.writerWaitMilliseconds
    let host = SmartGateHost.Options(hostname: "127.0.0.1", port: 0, environment: "development", settings: settings)
    let password = "bench-password-1"
    for (email, taxCode) in [("exporter@bench.smartgate.vn", "5300100269"), ("importer@bench.smartgate.vn", "5300100283")] {
        _ = try await SmartGateHost.createUser(host, Accounts.NewUser(email: email, role: "declarant", enterprise: taxCode, gates: [], password: password))
    }
    var deviceKeys: [String: String] = [:]
    for lane in lanes { deviceKeys[lane.id] = try await SmartGateHost.createDeviceKey(host, lane: lane.id, name: "bench").key }

    let app = try await Application.make(.init(name: "production", arguments: ["smartgate-bench"]))
    app.logger.logLevel = .error
    try await configure(app, settings: settings)
    app.get("bench", "trivial") { _ in "ok" }.access(.anyone)
    try await app.autoMigrate()
    app.http.server.configuration.hostname = "127.0.0.1"
    app.http.server.configuration.port = options.port
    try app.server.start()

    var configuration = HTTPClient.Configuration()
    configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 256)
    let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    var signingIn = LoadClient(client: client, base: "http://127.0.0.1:\(options.port)")
    signingIn.deviceKeys = deviceKeys
    for (email, taxCode) in [("exporter@bench.smartgate.vn", "5300100269"), ("importer@bench.smartgate.vn", "5300100283")] {
        var request = HTTPClientRequest(url: signingIn.base + "/api/v1/auth/login")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: ["email": email, "password": password])))
        let response = try await client.execute(request, timeout: .seconds(30))
        let session = try JSONSerialization.jsonObject(with: Data(buffer: try await response.body.collect(upTo: 1 << 16))) as? [String: Any]
        guard let token = session?["token"] as? String else { throw SettingsError("the bench declarant could not sign in") }
        signingIn.tokens[taxCode] = token
    }
    // A failed phase still shuts the client down, so its error is what gets printed.
    do {
        let load = signingIn
        let workers = lanes.count

        let disk = try await DiskLimit.measure(directory: directory, database: directory + "/bench.sqlite", app: app, seconds: min(options.seconds, 3))
        print("disk: fsync \(format(disk.fsyncPerSecond, 0))/s (\(format(disk.fsyncMilliseconds, 3)) ms each); one-row SQLite commits through the driver \(format(disk.sqliteCommitsPerSecond, 0))/s (\(format(disk.sqliteCommitMilliseconds, 3)) ms each), directly \(format(disk.directCommitsPerSecond, 0))/s (\(format(disk.directCommitMilliseconds, 3)) ms each)")

        let trivial = await closedLoop(seconds: options.seconds, workers: workers) { _ in await load.send(.GET, "/bench/trivial") }
        print("trivial route: \(format(trivial.rate, 0)) req/s, p50 \(format(trivial.samples.percentile(0.5), 2)) ms, p99 \(format(trivial.samples.percentile(0.99), 2)) ms (\(workers) clients)")

        let trucksClosed = Int(max(40, options.seconds * 400 / 7 / Double(lanes.count) * 2))
        let closedScripts = try await prepareScripts(load, trucksPerLane: trucksClosed, seed: 1)
        let ingest = await closedLoop(seconds: options.seconds, workers: workers) { worker in
            guard let body = closedScripts[worker].nextReading() else { return nil }
            return await load.send(.POST, "/api/v1/lanes/\(closedScripts[worker].lane)/readings", body: body,
                                   credential: ("X-Device-Key", load.deviceKeys[closedScripts[worker].lane] ?? ""))
        }
        print("readings closed-loop: \(format(ingest.rate, 0)) req/s, p50 \(format(ingest.samples.percentile(0.5), 2)) ms, p99 \(format(ingest.samples.percentile(0.99), 2)) ms, failures \(ingest.samples.failures)")

        let trucksOpen = Int(options.seconds * options.rate / 7 / Double(lanes.count)) + 5
        let openScripts = try await prepareScripts(load, trucksPerLane: trucksOpen, seed: 2)
        let fixed = await openLoop(seconds: options.seconds, rate: options.rate, scripts: openScripts, load: load)
        print("readings open-loop at \(format(options.rate, 0))/s: achieved \(format(fixed.rate, 0))/s, p50 \(format(fixed.samples.percentile(0.5), 2)) ms, p99 \(format(fixed.samples.percentile(0.99), 2)) ms, 503 \(fixed.samples.busy.count), failures \(fixed.samples.failures)")

        // Twice what the closed loop sustained: more than the writer can commit, so the bounded
        // queue must turn the excess away at once (503) and answer the rest in time.
        let overload = 2 * ingest.rate
        let overloadScripts = try await prepareScripts(load, trucksPerLane: Int(options.seconds * overload / 7 / Double(lanes.count)) + 5, seed: 3)
        let over = await openLoop(seconds: options.seconds, rate: overload, scripts: overloadScripts, load: load)
        print("readings open-loop at \(format(overload, 0))/s (2× closed loop): accepted \(format(over.rate, 0))/s, p50 \(format(over.samples.percentile(0.5), 2)) ms, p99 \(format(over.samples.percentile(0.99), 2)) ms, 503 \(format(over.samples.busyPercent, 1)) %, slowest answer \(format(over.samples.slowestAnswer, 1)) ms, 4xx \(over.samples.refused), failures \(over.samples.failures)")

        print("""

        | measure | value | reference (same run) | ratio |
        |---|---|---|---|
        | lane decisions in-process | \(format(decisions.rate, 0))/s | trivial HTTP route \(format(trivial.rate, 0)) req/s | \(format(decisions.rate / trivial.rate, 1))× |
        | readings ingest, closed loop, \(workers) clients | \(format(ingest.rate, 0)) req/s | trivial HTTP route \(format(trivial.rate, 0)) req/s | \(format(100 * ingest.rate / trivial.rate, 0)) % |
        | readings ingest p50 / p99 (closed loop) | \(format(ingest.samples.percentile(0.5), 2)) / \(format(ingest.samples.percentile(0.99), 2)) ms | trivial \(format(trivial.samples.percentile(0.5), 2)) / \(format(trivial.samples.percentile(0.99), 2)) ms | \(format(ingest.samples.percentile(0.99) / trivial.samples.percentile(0.99), 1))× at p99 |
        | durable commits, 4 KiB + fsync in a loop (the disk's limit) | \(format(disk.fsyncPerSecond, 0))/s, \(format(disk.fsyncMilliseconds, 3)) ms each | one-row SQLite commits directly \(format(disk.directCommitsPerSecond, 0))/s, through the driver \(format(disk.sqliteCommitsPerSecond, 0))/s | SQLite adds \(format(disk.directCommitMilliseconds - disk.fsyncMilliseconds, 3)) ms a commit, the driver \(format(disk.sqliteCommitMilliseconds - disk.directCommitMilliseconds, 3)) ms more |
        | readings ingest, closed loop, against the disk's limit | \(format(ingest.rate, 0)) req/s | fsync \(format(disk.fsyncPerSecond, 0))/s | \(format(ingest.rate / disk.fsyncPerSecond, 2))× (group commit puts many readings in one fsync) |
        | readings at a fixed \(format(options.rate, 0))/s: p50 / p99 | \(format(fixed.samples.percentile(0.5), 2)) / \(format(fixed.samples.percentile(0.99), 2)) ms | aim p99 < 20 ms | achieved \(format(fixed.rate, 0))/s, \(fixed.samples.busy.count) answered 503, \(fixed.samples.failures) failed |
        | readings at 2× closed loop (\(format(overload, 0))/s): accepted p99, 503 share, slowest answer | \(format(over.samples.percentile(0.99), 2)) ms, \(format(over.samples.busyPercent, 1)) %, \(format(over.samples.slowestAnswer, 1)) ms | aim: every answer within 100 ms | accepted \(format(over.rate, 0))/s, \(over.samples.refused) refused 4xx (a truck's earlier reading turned away), \(over.samples.failures) failed |
        """)

    } catch {
        try? await client.shutdown()
        throw error
    }
    try await client.shutdown()
    await app.server.shutdown()
    try await app.asyncShutdown()
}

if CommandLine.arguments.dropFirst().first == "corridor-scale" {
    try corridorScaleBenchmark(Array(CommandLine.arguments.dropFirst(2)))
} else if CommandLine.arguments.dropFirst().first == "corridor-quality" {
    try corridorQualityBenchmark(Array(CommandLine.arguments.dropFirst(2)))
} else if CommandLine.arguments.dropFirst().first == "corridor-bruteforce" {
    try corridorBruteForce(Array(CommandLine.arguments.dropFirst(2)))
} else if CommandLine.arguments.dropFirst().first == "link" {
    try await linkBenchmark(Array(CommandLine.arguments.dropFirst(2)))
} else if CommandLine.arguments.dropFirst().first == "booking" {
    try await bookingBenchmark(Array(CommandLine.arguments.dropFirst(2)))
} else if CommandLine.arguments.dropFirst().first == "risk" {
    try riskScoringBenchmark(Array(CommandLine.arguments.dropFirst(2)))
} else {
    try await runBenchmarks()
}
