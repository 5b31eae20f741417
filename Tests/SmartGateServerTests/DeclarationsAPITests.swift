import Fluent
import Foundation
import GateKit
import Testing
import VaporTesting
@testable import SmartGateServer

@Suite("Declarations API")
struct DeclarationsAPITests {
    @Test("the seeded Lào Cai gates and Kim Thành's five lanes", arguments: TestDatabase.available)
    func gates(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            let response = try await app.send(.GET, "/api/v1/gates")
            #expect(response.status == .ok)
            let gates = response.object["items"] as? [[String: Any]] ?? []
            #expect(Set(gates.compactMap { $0["id"] as? String }) == ["kim-thanh", "lao-cai-road-1", "lao-cai-rail", "ban-vuoc", "muong-khuong"])
            let kimThanh = gates.first { $0["id"] as? String == "kim-thanh" }
            let lanes = (kimThanh?["lanes"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            #expect(lanes == ["kim-thanh-out-1", "kim-thanh-out-2", "kim-thanh-in-1", "kim-thanh-in-2", "kim-thanh-in-3"])
        }
    }

    @Test("submit, then read back the stored declaration", arguments: TestDatabase.available)
    func submitAndRead(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            // MUT
            let created = try await app.send(.POST, "/api/v1/declarations", json: Fixture.declaration())
            // validate
            #expect(created.status == .created)
            let body = created.object
            let id = try #require(body["id"] as? String)
            #expect(body["status"] as? String == "submitted")
            #expect(body["channel"] as? String == "green")
            #expect(body["version"] as? Int == 1)
            #expect((body["vehicle"] as? [String: Any])?["plate"] as? String == "24C12345")
            #expect(((body["goods"] as? [[String: Any]])?.first?["value"] as? [String: Any])?["amount"] as? String == "54000.00")
            #expect(body["expectedGrossKg"] as? Double == 33500)
            #expect(created.headers.first(name: .location) == "/api/v1/declarations/\(id)")

            let read = try await app.send(.GET, "/api/v1/declarations/\(id)")
            #expect(read.status == .ok)
            #expect(read.object["id"] as? String == id)
            #expect(read.headers.first(name: .eTag) == "\"1\"")
            let history = read.object["history"] as? [[String: Any]] ?? []
            #expect(history.map { $0["status"] as? String } == ["submitted"])
        }
    }

    @Test("every invalid field is reported at once", arguments: TestDatabase.available)
    func everyInvalidField(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            let body = Fixture.declaration(plate: "24C-12", container: "CSQU3054384", plannedArrival: "2026-11-23T08:00:00")
                .replacingOccurrences(of: #""hsCode":"081060""#, with: #""hsCode":"981060""#)
                .replacingOccurrences(of: #""taxCode":"5300100269""#, with: #""taxCode":"5300123456""#)
                .replacingOccurrences(of: #""tareKg":14000"#, with: #""tareKg":"heavy""#)
                .replacingOccurrences(of: #""currency":"USD""#, with: #""currency":"USX""#)
            let response = try await app.send(.POST, "/api/v1/declarations", json: body)
            #expect(response.status == .unprocessableEntity)
            #expect(response.headers.first(name: .contentType)?.hasPrefix("application/problem+json") == true)
            #expect(Set(response.problemFields) == [
                "vehicle.plate", "containers[0].number", "plannedArrival", "goods[0].hsCode", "declarant.taxCode",
                "tareKg", "goods[0].value.currency",
            ])
            let containerError = (response.object["errors"] as? [[String: Any]])?.first { $0["field"] as? String == "containers[0].number" }
            #expect((containerError?["message"] as? String)?.contains("3") == true)
            #expect(response.object["type"] as? String == "urn:smartgate:problem:validation-failed")
            #expect(try await DeclarationModel.query(on: app.db).count() == 0)
        }
    }

    @Test("messages follow Accept-Language; fields and codes do not", arguments: TestDatabase.available)
    func localisedProblem(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            let body = Fixture.declaration(plannedArrival: "2026-11-23T08:00:00")
            let english = try await app.send(.POST, "/api/v1/declarations", json: body)
            let vietnamese = try await app.send(.POST, "/api/v1/declarations", json: body, headers: ["Accept-Language": "vi-VN,vi;q=0.9"])
            let errorsEN = english.object["errors"] as? [[String: Any]] ?? []
            let errorsVI = vietnamese.object["errors"] as? [[String: Any]] ?? []
            #expect(errorsEN.map { $0["code"] as? String } == errorsVI.map { $0["code"] as? String })
            #expect(english.problemFields == vietnamese.problemFields)
            #expect(errorsEN.first?["message"] as? String != errorsVI.first?["message"] as? String)
            #expect(vietnamese.headers.first(name: .contentLanguage) == "vi")
        }
    }

