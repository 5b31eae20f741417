import BorderLink
import Crypto
import Fluent
import Foundation
import GateKit
import NIOConcurrencyHelpers
import SQLKit
import Testing
import VaporTesting
@testable import SmartGateServer

/// Two SmartGates on loopback exchange trips over the link (issue 15's fault tests), on
/// SQLite and on PostgreSQL. Each test has a time limit: past it the test is cancelled and
/// fails (a cleanup that ignores cancellation still waits; .ci/run bounds the whole run).
@Suite("The cross-border link between two instances", .serialized, .timeLimit(.minutes(3)))
struct BorderLinkPairTests {
    static let chineseExporter = "91350100M000100Y43"

    /// Drives a clean truck through `lane`: plate, trailer, container, seal, weight, ready,
    /// and the exit loop. Answers the decision's outcome.
    @discardableResult
    static func drive(_ app: Application, lane: String, prefix: String, plate: String = "24C12345", trailer: String? = "24R01234") async throws -> String? {
        var readings = [Fixture.reading("anpr-1", "\(prefix)-1", "plate", #""plate":"\#(plate)","confidence":0.97"#)]
        if let trailer { readings.append(Fixture.reading("anpr-2", "\(prefix)-2", "plate", #""plate":"\#(trailer)","confidence":0.95"#)) }
        readings += [
            Fixture.reading("ocr-1", "\(prefix)-3", "container", #""container":"CSQU3054383","confidence":0.93"#),
            Fixture.reading("rfid-1", "\(prefix)-4", "seal", #""seal":"VNLC0000123","intact":true"#),
            Fixture.reading("scale-1", "\(prefix)-5", "weight", #""grossKg":33600"#),
            Fixture.reading("loop-1", "\(prefix)-6", "ready"),
        ]
        var outcome: String?
        for reading in readings {
            let response = try await app.send(.POST, "/api/v1/lanes/\(lane)/readings", json: reading)
            #expect(response.status == .ok, "\(lane): \(response.text)")
            outcome = ((response.object["passage"] as? [String: Any])?["decision"] as? [String: Any])?["outcome"] as? String ?? outcome
        }
        let passed = try await app.send(.POST, "/api/v1/lanes/\(lane)/readings", json: Fixture.reading("loop-1", "\(prefix)-7", "passed"))
        #expect(passed.status == .ok, "\(lane): \(passed.text)")
        return outcome
    }

    static func arrivals(_ side: PairSide, gate: String) async throws -> [[String: Any]] {
        try await side.require().send(.GET, "/api/v1/arrivals?gate=\(gate)").object["items"] as? [[String: Any]] ?? []
    }

    static func status(of id: String, on side: PairSide) async throws -> String? {
        try await side.require().send(.GET, "/api/v1/declarations/\(id)", as: .role(.admin)).object["status"] as? String
    }

    @Test("a truck declared in Lào Cai is expected, matched and released at Hekou, and the confirmation closes its export; and the other way",
          arguments: TestDatabase.available)
    func bothWays(_ database: TestDatabase) async throws {
        try await withLinkedPair(database) { vietnam, china in
            let vn = try vietnam.require()
            let created = try await vn.send(.POST, "/api/v1/declarations", json: Fixture.declaration())
            let id = try #require(created.object["id"] as? String, "\(created.text)")
            try await china.eventually("the manifest becomes an expected arrival at beishan") {
                try await Self.arrivals(china, gate: "beishan").contains { $0["senderDeclarationId"] as? String == id }
            }
            let arrival = try #require(try await Self.arrivals(china, gate: "beishan").first)
            #expect(arrival["state"] as? String == "expected")
            #expect(arrival["plate"] as? String == "24C12345")
            #expect(arrival["declarationStatus"] as? String == "submitted")
            // The pages: Hekou's officers see the truck, customs the link's health.
            let page = try await china.require().send(.GET, "/arrivals?lang=en", as: .role(.admin)).text
            #expect(page.contains("24C-123.45") && page.contains("VN-LAOCAI"))
            #expect(try await china.require().send(.GET, "/link?lang=zh", as: .role(.admin)).text.contains("VN-LAOCAI"))
            // Out of Vietnam through its lane, then into China through Beishan's.
            #expect(try await Self.drive(vn, lane: "kim-thanh-out-1", prefix: "vn-out") == "release")
            try await china.eventually("the departure is announced") {
                try await Self.arrivals(china, gate: "beishan").first?["state"] as? String == "departed"
            }
            #expect(try await Self.drive(try china.require(), lane: "beishan-in-1", prefix: "cn-in") == "release")
            try await vietnam.eventually("Hekou's confirmation closes the export") { try await Self.status(of: id, on: vietnam) == "closed" }
            let history = try await vn.send(.GET, "/api/v1/declarations/\(id)").object["history"] as? [[String: Any]] ?? []
            #expect(history.last?["actor"] as? String == "peer:CN-HEKOU")

            // China to Vietnam: a Chinese exporter's truck is expected at Kim Thành.
            let cn = try china.require()
            let exporter = UserModel()
            exporter.id = UUID()
            exporter.email = "exporter@test.smartgate.cn"
            exporter.passwordHash = TestCallers.passwordHash
            exporter.createdMs = Date().milliseconds
            exporter.role = Role.declarant.rawValue
            exporter.enterprise = Self.chineseExporter
            exporter.gates = ""
            try await exporter.create(on: cn.db)
            let token = try await TestCallers.token(for: exporter, app: cn)
            let body = Fixture.declaration(plate: "云A·12345", trailer: nil, gate: "beishan")
                .replacingOccurrences(of: "5300100269", with: Self.chineseExporter).replacingOccurrences(of: #""origin":"VN""#, with: #""origin":"CN""#)
            let chinese = try await cn.send(.POST, "/api/v1/declarations", json: body, headers: ["Authorization": "Bearer \(token)"], as: .anonymous)
            let chineseId = try #require(chinese.object["id"] as? String, "\(chinese.text)")
            try await vietnam.eventually("the Chinese export is expected at kim-thanh") {
                try await Self.arrivals(vietnam, gate: "kim-thanh").contains { $0["senderDeclarationId"] as? String == chineseId }
            }
            #expect(try await Self.drive(cn, lane: "beishan-out-1", prefix: "cn-out", plate: "云A12345", trailer: nil) == "release")
            #expect(try await Self.drive(vn, lane: "kim-thanh-in-1", prefix: "vn-in", plate: "云A12345", trailer: nil) == "release")
            try await china.eventually("Kim Thành's confirmation closes the Chinese export") { try await Self.status(of: chineseId, on: china) == "closed" }
        }
    }

    @Test("the peer down for a while and the sender restarted mid-queue: everything arrives once, in order", arguments: TestDatabase.available)
    func outage(_ database: TestDatabase) async throws {
        try await withLinkedPair(database) { vietnam, china in
            try await china.stop()
            let vn = try vietnam.require()
            var ids: [String] = []
            for index in 0..<4 {
                let created = try await vn.send(.POST, "/api/v1/declarations", json: Fixture.declaration(plate: "24C-123.4\(index)", container: ["CSQU3054383", "MSCU1234566", "TGHU8765436", "HLXU2008419"][index]))
                ids.append(try #require(created.object["id"] as? String, "\(created.text)"))
            }
            try await vietnam.eventually("deliveries fail while Hekou is down") {
                try await vn.send(.GET, "/api/v1/link/status").object["items"].flatMap { ($0 as? [[String: Any]])?.first?["lastSentAt"] } != nil
            }
            #expect(try await vietnam.count("link_outbox", where: ["state": "pending", "type": "trip-manifest"]) == 4)
            // The sender stops with its queue full and starts again on the same database.
            try await vietnam.stop()
            try await vietnam.start()
            try await china.start()
            try await china.eventually("all four arrive") { try await china.count("arrivals") == 4 }
            try await vietnam.eventually("all four are acknowledged") {
                try await vietnam.count("link_outbox", where: ["state": "pending", "type": "trip-manifest"]) == 0
            }
            #expect(try await china.count("arrivals") == 4)
            #expect(try await china.count("declarations") == 4)
            let sql = try china.require().db as! any SQLDatabase
            let order = try await sql.select().column("reference").from("link_inbox").where("type", .equal, "trip-manifest").orderBy("sequence").all()
                .map { try $0.decode(column: "reference", as: String.self) }
            #expect(order == ids.map { "declaration:\($0.lowercased())" })
        }
    }

    @Test("a manifest amended and then cancelled before arrival amends and then withdraws the expected arrival", arguments: TestDatabase.available)
    func amendThenCancel(_ database: TestDatabase) async throws {
        try await withLinkedPair(database) { vietnam, china in
            let vn = try vietnam.require()
            let id = try #require(try await vn.send(.POST, "/api/v1/declarations", json: Fixture.declaration()).object["id"] as? String)
            try await china.eventually("expected") { try await Self.arrivals(china, gate: "beishan").count == 1 }
            let amended = try await vn.send(.PATCH, "/api/v1/declarations/\(id)", json: #"{"version":1,"tareKg":14500}"#)
            #expect(amended.status == .ok, "\(amended.text)")
            try await china.eventually("version 2 amends the arrival") {
                try await Self.arrivals(china, gate: "beishan").first?["manifestVersion"] as? Int == 2
            }
            let local = try #require(try await Self.arrivals(china, gate: "beishan").first?["id"] as? String)
            let record = try await china.require().send(.GET, "/api/v1/declarations/\(local)", as: .role(.admin)).object
            #expect(record["tareKg"] as? Double == 14500)
            #expect(record["status"] as? String == "amended")
            #expect(try await vn.send(.POST, "/api/v1/declarations/\(id)/cancel").status == .ok)
            try await china.eventually("the revocation withdraws it") {
                try await Self.arrivals(china, gate: "beishan").first?["state"] as? String == "revoked"
            }
            #expect(try await Self.status(of: local, on: china) == "cancelled")
        }
    }

    @Test("a hold from the sending side makes the receiving lane refer the truck; the release notice lifts it", arguments: TestDatabase.available)
    func hold(_ database: TestDatabase) async throws {
        try await withLinkedPair(database) { vietnam, china in
            let vn = try vietnam.require()
            let id = try #require(try await vn.send(.POST, "/api/v1/declarations", json: Fixture.declaration()).object["id"] as? String)
            try await china.eventually("expected") { try await Self.arrivals(china, gate: "beishan").count == 1 }
            // Vietnam's officers hold the trip after it was announced (as an inspection outcome would).
            let context = vn.smartGate
            try await context.commits.perform { db in
                try await LinkOutboxWriter.enqueue(
                    .holdNotice, reference: "declaration:\(id)", payload: ["declarationId": .string(id), "reason": .string("seal discrepancy reported")],
                    to: LinkSide.china, stream: "kim-thanh", context: context, at: Date(), on: db)
            }
            try await china.eventually("held") { try await Self.arrivals(china, gate: "beishan").first?["state"] as? String == "held" }
            let cn = try china.require()
            #expect(try await Self.drive(cn, lane: "beishan-in-1", prefix: "held") == "refer")
            let decision = try await cn.send(.GET, "/api/v1/decisions?limit=1").object["items"] as? [[String: Any]] ?? []
            let codes = (decision.first?["reasons"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
            #expect(codes.contains("HELD_BY_OTHER_SIDE"), "\(codes)")
            // Nobody releases it while the hold lasts: the officer's cleared outcome is a conflict.
            let officer = ["Authorization": "Bearer \(try await china.officer(at: "beishan"))"]
            let queue = try await cn.send(.GET, "/api/v1/inspections", headers: HTTPHeaders(officer.map { ($0.key, $0.value) }), as: .anonymous)
            let inspection = try #require((queue.object["items"] as? [[String: Any]])?.first?["id"] as? String, "\(queue.text)")
            let claimed = try await cn.send(.POST, "/api/v1/inspections/\(inspection)/claim", headers: HTTPHeaders(officer.map { ($0.key, $0.value) }), as: .anonymous)
            #expect(claimed.status == .ok, "\(claimed.text)")
            let cleared = try await cn.send(.POST, "/api/v1/inspections/\(inspection)/outcome", json: #"{"outcome":"cleared"}"#,
                                            headers: HTTPHeaders(officer.map { ($0.key, $0.value) }), as: .anonymous)
            #expect(cleared.status == .conflict, "\(cleared.text)")
            try await context.commits.perform { db in
                try await LinkOutboxWriter.enqueue(
                    .releaseNotice, reference: "declaration:\(id)", payload: ["declarationId": .string(id)],
                    to: LinkSide.china, stream: "kim-thanh", context: context, at: Date(), on: db)
            }
            try await china.eventually("lifted") { try await Self.arrivals(china, gate: "beishan").first?["hold"] == nil }
        }
    }

    @Test("a rotated key: messages signed with the old key are accepted during the overlap, the new key from then on", arguments: TestDatabase.available)
    func keyRotation(_ database: TestDatabase) async throws {
        try await withLinkedPair(database) { vietnam, china in
            try await china.stop()
            let vn = try vietnam.require()
            _ = try await vn.send(.POST, "/api/v1/declarations", json: Fixture.declaration())  // queued, signed with the old key
            let keyFile = FileManager.default.temporaryDirectory.appendingPathComponent("vn-\(UUID().uuidString).key").path
            let newKey = try SmartGateHost.generateSigningKey(at: keyFile)
            try await vietnam.stop()
            vietnam.settings.linkKeyPath = keyFile
            try await vietnam.start()
            try await china.start()
            let cn = try china.require()
            _ = try await PeerRegistry.rotate(id: LinkSide.vietnam, publicKey: newKey, actor: "test", at: Date(), context: cn.smartGate, on: cn.db)
            try await china.eventually("the old-key manifest is accepted in the overlap") { try await china.count("arrivals") == 1 }
            _ = try await vietnam.require().send(.POST, "/api/v1/declarations", json: Fixture.declaration(plate: "24C-555.55", container: "MSCU1234566"))
            try await china.eventually("the new-key manifest is accepted") { try await china.count("arrivals") == 2 }
            #expect(try await china.count("link_refusals") == 0)
            try? FileManager.default.removeItem(atPath: keyFile)
        }
    }

    @Test("the conformance suite passes against SmartGate", arguments: TestDatabase.available)
    func conformance(_ database: TestDatabase) async throws {
        try await withLinkedPair(database) { _, china in
            let outcomes = try await Self.runConformance(against: china)
            for outcome in outcomes where !outcome.passed { Issue.record("\(outcome.name): \(outcome.detail)") }
            #expect(outcomes.count == 10)
            // Nothing the suite sent changed a trip, and every refusal is kept for inspection.
            #expect(try await china.count("arrivals") == 0)
            #expect(try await china.count("link_refusals") >= 6)
        }
    }

    @Test("the conformance suite names the forged-signature case against a receiver that does not check signatures")
    func conformanceCatchesABrokenReceiver() async throws {
        try await withLinkedPair(.sqlite, adjust: { settings in
            if settings.side == LinkSide.china { settings.linkSignatureCheck = { _, _, _ in true } }
        }) { _, china in
            let outcomes = try await Self.runConformance(against: china)
            #expect(outcomes.filter { !$0.passed }.map(\.name) == ["forged signature"])
        }
    }

    @Test("a peer cannot close an export it was never told about")
    func arrivedNeedsAManifest() async throws {
        try await withLinkedPair(.sqlite) { vietnam, china in
            let vn = try vietnam.require()
            // An import at Kim Thành, released and crossed here, never announced to Hekou.
            let id = try #require(try await vn.send(.POST, "/api/v1/declarations", json: Fixture.declaration(direction: "import")).object["id"] as? String)
            #expect(try await Self.drive(vn, lane: "kim-thanh-in-1", prefix: "imp") == "release")
            let cn = try china.require()
            let context = cn.smartGate
            try await context.commits.perform { db in
                try await LinkOutboxWriter.enqueue(
                    .crossingEvent, reference: "declaration:\(id.lowercased())",
                    payload: ["declarationId": .string(id.lowercased()), "event": .string("arrived"), "gate": .string("beishan")],
                    to: LinkSide.vietnam, stream: "beishan", context: context, at: Date(), on: db)
            }
            try await vietnam.eventually("the event is refused") { try await vietnam.count("link_inbox", where: ["state": "refused"]) == 1 }
            #expect(try await Self.status(of: id, on: vietnam) == "crossed")
        }
    }

    @Test("a peer's signed request opens the link's peer routes and nothing else")
    func peerIsConfined() async throws {
        try await withLinkedPair(.sqlite) { vietnam, china in
            let cn = try china.require()
            let key = try vietnam.require().smartGate.keys.auditKey
            func status(_ method: HTTPMethod, _ target: String) async throws -> UInt {
                let signature = try LinkRequestSignature.sign(method: method.rawValue, target: target, body: Data(), sender: LinkSide.vietnam, key: key, now: Date())
                return try await cn.send(method, target, headers: ["Authorization": signature.header], as: .anonymous).status.code
            }
            #expect(try await status(.GET, "/api/v1/link/outbox?peer=VN-LAOCAI&stream=kim-thanh&after=0") == 200)
            #expect(try await status(.GET, "/api/v1/link/ledger?date=2026-12-05") == 200)
            #expect(try await status(.GET, "/api/v1/link/outbox?peer=ZZ-OTHER&stream=kim-thanh&after=0") == 400)
            for target in ["/api/v1/arrivals", "/api/v1/declarations", "/api/v1/link/status", "/api/v1/audit/head"] {
                #expect(try await status(.GET, target) == 401, "\(target)")
            }
        }
    }

    /// Ports for the suite's servers (a pair's sides, the conformance outbox), below Linux's ephemeral range (32768–60999) where the
    /// other tests' servers on port 0 and every client connection take theirs (a random port
    /// from that range was once taken between its choice and the suite's bind), and one per
    /// run, so the runs in parallel never share one.
    private static let reservedPorts = NIOLockedValueBox(Int.random(in: 20_000...31_000))

    /// The next port of the run's own range (see above).
    static func reservedPort() -> Int {
        reservedPorts.withLockedValue { port in
            port += 1
            return port
        }
    }

    static func runConformance(against side: PairSide) async throws -> [LinkConformance.Outcome] {
        let app = try side.require()
        let key = Curve25519.Signing.PrivateKey()
        let port = reservedPort()
        _ = try await PeerRegistry.add(
            id: "ZZ-CONFORMANCE", url: "http://127.0.0.1:\(port)", publicKey: key.publicKey.rawRepresentation.base64EncodedString(),
            actor: "test", at: Date(), context: app.smartGate, on: app.db)
        return try await LinkConformance.run(.init(url: side.url, peerId: "ZZ-CONFORMANCE", key: key, listen: ("127.0.0.1", port)))
    }
}
