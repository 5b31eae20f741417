import Fluent
import Foundation
import GateKit
import Testing
import VaporTesting
@testable import SmartGateServer

@Suite("Sign-in, sign-out, device keys, scoping and rate limits")
struct AuthAPITests {
    static func login(_ app: Application, _ email: String, _ password: String) async throws -> TestingHTTPResponse {
        try await app.send(.POST, "/api/v1/auth/login", json: #"{"email":"\#(email)","password":"\#(password)"}"#, as: .anonymous)
    }

    @Test("a session ends when the server's clock passes its lifetime, without waiting for it", arguments: TestDatabase.available)
    func sessionExpiresByTheServersClock(_ database: TestDatabase) async throws {
        let clock = ManualClock()
        try await withSmartGate(database, settings: { $0.clock = clock.server }) { app in
            let session = try await Self.login(app, TestCallers.email(.role(.customsOfficer)), TestCallers.password)
            let token = try #require(session.object["token"] as? String)
            let bearer = TestCaller.headers(["Authorization": "Bearer \(token)"])
            #expect(try await app.send(.GET, "/api/v1/auth/me", as: bearer).status == .ok)
            clock.advance(by: app.smartGate.settings.tokenLifetime - 60)
            #expect(try await app.send(.GET, "/api/v1/auth/me", as: bearer).status == .ok)
            clock.advance(by: 61)
            #expect(try await app.send(.GET, "/api/v1/auth/me", as: bearer).status == .unauthorized)
        }
    }

    @Test("a user signs in, uses the token, signs out, and the token is refused", arguments: TestDatabase.available)
    func signInAndOut(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            let email = TestCallers.email(.role(.customsOfficer))
            let session = try await Self.login(app, email.uppercased(), TestCallers.password)
            #expect(session.status == .ok, "\(session.text)")
            let token = try #require(session.object["token"] as? String)
            #expect((session.object["user"] as? [String: Any])?["role"] as? String == "customs-officer")
            #expect(session.object["expiresAt"] as? String != nil)
            let bearer = TestCaller.headers(["Authorization": "Bearer \(token)"])
            #expect(try await app.send(.GET, "/api/v1/auth/me", as: bearer).status == .ok)
            #expect(try await app.send(.POST, "/api/v1/auth/logout", as: bearer).status == .noContent)
            let after = try await app.send(.GET, "/api/v1/auth/me", as: bearer)
            #expect(after.status == .unauthorized)
            #expect(after.headers.first(name: "WWW-Authenticate")?.hasPrefix("Bearer") == true)
        }
    }

    @Test("a wrong password and an unknown e-mail get the same 401", arguments: TestDatabase.available)
    func wrongPassword(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            let wrong = try await Self.login(app, TestCallers.email(.role(.admin)), "not-the-password")
            let unknown = try await Self.login(app, "nobody@test.smartgate.vn", "not-the-password")
            #expect(wrong.status == .unauthorized)
            #expect(unknown.status == .unauthorized)
            #expect(wrong.object["detail"] as? String == unknown.object["detail"] as? String)
            let invalid = try await app.send(.POST, "/api/v1/auth/login", json: #"{"email":"x","password":7}"#, as: .anonymous)
            #expect(invalid.status == .unprocessableEntity)
            #expect(Set(invalid.problemFields) == ["email", "password"])
        }
    }

    @Test("repeated sign-in attempts are slowed with 429 and Retry-After", arguments: TestDatabase.available)
    func loginRateLimit(_ database: TestDatabase) async throws {
        try await withSmartGate(database, settings: { $0.rateLimits.loginPerMinute = 6 }) { app in
            // The burst is answered 401; then 429. On a loaded machine the bucket may refill
            // between slow attempts, so a few more may pass before the limit shows.
            var statuses: [UInt] = []
            var limited: TestingHTTPResponse?
            for _ in 0..<40 {
                let response = try await Self.login(app, "guess@test.smartgate.vn", "wrong-password")
                if response.status == .tooManyRequests {
                    limited = response
                    break
                }
                statuses.append(response.status.code)
            }
            #expect(statuses.count >= 10 && statuses.allSatisfy { $0 == 401 }, "\(statuses)")
            let refused = try #require(limited, "no 429 after \(statuses.count) attempts")
            #expect(Int(refused.headers.first(name: "Retry-After") ?? "") ?? 0 >= 1)
        }
    }

