import CorridorKit
import Fluent
import Foundation
import GateKit
import JWT
import NIOConcurrencyHelpers
import NIOCore
import NIOWebSocket
import WebSocketKit
import SQLKit
import Testing
import VaporTesting
@testable import SmartGateServer

#if canImport(Glibc)
import Glibc
#endif

/// Issue 13: what a hostile tester found at the HTTP edge, each as a test that failed
/// before the fix.
@Suite("Hardening at the edges")
struct HardeningAPITests {
    // MARK: Strict bodies

    @Test("duplicate keys are 400; server-owned and unknown members, and numbers past a field's range, are 422 naming the field",
          arguments: TestDatabase.available)
    func strictBodies(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            let duplicate = Fixture.declaration().replacingOccurrences(of: #"{"direction":"export","#, with: #"{"direction":"export","direction":"import","#)
            let twice = try await app.send(.POST, "/api/v1/declarations", json: duplicate)
            #expect(twice.status == .badRequest && twice.text.contains("Duplicate member"), "\(twice.text)")

            for member in [#""status":"released""#, #""channel":"green""#, #""id":"3f0c1d9e-0000-4000-8000-000000000000""#, #""unknownField":1"#] {
                let body = Fixture.declaration().replacingOccurrences(of: #"{"direction""#, with: "{\(member),\"direction\"")
                let answer = try await app.send(.POST, "/api/v1/declarations", json: body)
                let field = String(member.dropFirst().prefix { $0 != "\"" })
                #expect(answer.status == .unprocessableEntity && answer.problemFields == [field], "\(member): \(answer.text)")
            }
            let huge = Fixture.declaration().replacingOccurrences(of: #""quantity":18000"#, with: #""quantity":1e308"#)
            let range = try await app.send(.POST, "/api/v1/declarations", json: huge)
            #expect(range.status == .unprocessableEntity && range.problemFields == ["goods[0].quantity"], "\(range.text)")

            let reading = #"{"deviceId":"cam-1","eventId":"e-1","observedAt":"\#(stamp())","kind":"ready","status":"ok"}"#
            let extra = try await app.send(.POST, "/api/v1/lanes/kim-thanh-out-1/readings", json: reading)
            #expect(extra.status == .unprocessableEntity && extra.problemFields == ["status"], "\(extra.text)")
            let longEvent = Fixture.reading("cam-1", String(repeating: "e", count: 65), "ready")
            let long = try await app.send(.POST, "/api/v1/lanes/kim-thanh-out-1/readings", json: longEvent)
            #expect(long.status == .unprocessableEntity && long.problemFields == ["eventId"], "\(long.text)")
        }
    }

    @Test("only application/json, in any case, with at most charset=utf-8, is a JSON body", arguments: [
        ("application/json", true), ("Application/JSON; Charset=UTF-8", true), ("application/json;charset=\"utf-8\"", true),
        ("text/plain", false), ("application/json; charset=latin1", false), ("application/vnd.api+json", false),
        ("application/json; boundary=x", false), ("", false),
    ])
    func contentType(type: String, accepted: Bool) async throws {
        try await withSmartGate(.sqlite) { app in
            var headers = HTTPHeaders()
            if !type.isEmpty { headers.replaceOrAdd(name: .contentType, value: type) }
            let answer = try await app.testing().sendRequest(
                .POST, "/api/v1/declarations",
                headers: headers.adding(TestCallers.headers(for: .role(.declarant), path: "/api/v1/declarations", app: app)),
                body: ByteBuffer(string: Fixture.declaration()))
            #expect(accepted ? answer.status == .created : answer.status == .unsupportedMediaType, "\(type): \(answer.body.string)")
        }
    }

    // MARK: Credentials

    @Test("a password with a NUL never signs in, though bcrypt reads only up to it")
    func passwordWithNul() async throws {
        try await withSmartGate(.sqlite) { app in
            let email = TestCallers.email(.role(.admin))
            let right = try await app.send(.POST, "/api/v1/auth/login", json: #"{"email":"\#(email)","password":"\#(TestCallers.password)"}"#, as: .anonymous)
            #expect(right.status == .ok)
            let nul = try await app.send(
                .POST, "/api/v1/auth/login", json: #"{"email":"\#(email)","password":"\#(TestCallers.password)\u0000anything"}"#, as: .anonymous)
            #expect(nul.status == .unauthorized, "\(nul.text)")
        }
    }

    @Test("tokens: a re-spelt signature, a crit header and an over-long lifetime are refused")
    func tokenForms() async throws {
        try await withSmartGate(.sqlite) { app in
            let admin = try #require(try await UserModel.query(on: app.db).filter(\.$email == TestCallers.email(.role(.admin))).first())
            let good = try await TestCallers.token(for: admin, app: app)
            func status(_ token: String) async throws -> HTTPStatus {
                try await app.send(.GET, "/api/v1/auth/me", as: .headers(["Authorization": "Bearer \(token)"])).status
            }
            #expect(try await status(good) == .ok)
            // An HS256 signature is 32 bytes: 43 base64url characters, the last carrying 2
            // spare bits. Setting them spells the same bytes differently.
            let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
            let last = alphabet.firstIndex(of: good.last!)!
            let respelt = String(good.dropLast()) + String(alphabet[last ^ 1])
            #expect(try await status(respelt) == .unauthorized)
            #expect(try await status(good + "=") == .unauthorized)

            var header = JWTHeader()
            header.crit = ["exp"]
            let session = SessionToken(
                sub: SubjectClaim(value: admin.id!.uuidString.lowercased()), exp: ExpirationClaim(value: Date().addingTimeInterval(600)),
                iat: IssuedAtClaim(value: Date()), jti: IDClaim(value: UUID().uuidString), role: "admin")
            let critical = try await app.jwt.keys.sign(session, header: header)
            #expect(try await status(critical) == .unauthorized)

            let month = try await TestCallers.token(for: admin, app: app, expires: Date().addingTimeInterval(30 * 86_400))
            #expect(try await status(month) == .unauthorized)
        }
    }

    // MARK: Proxies

    @Test("/metrics trusts no forwarding header from loopback", arguments: ["X-Forwarded-For", "X-Real-IP", "Forwarded", "True-Client-IP"])
    func loopback(header: String) async throws {
        try await withSmartGate(.sqlite) { app in
            let peer = try SocketAddress(ipAddress: "127.0.0.1", port: 40_000)
            let direct = Request(application: app, method: .GET, url: "/metrics", remoteAddress: peer, on: app.eventLoopGroup.next())
            #expect(direct.isFromLoopback)
            let proxied = Request(
                application: app, method: .GET, url: "/metrics", headers: [header: "203.0.113.9"], remoteAddress: peer, on: app.eventLoopGroup.next())
            #expect(!proxied.isFromLoopback)
        }
    }

    // MARK: Audit filter

    @Test("the audit filter finds a subject whatever the case of its id", arguments: TestDatabase.available)
    func auditSubjectCase(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            let created = try await app.send(.POST, "/api/v1/declarations", json: Fixture.declaration())
            let id = try #require(created.object["id"] as? String)
            for spelling in [id.uppercased(), id.lowercased(), "DECLARATION:\(id.uppercased())".lowercased()] {
                let subject = spelling.contains(":") ? spelling : "declaration:\(spelling)"
                let page = try await app.send(.GET, "/api/v1/audit?subject=\(subject)", as: .role(.admin))
                #expect((page.object["items"] as? [Any])?.count == 1, "\(subject): \(page.text)")
            }
        }
    }

    // MARK: Records stored under older rules

    @Test("a declaration stored before a rule tightened still reads, and its truck is still decided", arguments: TestDatabase.available)
    func storedUnderOlderRules(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            let created = try await app.send(.POST, "/api/v1/declarations", json: Fixture.declaration())
            let id = try #require(UUID(uuidString: created.object["id"] as? String ?? ""))
            // As an earlier version stored it: an RM trailer series and an HS 2017 subheading.
            let model = try #require(try await DeclarationModel.find(id, on: app.db))
            model.body = model.body.replacingOccurrences(of: "24R01234", with: "24RM01234").replacingOccurrences(of: "081060", with: "851712")
            try await model.save(on: app.db)

            let read = try await app.send(.GET, "/api/v1/declarations/\(id)", as: .role(.declarant))
            #expect(read.status == .ok && read.text.contains("851712"), "\(read.text)")
            // Amending asks for today's rules, naming the fields.
            let amend = try await app.send(.PATCH, "/api/v1/declarations/\(id)", json: #"{"version":1,"tareKg":14100}"#, as: .role(.declarant))
            #expect(amend.status == .unprocessableEntity && Set(amend.problemFields) == ["vehicle.trailerPlate", "goods[0].hsCode"], "\(amend.text)")
            // Its truck at the lane: read, weighed, decided — not refused for the old data.
            for (event, kind, fields) in [("p", "plate", #""plate":"24C-123.45""#), ("w", "weight", #""grossKg":33500"#), ("r", "ready", "")] {
                let answer = try await app.send(.POST, "/api/v1/lanes/kim-thanh-out-1/readings", json: Fixture.reading("cam-1", event, kind, fields))
                #expect(answer.status == .ok, "\(kind): \(answer.text)")
            }
            let decided = try await app.send(.GET, "/api/v1/declarations/\(id)", as: .role(.declarant))
            #expect(["released", "referred"].contains(decided.object["status"] as? String), "\(decided.text)")
        }
    }

    // MARK: Vehicle link frames

    @Test("a vehicle link frame is refused with a code and a plain message", arguments: [
        ("not json", "frame.not-json", "Unexpected character 'n' at line 1, column 1"),
        (#"{"topic":"state","topic":"state"}"#, "frame.not-json", "Duplicate member"),
        (#"["state"]"#, "frame.shape", "a frame is an object"),
        (#"{"topic":"telemetry","message":{}}"#, "frame.unknown-topic", "unknown topic"),
        (#"{"topic":"state","message":{}}"#, "frame.invalid-message", "message.headerId is required"),
        (#"{"topic":"connection","message":{"headerId":"x"}}"#, "frame.invalid-message", "message.headerId has the wrong type"),
        ("{\"topic\":\"state\",\"pad\":\"" + String(repeating: "x", count: 70_000) + "\"}", "frame.too-large", "at most 65536 bytes"),
    ])
    func linkFrames(text: String, code: String, message: String) {
        guard case .failure(let refusal) = VehicleLink.interpret(text) else {
            Issue.record("\(text.prefix(60)) was accepted")
            return
        }
        #expect(refusal.code == code)
        #expect(refusal.message.contains(message), "\(refusal.message)")
        for leak in ["DecodingError", "CodingKeys", "Swift.", "debugDescription", "keyNotFound"] {
            #expect(!refusal.message.contains(leak), "\(refusal.message)")
        }
    }

    @Test("over a real socket: a bad frame gets an error frame with a code; an oversize frame closes with 1009, an oversize fragmented message with 1011")
    func linkSocket() async throws {
        try await withSmartGate(.sqlite) { app in
            try await app.server.start(address: .hostname("127.0.0.1", port: 0))
            let port = try #require(app.http.server.shared.localAddress?.port)
            func connect(_ body: @escaping @Sendable (WebSocket) -> Void) async throws -> WebSocketErrorCode? {
                try await openVehicleLink(app, port: port, body)
                return nil
            }
            // A bad frame: an error frame back, the link stays open.
            let replies = NIOLockedValueBox([String]())
            let closed = NIOLockedValueBox([WebSocketErrorCode?]())
            let done = AsyncStream<Void>.makeStream()
            _ = try await connect { socket in
                socket.onText { socket, text in
                    replies.withLockedValue { $0.append(text) }
                    socket.send(String(repeating: "x", count: VehicleLink.maxFrameBytes + 1))
                }
                socket.onClose.whenComplete { _ in
                    closed.withLockedValue { $0.append(socket.closeCode) }
                    done.continuation.yield()
                }
                socket.send("not json")
            }
            for await _ in done.stream { break }
            let reply = try #require(replies.withLockedValue { $0.first })
            #expect(reply.contains(#""code":"frame.not-json""#) && reply.contains(#""topic":"error""#), "\(reply)")
            #expect(closed.withLockedValue { $0.first } == .some(.messageTooLarge))

            // A message in fragments, each small, together too large.
            let fragmented = AsyncStream<Void>.makeStream()
            _ = try await connect { socket in
                socket.onClose.whenComplete { _ in
                    closed.withLockedValue { $0.append(socket.closeCode) }
                    fragmented.continuation.yield()
                }
                let piece = ByteBuffer(string: String(repeating: "y", count: 8 * 1024))
                for index in 0..<10 {
                    socket.send(raw: piece.readableBytesView, opcode: index == 0 ? .text : .continuation, fin: index == 9)
                }
            }
            for await _ in fragmented.stream { break }
            // NIO's aggregator refuses it before it is held; websocket-kit closes with 1011.
            #expect(closed.withLockedValue { $0.last } == .some(.unexpectedServerError), "\(closed.withLockedValue { $0 })")
            await app.server.shutdown()
        }
    }

    // MARK: SQLite as one server process

    @Test("a second server on the same SQLite file is refused with one line naming the first")
    func secondServer() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lock-\(UUID()).sqlite").path
        let first = try SQLiteServeLock.acquire(databasePath: path)
        defer { first.release() }
        let error = #expect(throws: SettingsError.self) { try SQLiteServeLock.acquire(databasePath: path) }
        #expect(error?.description.contains("another SmartGate server (pid \(getpid())) is serving \(path)") == true, "\(String(describing: error))")
        #expect(error?.description.contains("\n") == false)
        first.release()
        try SQLiteServeLock.acquire(databasePath: path).release()  // free again once the first is gone
    }

    @Test("serve on a file another server holds stops before it starts, with that one line")
    func serveRefuses() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("serve-\(UUID()).sqlite").path
        let first = try SQLiteServeLock.acquire(databasePath: path)
        defer { first.release() }
        let options = SmartGateHost.Options(
            hostname: "127.0.0.1", port: 0, environment: "testing", settings: ServerSettings(database: .sqliteFile(path: path)))
        let error = await #expect(throws: SettingsError.self) { try await SmartGateHost.serve(options) }
        #expect(error?.description.hasPrefix("another SmartGate server (pid") == true, "\(String(describing: error))")
        #expect(!FileManager.default.fileExists(atPath: path), "nothing opened the database")
    }

    @Test("the SQLite file, its WAL and shared memory are created readable by their owner only")
    func filePermissions() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("perm-\(UUID()).sqlite").path
        try await withFileApp(path) { app in
            try await app.autoMigrate()
            for file in [path, path + "-wal", path + "-shm"] {
                let mode = try #require(try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int, "\(file)")
                #expect(mode & 0o777 == 0o600, "\(file): \(String(mode, radix: 8))")
            }
        }
    }

    @Test("a write that waits past the busy timeout for another process's lock is 503 with Retry-After, never 500")
    func busyIs503() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("busy-\(UUID()).sqlite").path
        try await withFileApp(path, busyMilliseconds: 50) { server in
            try await server.autoMigrate()
            try await TestCallers.seed(server)
            try await withFileApp(path) { cli in
                try await holdingWriteLock(cli) {
                    let answer = try await server.send(.POST, "/api/v1/lanes/kim-thanh-out-1/readings", json: Fixture.reading("cam-1", "e-1", "ready"))
                    #expect(answer.status == .serviceUnavailable && answer.headers.first(name: "Retry-After") == "1", "\(answer.text)")
                }
                // The lock gone, the same reading goes through.
                let retried = try await server.send(.POST, "/api/v1/lanes/kim-thanh-out-1/readings", json: Fixture.reading("cam-1", "e-1", "ready"))
                #expect(retried.status != .serviceUnavailable && retried.status.code < 500, "\(retried.text)")
            }
        }
    }

    @Test("a CLI write that reads before it writes waits for the server's lock instead of failing at once")
    func cliWaits() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID()).sqlite").path
        try await withFileApp(path) { server in
            try await server.autoMigrate()
            try await withFileApp(path) { cli in
                let created = try await holdingWriteLock(server, release: .milliseconds(300)) {
                    try await Accounts.createUser(
                        Accounts.NewUser(email: "late@test.smartgate.vn", role: "admin", enterprise: nil, gates: [], password: "a-long-password-1"),
                        actor: "cli:test", on: cli)
                }
                #expect(created.email == "late@test.smartgate.vn")
            }
        }
    }

    // MARK: Protocol answers, on a real socket

    @Test("oversized URL and headers, an unserved method and an oversize Content-Length are statuses, not closed connections")
    func protocolAnswers() async throws {
        try await withSmartGate(.sqlite) { app in
            try await app.server.start(address: .hostname("127.0.0.1", port: 0))
            let port = try #require(app.http.server.shared.localAddress?.port)
            let cases: [(String, String)] = [
                ("GET /api/v1/gates?q=\(String(repeating: "a", count: 9_000)) HTTP/1.1\r\nHost: x\r\n\r\n", "414"),
                ("GET /api/v1/gates HTTP/1.1\r\nHost: x\r\nX-Pad: \(String(repeating: "a", count: 20_000))\r\n\r\n", "431"),
                ("PROPFIND /api/v1/nothing-here HTTP/1.1\r\nHost: x\r\n\r\n", "501"),
                ("TRACE /api/v1/gates HTTP/1.1\r\nHost: x\r\n\r\n", "405"),
                ("DELETE /api/v1/gates HTTP/1.1\r\nHost: x\r\n\r\n", "405"),
                // Vapor hands a request on at its first body bytes, so this client sends them
                // as curl does once its wait for "100 Continue" runs out: the answer comes
                // then, not after a gigabyte.
                ("POST /api/v1/declarations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\nExpect: 100-continue\r\n\r\n{\"direction\":", "413"),
            ]
            for (request, status) in cases {
                let answer = try await Task.detached { try rawHTTP(port: port, request) }.value
                #expect(answer.hasPrefix("HTTP/1.1 \(status)"), "\(request.prefix(40)) → \(answer.prefix(200))")
                #expect(answer.lowercased().contains("content-type: application/problem+json"), "\(answer.prefix(300))")
            }
            let allow = try await Task.detached { try rawHTTP(port: port, "DELETE /api/v1/gates HTTP/1.1\r\nHost: x\r\n\r\n") }.value
            #expect(allow.contains("Allow: GET, HEAD, OPTIONS"), "\(allow.prefix(300))")
            await app.server.shutdown()
        }
    }

    @Test("OPTIONS answers the methods a path takes")
    func options() async throws {
        try await withSmartGate(.sqlite) { app in
            let answer = try await app.send(.OPTIONS, "/api/v1/declarations/3f0c1d9e-0000-4000-8000-000000000000", as: .anonymous)
            #expect(answer.status == .noContent && answer.headers.first(name: "Allow") == "GET, HEAD, OPTIONS, PATCH")
        }
    }
}

// MARK: - Helpers

/// A SmartGate on a SQLite file, as `serve` or a CLI command opens it.
private func withFileApp(_ path: String, busyMilliseconds: Int = 5_000, _ body: (Application) async throws -> Void) async throws {
    var settings = ServerSettings(database: .sqliteFile(path: path))
    settings.sqliteBusyMilliseconds = busyMilliseconds
    settings.keyFilePath = nil
    try await withApp(configure: { app in try await configure(app, settings: settings) }, body)
}

/// Runs `body` while another connection holds the file's write lock (`BEGIN IMMEDIATE`),
/// releasing it `release` after `body` starts, or when `body` ends.
private func holdingWriteLock<T: Sendable>(
    _ app: Application, release: Duration? = nil, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await app.db.withConnection { connection in
        let sql = connection as! any SQLDatabase
        try await sql.raw("BEGIN IMMEDIATE").run()
        guard let release else {
            do {
                let value = try await body()
                try await sql.raw("ROLLBACK").run()
                return value
            } catch {
                try? await sql.raw("ROLLBACK").run()
                throw error
            }
        }
        let task = Task { try await body() }
        try await Task.sleep(for: release)  // the other writer is waiting by now; not a timing assertion
        try await sql.raw("ROLLBACK").run()
        return try await task.value
    }
}

/// One raw HTTP/1.1 exchange: what the server answers before it closes or 5 s pass.
private func rawHTTP(port: Int, _ request: String) throws -> String {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw SettingsError("socket") }
    defer { close(fd) }
    var timeout = timeval(tv_sec: 5, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { throw SettingsError("connect") }
    let bytes = Array(request.utf8)
    var sent = 0
    while sent < bytes.count {
        let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { break }
        sent += n
    }
    var answer = [UInt8]()
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let n = recv(fd, &buffer, buffer.count, 0)
        if n <= 0 { break }
        answer += buffer[..<n]
        if let text = String(bytes: answer, encoding: .utf8), let end = text.range(of: "\r\n\r\n"),
           let length = text[..<end.lowerBound].split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-length:") }),
           let count = Int(length.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)),
           text.utf8.count - text[..<end.upperBound].utf8.count >= count {
            break
        }
    }
    return String(decoding: answer, as: UTF8.self)
}

extension HTTPHeaders {
    fileprivate func adding(_ pairs: [(String, String)]) -> HTTPHeaders {
        var headers = self
        for (name, value) in pairs { headers.add(name: name, value: value) }
        return headers
    }
}
