// smartgate-bench link [--seconds 10] [--messages 10000]
//
// The cross-border link between two SmartGates on loopback, each with its own SQLite file
// (WAL, synchronous=FULL) and key, against references measured in the same run:
// 1. Ed25519 signing and verification of a real trip manifest, the envelope way (canonical
//    bytes, then the signature; parse, canonical bytes, key lookup, window and signature)
//    against swift-crypto's raw rate on bytes of the same size.
// 2. Sustained: traders submit exports on the Vietnamese side closed-loop; every manifest is
//    delivered, verified and applied as an expected arrival on the Chinese side. Messages/s
//    from the first submission to the last acknowledgement, against the trivial route.
// 3. Outage: the Chinese side is down while N exports are declared; it comes back; the time
//    until the Vietnamese outbox is empty (every message acknowledged: applied there once).
import AsyncHTTPClient
import BorderLink
import Crypto
import Foundation
import GateKit
import NIOCore
import SmartGateServer
import Vapor

struct LinkBenchOptions {
    var seconds = 10.0
    var messages = 10_000

    init(_ arguments: [String]) throws {
        var iterator = arguments.makeIterator()
        while let flag = iterator.next() {
            guard let value = iterator.next().flatMap(Double.init) else { throw SettingsError("\(flag) needs a number") }
            switch flag {
            case "--seconds": seconds = value
            case "--messages": messages = Int(value)
            default: throw SettingsError("unknown option \(flag); use --seconds, --messages")
            }
        }
    }
}

/// Operations per second of `body` over about `seconds`.
func rate(seconds: Double, _ body: () throws -> Void) rethrows -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    var count = 0
    while milliseconds(clock.now - start) < seconds * 1000 {
        for _ in 0..<50 { try body() }
        count += 50
    }
    return Double(count) / (milliseconds(clock.now - start) / 1000)
}

/// A Vietnamese export as its trader's system sends it, from the demo's generator.
func exportDeclarations(_ count: Int) throws -> [Data] {
    var random = SplitMix64(seed: 15)
    var bodies: [Data] = []
    var serial = 0
    while bodies.count < count {
        serial += 1
        let truck = DemoTruck.make(lane: "lao-cai-road-1-out-1", gate: "lao-cai-road-1", direction: .export, serial: serial, random: &random)
        if let declaration = truck.declaration { bodies.append(try JSONSerialization.data(withJSONObject: declaration)) }
    }
    return bodies
}

func signingRates(seconds: Double) throws -> [String] {
    let body = try exportDeclarations(1)[0]
    let trip = try TripDeclaration.parse(try JSONValue.parse(body), knownGates: ["lao-cai-road-1"], now: Date())
    let key = Curve25519.Signing.PrivateKey()
    var envelope = LinkEnvelope(
        id: UUID(), sender: LinkSide.vietnam, receiver: LinkSide.china, type: .tripManifest, createdAt: Date(), stream: "lao-cai-road-1",
        sequence: 1, reference: "declaration:x",
        payload: TripManifest.payload(for: trip, id: UUID(), version: 1, channel: .green, receiverGate: "hekou-road"), keyId: "")
    try envelope.sign(with: key)
    let bytes = try envelope.signingBytes()
    let signature = try key.signature(for: bytes)
    let wire = try envelope.wireBytes()
    let verifier = LinkVerifier(receiver: LinkSide.china, peers: [LinkSide.vietnam: [PeerKey(publicKey: key.publicKey)]])
    let rawSign = try rate(seconds: seconds) { _ = try key.signature(for: bytes) }
    let envelopeSign = try rate(seconds: seconds) { var copy = envelope; try copy.sign(with: key) }
    let rawVerify = rate(seconds: seconds) { precondition(key.publicKey.isValidSignature(signature, for: bytes)) }
    let envelopeVerify = try rate(seconds: seconds) { _ = try verifier.verify(try JSONValue.parse(wire), deliveredBy: LinkSide.vietnam, now: Date()) }
    print("signing: raw \(format(rawSign, 0))/s, envelope \(format(envelopeSign, 0))/s; verifying: raw \(format(rawVerify, 0))/s, envelope \(format(envelopeVerify, 0))/s (\(bytes.count)-byte manifest)")
    return [
        "| signing a \(bytes.count)-byte manifest envelope | \(format(envelopeSign, 0))/s | swift-crypto Ed25519 sign, same bytes, \(format(rawSign, 0))/s | \(format(100 * envelopeSign / rawSign, 0)) % |",
        "| verifying it as a receiver (parse, canonical bytes, key, window, signature) | \(format(envelopeVerify, 0))/s | swift-crypto Ed25519 verify, \(format(rawVerify, 0))/s | \(format(100 * envelopeVerify / rawVerify, 0)) % |",
    ]
}