    @Test("a user's requests beyond the budget get 429, and the budget refills as the server's clock moves", arguments: TestDatabase.available)
    func userRateLimit(_ database: TestDatabase) async throws {
        let clock = ManualClock()
        try await withSmartGate(database, settings: { $0.rateLimits.userPerMinute = 30; $0.clock = clock.server }) { app in
            // The clock stands still: the burst (10) passes exactly, the 11th is refused.
            var statuses: [UInt] = []
            for _ in 0..<11 { statuses.append(try await app.send(.GET, "/api/v1/gates", as: .role(.boardViewer)).status.code) }
            #expect(statuses == Array(repeating: 200, count: 10) + [429], "\(statuses)")
            // 30 a minute: two seconds later one more request is allowed, and only one.
            clock.advance(by: 2)
            #expect(try await app.send(.GET, "/api/v1/gates", as: .role(.boardViewer)).status == .ok)
            #expect(try await app.send(.GET, "/api/v1/gates", as: .role(.boardViewer)).status == .tooManyRequests)
            // Another user's budget is their own.
            #expect(try await app.send(.GET, "/api/v1/gates", as: .role(.driver)).status == .ok)
            let metrics = try await app.send(.GET, "/metrics").text
            #expect(metrics.contains(#"smartgate_access_refusals_total{reason="rate-limited"}"#))
        }
    }

    @Test("a revoked device key is refused; a key for another lane is 403", arguments: TestDatabase.available)
    func deviceKeys(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            let created = try await Accounts.createDeviceKey(lane: "kim-thanh-out-1", name: "camera", actor: "test", on: app)
            let key = try #require(created.key)
            let path = "/api/v1/lanes/kim-thanh-out-1/readings"
            let reading = { Fixture.reading("anpr-1", UUID().uuidString, "plate", #""plate":"24C12345","confidence":0.97"#) }
            #expect(try await app.send(.POST, path, json: reading(), as: .headers(["X-Device-Key": key])).status == .ok)
            let elsewhere = try await app.send(.POST, "/api/v1/lanes/kim-thanh-out-2/readings", json: reading(), as: .headers(["X-Device-Key": key]))
            #expect(elsewhere.status == .forbidden)
            _ = try await Accounts.revokeDeviceKey(id: created.id.uuidString, actor: "test", on: app)
            let revoked = try await app.send(.POST, path, json: reading(), as: .headers(["X-Device-Key": key]))
            #expect(revoked.status == .unauthorized)
            #expect(revoked.headers.first(name: "WWW-Authenticate")?.hasPrefix("DeviceKey") == true)
            let junk = try await app.send(.POST, path, json: reading(), as: .headers(["X-Device-Key": "sgd_not-a-key"]))
            #expect(junk.status == .unauthorized)
            let actions = try await AuditEntryModel.query(on: app.db).all().map(\.action)
            #expect(actions.contains("device.created") && actions.contains("device.revoked"))
        }
    }

    @Test("two devices with the same deviceId and eventId are two readings", arguments: TestDatabase.available)
    func readingsKeyedByDeviceKey(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            let reading = Fixture.reading("cam-1", "e-1", "plate", #""plate":"24C12345","confidence":0.97"#)
            let first = try await app.send(.POST, "/api/v1/lanes/kim-thanh-out-1/readings", json: reading)
            let second = try await app.send(.POST, "/api/v1/lanes/kim-thanh-out-2/readings", json: reading)
            #expect(first.status == .ok)
            #expect(second.status == .ok)
            let passage = { (response: TestingHTTPResponse) in (response.object["passage"] as? [String: Any])?["laneId"] as? String }
            #expect(passage(first) == "kim-thanh-out-1")
            #expect(passage(second) == "kim-thanh-out-2")
        }
    }

    /// How many declarations `caller`'s list shows.
    static func visible(_ app: Application, to caller: TestCaller) async throws -> Int {
        (try await app.send(.GET, "/api/v1/declarations", as: caller).object["items"] as? [Any])?.count ?? -1
    }

    @Test("a declarant sees only its enterprise; staff only their gates", arguments: TestDatabase.available)
    func listsAreScoped(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            let other = Fixture.declaration().replacingOccurrences(of: "5300100269", with: TestCallers.otherTaxCode)
            let own = try await app.send(.POST, "/api/v1/declarations", json: Fixture.declaration())
            let theirs = try await app.send(.POST, "/api/v1/declarations", json: other, as: .otherDeclarant)
            // Declaring for someone else's enterprise is refused outright.
            let foreign = try await app.send(.POST, "/api/v1/declarations", json: other)
            #expect([own.status, theirs.status, foreign.status] == [.created, .created, .forbidden])
            var counts: [Int] = []
            for caller in [TestCaller.role(.declarant), .otherDeclarant, .role(.customsOfficer), .elsewhere(.customsOfficer), .role(.admin)] {
                counts.append(try await Self.visible(app, to: caller))
            }
            #expect(counts == [1, 1, 2, 0, 2])
        }
    }

