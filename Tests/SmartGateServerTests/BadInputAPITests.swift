import Foundation
import GateKit
import Testing
import VaporTesting
@testable import SmartGateServer

@Suite("Bad input always gets a 4xx problem")
struct BadInputAPITests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var method: HTTPMethod
        var path: String
        var body: String?
        var contentType: String? = "application/json"
        var status: HTTPStatus
        var type: String
        var fields: [String] = []
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "malformed JSON", method: .POST, path: "/api/v1/declarations", body: #"{"direction": "export",,}"#,
             status: .badRequest, type: "malformed-json"),
        Case(name: "empty body", method: .POST, path: "/api/v1/declarations", body: nil, status: .badRequest, type: "malformed-json"),
        Case(name: "JSON array instead of object", method: .POST, path: "/api/v1/declarations", body: "[1,2]",
             status: .unprocessableEntity, type: "validation-failed", fields: [""]),
        Case(name: "wrong content type", method: .POST, path: "/api/v1/declarations", body: "direction=export",
             contentType: "application/x-www-form-urlencoded", status: .unsupportedMediaType, type: "unsupported-media-type"),
        Case(name: "wrong types", method: .POST, path: "/api/v1/declarations",
             body: #"{"direction":1,"gate":true,"declarant":"me","vehicle":[],"driver":{"name":7,"documentNumber":"C1","nationality":"VN"},"goods":{},"plannedArrival":12,"tareKg":"x"}"#,
             status: .unprocessableEntity, type: "validation-failed",
             fields: ["direction", "gate", "declarant", "vehicle", "driver.name", "goods", "plannedArrival", "tareKg"]),
        // A device key is bound to its lane: no key can reach an unknown lane.
        Case(name: "unknown lane", method: .POST, path: "/api/v1/lanes/kim-thanh-out-9/readings",
             body: Fixture.reading("cam-1", "e1", "ready"), status: .unauthorized, type: "unauthenticated"),
        Case(name: "unknown declaration", method: .GET, path: "/api/v1/declarations/6F1C1A52-1E0E-4C0B-9A55-3C9E2C3F6A11",
             body: nil, contentType: nil, status: .notFound, type: "not-found"),
        Case(name: "declaration id that is not a UUID", method: .GET, path: "/api/v1/declarations/abc",
             body: nil, contentType: nil, status: .notFound, type: "not-found"),
        Case(name: "unknown route", method: .GET, path: "/api/v1/nowhere", body: nil, contentType: nil, status: .notFound, type: "not-found"),
        Case(name: "reading with every field wrong", method: .POST, path: "/api/v1/lanes/kim-thanh-out-1/readings",
             body: #"{"deviceId":"cam 1","eventId":"","observedAt":"2026-11-23T08:00:00","kind":"plate","confidence":1.5}"#,
             status: .unprocessableEntity, type: "validation-failed",
             fields: ["deviceId", "eventId", "observedAt", "plate", "confidence"]),
        Case(name: "unknown reading kind", method: .POST, path: "/api/v1/lanes/kim-thanh-out-1/readings",
             body: Fixture.reading("cam-1", "e1", "smell"), status: .unprocessableEntity, type: "validation-failed", fields: ["kind"]),
        Case(name: "a reading from the future", method: .POST, path: "/api/v1/lanes/kim-thanh-out-1/readings",
             body: Fixture.reading("cam-1", "e1", "ready", at: stamp(3600)), status: .unprocessableEntity, type: "validation-failed",
             fields: ["observedAt"]),
        Case(name: "passed with no vehicle in the lane", method: .POST, path: "/api/v1/lanes/kim-thanh-out-1/readings",
             body: Fixture.reading("loop-1", "e1", "passed"), status: .conflict, type: "conflict"),
        Case(name: "a NUL character in a plate read", method: .POST, path: "/api/v1/lanes/kim-thanh-out-1/readings",
             body: Fixture.reading("cam-1", "e1", "plate", #""plate":"24C\u0000123","confidence":0.9"#),
             status: .unprocessableEntity, type: "validation-failed", fields: ["plate"]),
        Case(name: "an unknown gate filter", method: .GET, path: "/api/v1/decisions?gate=%00", body: nil, contentType: nil,
             status: .unprocessableEntity, type: "validation-failed", fields: ["gate"]),
        Case(name: "limit out of range", method: .GET, path: "/api/v1/decisions?limit=100000", body: nil, contentType: nil,
             status: .badRequest, type: "invalid-query", fields: ["limit"]),
    ]

    @Test("answers 4xx problem+json naming the field", arguments: TestDatabase.available, cases)
    func badInput(_ database: TestDatabase, _ testCase: Case) async throws {
        try await withSmartGate(database) { app in
            var headers = HTTPHeaders()
            if let contentType = testCase.contentType { headers.replaceOrAdd(name: .contentType, value: contentType) }
            for (name, value) in TestCallers.headers(for: .automatic, path: testCase.path, app: app) { headers.add(name: name, value: value) }
            let response = try await app.testing().sendRequest(
                testCase.method, testCase.path, headers: headers, body: testCase.body.map { ByteBuffer(string: $0) })
            #expect(response.status == testCase.status, "\(response.text)")
            #expect(response.headers.first(name: .contentType)?.hasPrefix("application/problem+json") == true)
            #expect(response.object["type"] as? String == "urn:smartgate:problem:\(testCase.type)")
            #expect(response.object["status"] as? Int == Int(testCase.status.code))
            #expect(Set(response.problemFields) == Set(testCase.fields), "\(response.text)")
        }
    }

    @Test("an oversize body is 413, not a crash", arguments: TestDatabase.available)
    func oversize(_ database: TestDatabase) async throws {
        try await withSmartGate(database, settings: { $0.maxBodyBytes = 64 * 1024 }) { app in
            let huge = #"{"padding":""# + String(repeating: "x", count: 200 * 1024) + #""}"#
            let declaration = try await app.send(.POST, "/api/v1/declarations", json: huge)
            #expect(declaration.status == .payloadTooLarge)
            #expect(declaration.object["type"] as? String == "urn:smartgate:problem:payload-too-large")
            let reading = try await app.send(.POST, "/api/v1/lanes/kim-thanh-out-1/readings", json: huge)
            #expect(reading.status == .payloadTooLarge)
        }
    }

    @Test("health, metrics and the OpenAPI document answer", arguments: TestDatabase.available)
    func system(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            let health = try await app.send(.GET, "/health")
            #expect(health.status == .ok)
            #expect(health.object["database"] as? String == "ok")
            let openAPI = try await app.send(.GET, "/openapi.json")
            #expect(openAPI.object["openapi"] as? String == "3.1.0")
            _ = try await app.send(.GET, "/api/v1/gates")
            let metrics = try await app.send(.GET, "/metrics")
            #expect(metrics.text.contains(#"smartgate_http_requests_total{method="GET",route="/api/v1/gates",status="200"} 1"#))
        }
    }
}