/// One side of the benchmark's pair.
final class BenchSide: @unchecked Sendable {
    let host: SmartGateHost.Options
    var app: Application?

    init(side: String, directory: String, port: Int) {
        var settings = ServerSettings(database: .sqliteFile(path: "\(directory)/\(side.lowercased()).sqlite"))
        settings.side = side
        settings.keyFilePath = "\(directory)/\(side.lowercased()).keys.json"
        settings.rateLimits = .unlimited
        settings.corridorPlant = .off
        settings.link.pollSeconds = 0.05
        host = SmartGateHost.Options(hostname: "127.0.0.1", port: port, environment: "production", settings: settings)
    }

    var url: String { "http://127.0.0.1:\(host.port)" }

    func start(trivialRoute: Bool = false) async throws {
        let app = try await Application.make(.init(name: "production", arguments: ["smartgate-bench"]))
        app.logger.logLevel = .error
        try await configure(app, settings: host.settings)
        if trivialRoute { app.get("bench", "trivial") { _ in "ok" }.access(.anyone) }
        try await app.autoMigrate()
        app.http.server.configuration.hostname = "127.0.0.1"
        app.http.server.configuration.port = host.port
        try app.server.start()
        try await app.asyncBoot()  // the link's courier
        self.app = app
    }

    func stop() async throws {
        await app?.server.shutdown()
        try await app?.asyncShutdown()
        app = nil
    }
}