    @Test("user and device changes are in the audit chain; the signed head verifies", arguments: TestDatabase.available)
    func accountChangesAreAudited(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            _ = try await Accounts.createUser(
                Accounts.NewUser(email: "new@test.smartgate.vn", role: "gate-operator", enterprise: nil, gates: ["kim-thanh"], password: "long-enough-1"),
                actor: "test", on: app)
            let head = try await app.send(.GET, "/api/v1/audit/head")
            #expect(head.status == .ok)
            let decoded = try JSONDecoder().decode(AuditHeadView.self, from: Data(head.body.readableBytesView))
            #expect(decoded.seq == 1)
            #expect(decoded.isSignatureValid)
            var tampered = decoded
            tampered.seq = 0
            #expect(!tampered.isSignatureValid)
            let user = try await UserModel.query(on: app.db).filter(\UserModel.$email == "new@test.smartgate.vn").first()
            let userId = try #require(user?.id).uuidString.lowercased()
            let entries = try await app.send(.GET, "/api/v1/audit?subject=user:\(userId)")
            #expect((entries.object["items"] as? [[String: Any]])?.first?["action"] as? String == "user.created")
            // Customs reads subjects only at its gates, and must name one.
            #expect(try await app.send(.GET, "/api/v1/audit", as: .role(.customsOfficer)).status == .unprocessableEntity)
        }
    }

    @Test("bad account input names every field", arguments: [
        Accounts.NewUser(email: "no-at-sign", role: "declarant", enterprise: "5300123456", gates: ["kim-thanh"], password: "short"),
        Accounts.NewUser(email: "a@b.vn", role: "customs-officer", enterprise: "5300100269", gates: [], password: "long-enough-1"),
    ])
    func badAccounts(_ user: Accounts.NewUser) async throws {
        try await withSmartGate(.sqlite) { app in
            do {
                _ = try await Accounts.createUser(user, actor: "test", on: app)
                Issue.record("accepted \(user.email)")
            } catch AppError.validation(let failure) {
                let fields = Set(failure.issues.map(\.field))
                #expect(fields.isSuperset(of: user.email == "a@b.vn" ? ["enterprise", "gates"] : ["email", "enterprise", "gates", "password"]), "\(fields)")
            }
        }
    }
}