    @Test("an Idempotency-Key makes a retried submission return the first answer", arguments: TestDatabase.available)
    func idempotentSubmission(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            let headers: HTTPHeaders = ["Idempotency-Key": "trader-42-trip-7"]
            let body = Fixture.declaration()
            let first = try await app.send(.POST, "/api/v1/declarations", json: body, headers: headers)
            let again = try await app.send(.POST, "/api/v1/declarations", json: body, headers: headers)
            #expect(first.status == .created)
            #expect(again.status == .created)
            #expect(first.object["id"] as? String == again.object["id"] as? String)
            #expect(try await DeclarationModel.query(on: app.db).count() == 1)

            let different = try await app.send(.POST, "/api/v1/declarations", json: Fixture.declaration(plate: "24C-555.55"), headers: headers)
            #expect(different.status == .conflict)
            #expect(different.object["type"] as? String == "urn:smartgate:problem:idempotency-key-reused")
        }
    }

    @Test("amend with the current version; a stale version is 409", arguments: TestDatabase.available)
    func amend(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            let id = try #require(try await app.send(.POST, "/api/v1/declarations", json: Fixture.declaration()).object["id"] as? String)
            let amended = try await app.send(.PATCH, "/api/v1/declarations/\(id)", json: #"{"version":1,"tareKg":14200}"#)
            #expect(amended.status == .ok)
            #expect(amended.object["version"] as? Int == 2)
            #expect(amended.object["status"] as? String == "amended")
            #expect(amended.object["tareKg"] as? Double == 14200)

            let stale = try await app.send(.PATCH, "/api/v1/declarations/\(id)", json: #"{"version":1,"tareKg":14300}"#)
            #expect(stale.status == .conflict)
            #expect(stale.object["type"] as? String == "urn:smartgate:problem:stale-version")

            let viaHeader = try await app.send(.PATCH, "/api/v1/declarations/\(id)", json: #"{"tareKg":14300}"#, headers: ["If-Match": "\"2\""])
            #expect(viaHeader.status == .ok)
            #expect(viaHeader.object["version"] as? Int == 3)

            let invalid = try await app.send(.PATCH, "/api/v1/declarations/\(id)", json: #"{"version":3,"vehicle":{"plate":"XX"}}"#)
            #expect(invalid.status == .unprocessableEntity)
            #expect(invalid.problemFields == ["vehicle.plate"])

            let noVersion = try await app.send(.PATCH, "/api/v1/declarations/\(id)", json: #"{"tareKg":1}"#)
            #expect(noVersion.status == .unprocessableEntity)
            #expect(noVersion.problemFields == ["version"])
        }
    }

    @Test("cancel once; a second cancel names the current state", arguments: TestDatabase.available)
    func cancel(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            let id = try #require(try await app.send(.POST, "/api/v1/declarations", json: Fixture.declaration()).object["id"] as? String)
            let cancelled = try await app.send(.POST, "/api/v1/declarations/\(id)/cancel", json: #"{"reason":"truck broke down"}"#)
            #expect(cancelled.status == .ok)
            #expect(cancelled.object["status"] as? String == "cancelled")
            let again = try await app.send(.POST, "/api/v1/declarations/\(id)/cancel")
            #expect(again.status == .conflict)
            #expect((again.object["detail"] as? String)?.contains("cancelled") == true)
            let amend = try await app.send(.PATCH, "/api/v1/declarations/\(id)", json: #"{"version":1,"tareKg":1}"#)
            #expect(amend.status == .conflict)
        }
    }

    @Test("list filters and pages with a cursor, newest first", arguments: TestDatabase.available)
    func listAndPage(_ database: TestDatabase) async throws {
        let clock = ManualClock()
        try await withSmartGate(database, settings: { $0.clock = clock.server }) { app in
            var ids: [String] = []
            for plate in ["24C-111.11", "24C-222.22", "24C-333.33"] {
                ids.append(try #require(try await app.send(.POST, "/api/v1/declarations", json: Fixture.declaration(plate: plate)).object["id"] as? String))
                clock.advance(by: 1)  // distinct creation instants: "newest first" is then exact
            }
            _ = try await app.send(.POST, "/api/v1/declarations", json: Fixture.declaration(plate: "29C-444.44", gate: "ban-vuoc"))

            let first = try await app.send(.GET, "/api/v1/declarations?gate=kim-thanh&limit=2")
            #expect(first.status == .ok)
            let firstItems = (first.object["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            #expect(firstItems == [ids[2], ids[1]])
            let cursor = try #require(first.object["nextCursor"] as? String)
            let second = try await app.send(.GET, "/api/v1/declarations?gate=kim-thanh&limit=2&cursor=\(cursor)")
            #expect((second.object["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String } == [ids[0]])
            #expect(second.object["nextCursor"] is NSNull)

            let byPlate = try await app.send(.GET, "/api/v1/declarations?plate=24C-222.22")
            #expect((byPlate.object["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String } == [ids[1]])
            let byStatus = try await app.send(.GET, "/api/v1/declarations?status=submitted&limit=500")
            #expect((byStatus.object["items"] as? [Any])?.count == 4)

            #expect(try await app.send(.GET, "/api/v1/declarations?limit=0").status == .badRequest)
            #expect(try await app.send(.GET, "/api/v1/declarations?limit=501").status == .badRequest)
            #expect(try await app.send(.GET, "/api/v1/declarations?cursor=%%%").status == .badRequest)
            let badStatus = try await app.send(.GET, "/api/v1/declarations?status=flying")
            #expect(badStatus.status == .unprocessableEntity)
            #expect(badStatus.problemFields == ["status"])
        }
    }
}

@Suite("Declaration expiry")
struct DeclarationExpiryTests {
    @Test("declarations past their arrival window expire; others do not", arguments: TestDatabase.available)
    func expiry(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            let old = try #require(try await app.send(.POST, "/api/v1/declarations", json: Fixture.declaration(plate: "24C-111.11", plannedArrival: stamp(-73 * 3600))).object["id"] as? String)
            let fresh = try #require(try await app.send(.POST, "/api/v1/declarations", json: Fixture.declaration(plate: "24C-222.22")).object["id"] as? String)
            #expect(try await DeclarationExpiry.sweep(app, now: Date()) == 1)
            #expect(try await app.send(.GET, "/api/v1/declarations/\(old)").object["status"] as? String == "expired")
            #expect(try await app.send(.GET, "/api/v1/declarations/\(fresh)").object["status"] as? String == "submitted")
        }
    }
}

@Suite("Gates list paging")
struct GatesPagingTests {
    @Test("gates page by id with limit and cursor")
    func paging() async throws {
        try await withSmartGate(.sqlite) { app in
            let first = try await app.send(.GET, "/api/v1/gates?limit=2")
            #expect((first.object["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String } == ["ban-vuoc", "kim-thanh"])
            let cursor = try #require(first.object["nextCursor"] as? String)
            let rest = try await app.send(.GET, "/api/v1/gates?limit=10&cursor=\(cursor)")
            #expect((rest.object["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String } == ["lao-cai-rail", "lao-cai-road-1", "muong-khuong"])
            #expect(rest.object["nextCursor"] is NSNull)
            #expect(try await app.send(.GET, "/api/v1/gates?limit=0").status == .badRequest)
        }
    }
}