func linkBenchmark(_ arguments: [String]) async throws {
    let options = try LinkBenchOptions(arguments)
    print("SmartGate link benchmark — \(ProcessInfo.processInfo.activeProcessorCount) cores, \(options.seconds) s per phase, \(options.messages) messages after an outage")
    var table = try signingRates(seconds: min(options.seconds, 3))

    let directory = FileManager.default.currentDirectoryPath + "/.build/bench-link"
    try? FileManager.default.removeItem(atPath: directory)
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let vietnam = BenchSide(side: LinkSide.vietnam, directory: directory, port: 18_097)
    let china = BenchSide(side: LinkSide.china, directory: directory, port: 18_098)
    // Keys, accounts and peers as operators make them (the CLI's calls).
    for side in [vietnam, china] { _ = try SmartGateHost.createKeys(side.host.settings) }
    let password = "bench-password-1"
    _ = try await SmartGateHost.createUser(vietnam.host, Accounts.NewUser(email: "exporter@bench.smartgate.vn", role: "declarant", enterprise: "5300100269", gates: [], password: password))
    _ = try await SmartGateHost.createUser(vietnam.host, Accounts.NewUser(email: "admin@bench.smartgate.vn", role: "admin", enterprise: nil, gates: [], password: password))
    for (side, other) in [(vietnam, china), (china, vietnam)] {
        _ = try await SmartGateHost.addPeer(side.host, id: other.host.settings.side, url: other.url, publicKey: try SmartGateHost.signingKey(other.host.settings).publicKey)
    }
    try await vietnam.start(trivialRoute: true)
    try await china.start()

    var configuration = HTTPClient.Configuration()
    configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 256)
    let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    let load = LoadClient(client: client, base: vietnam.url)
    func token(_ email: String) async throws -> String {
        var request = HTTPClientRequest(url: vietnam.url + "/api/v1/auth/login")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: ["email": email, "password": password])))
        let response = try await client.execute(request, timeout: .seconds(30))
        let session = try JSONSerialization.jsonObject(with: Data(buffer: try await response.body.collect(upTo: 1 << 16))) as? [String: Any]
        guard let token = session?["token"] as? String else { throw SettingsError("\(email) could not sign in") }
        return token
    }
    let exporter = ("Authorization", "Bearer \(try await token("exporter@bench.smartgate.vn"))")
    let admin = "Bearer \(try await token("admin@bench.smartgate.vn"))"
    /// Messages still waiting in the Vietnamese outbox.
    func queueDepth() async throws -> Int {
        var request = HTTPClientRequest(url: vietnam.url + "/api/v1/link/status")
        request.headers.add(name: "Authorization", value: admin)
        let response = try await client.execute(request, timeout: .seconds(30))
        let status = try JSONSerialization.jsonObject(with: Data(buffer: try await response.body.collect(upTo: 1 << 20))) as? [String: Any]
        return ((status?["items"] as? [[String: Any]])?.first?["queueDepth"] as? Int) ?? -1
    }
    func drained(timeout: Double) async throws -> Double? {
        let clock = ContinuousClock()
        let start = clock.now
        while milliseconds(clock.now - start) < timeout * 1000 {
            if try await queueDepth() == 0 { return milliseconds(clock.now - start) / 1000 }
            try await Task.sleep(for: .milliseconds(250))  // the status reads the whole outbox: polling it hard would slow what it measures
        }
        return nil
    }
    let workers = 8

    let trivial = await closedLoop(seconds: options.seconds, workers: workers) { _ in await load.send(.GET, "/bench/trivial") }
    print("trivial route: \(format(trivial.rate, 0)) req/s (\(workers) clients)")

    // Sustained: declarations closed-loop for the phase, then until the last is acknowledged.
    let sustainedBodies = try exportDeclarations(Int(options.seconds * 1_000))
    let counter = Counter()
    let clock = ContinuousClock()
    let sustainedStart = clock.now
    let submitted = await closedLoop(seconds: options.seconds, workers: workers) { _ in
        guard let index = counter.next(below: sustainedBodies.count) else { return nil }
        return await load.send(.POST, "/api/v1/declarations", body: sustainedBodies[index], credential: exporter)
    }
    let declared = submitted.samples.latencies.count
    guard let tail = try await drained(timeout: 600) else { throw SettingsError("the sustained phase did not drain in 10 minutes") }
    let sustained = Double(declared) / (milliseconds(clock.now - sustainedStart) / 1000)
    print("sustained: \(declared) exports declared at \(format(submitted.rate, 0))/s; all acknowledged \(format(tail, 2)) s after the last, \(format(sustained, 0)) messages/s end to end")
    table.append("| manifests delivered, verified and applied end to end, sustained (\(declared) in \(format(options.seconds + tail, 1)) s) | \(format(sustained, 0))/s | trivial HTTP route \(format(trivial.rate, 0)) req/s; declarations submitted \(format(submitted.rate, 0))/s | \(format(100 * sustained / trivial.rate, 1)) % of trivial; \(format(100 * sustained / submitted.rate, 0)) % of submissions |")

    // Outage: the Chinese side stops, N exports are declared, it comes back.
    try await china.stop()
    let outageBodies = try exportDeclarations(options.messages)
    let outageCounter = Counter()
    _ = await closedLoop(seconds: 3_600, workers: workers) { _ in
        guard let index = outageCounter.next(below: outageBodies.count) else { return nil }
        return await load.send(.POST, "/api/v1/declarations", body: outageBodies[index], credential: exporter)
    }
    let queued = try await queueDepth()
    // The sender may be waiting out its backoff (capped at 30 s) when the peer returns: the
    // drain is timed from the return, so that wait counts.
    try await china.start()
    guard let drain = try await drained(timeout: 600) else { throw SettingsError("the outage queue did not drain in 10 minutes") }
    print("outage: \(queued) messages queued; drained in \(format(drain, 2)) s after Hekou came back (\(format(Double(queued) / drain, 0)) messages/s)")
    table.append("| time to drain \(queued) messages queued during an outage | \(format(drain, 1)) s | aim < 30 s | \(format(Double(queued) / drain, 0)) messages/s |")

    print("\n| measure | value | reference (same run) | ratio |\n|---|---|---|---|")
    for line in table { print(line) }
    try await client.shutdown()
    try await vietnam.stop()
    try await china.stop()
}

/// Hands out indexes to concurrent workers, each once.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func next(below limit: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard value < limit else { return nil }
        value += 1
        return value - 1
    }
}
