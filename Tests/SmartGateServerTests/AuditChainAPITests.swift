import Fluent
import Foundation
import GateKit
import SQLKit
import Testing
import VaporTesting
@testable import SmartGateServer

@Suite("Audit chain in the database")
struct AuditChainAPITests {
    /// Submits, amends and drives a truck to a decision on a SQLite file; returns its path.
    static func populatedDatabase() async throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("smartgate-audit-\(UUID().uuidString).sqlite").path
        try await withApp(configure: { app in
            try await configure(app, settings: ServerSettings(database: .sqliteFile(path: path)))
            try await app.autoMigrate()
            try await TestCallers.seed(app)
        }) { app in
            let id = try #require(try await app.send(.POST, "/api/v1/declarations", json: Fixture.declaration()).object["id"] as? String)
            _ = try await app.send(.PATCH, "/api/v1/declarations/\(id)", json: #"{"version":1,"tareKg":14100}"#)
            try await LanesAPITests.drive(app, LanesAPITests.cleanTruck(prefix: "audit"))
        }
        return path
    }

    static func verdict(_ path: String) async throws -> AuditChain.Verdict {
        try await SmartGateHost.verifyAudit(.init(
            hostname: "127.0.0.1", port: 0, environment: "testing", settings: ServerSettings(database: .sqliteFile(path: path))))
    }

    /// Runs raw SQL on the file, as an insider with database access would.
    static func tamper(_ path: String, _ statements: String...) async throws {
        try await withApp(configure: { app in app.databases.use(.sqlite(.file(path)), as: .sqlite) }) { app in
            let sql = app.db as! any SQLDatabase
            for statement in statements { try await sql.raw(SQLQueryString(statement)).run() }
        }
    }

    static func cleanUp(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    @Test("every change is chained: submission, amendment, lane transitions, the decision")
    func intact() async throws {
        let path = try await Self.populatedDatabase()
        defer { Self.cleanUp(path) }
        guard case .intact(let entries, _) = try await Self.verdict(path) else {
            Issue.record("chain not intact")
            return
        }
        // submitted, amended, at-lane, decision, released
        #expect(entries == 5)
    }

    @Test("an edited row, a deleted row and a swapped pair are each caught at the first broken seq", arguments: [
        ("edited", ["UPDATE audit_entries SET actor = 'declarant:9999999999' WHERE seq = 2"], Int64(2)),
        ("deleted", ["DELETE FROM audit_entries WHERE seq = 3"], Int64(3)),
        ("swapped", [
            "UPDATE audit_entries SET seq = -1 WHERE seq = 2",
            "UPDATE audit_entries SET seq = 2 WHERE seq = 3",
            "UPDATE audit_entries SET seq = 3 WHERE seq = -1",
        ], Int64(2)),
    ])
    func tampering(_ name: String, _ statements: [String], _ brokenSeq: Int64) async throws {
        let path = try await Self.populatedDatabase()
        defer { Self.cleanUp(path) }
        for statement in statements { try await Self.tamper(path, statement) }
        guard case .broken(let seq, let reason) = try await Self.verdict(path) else {
            Issue.record("\(name) row was not detected")
            return
        }
        #expect(seq == brokenSeq, "\(reason)")
    }

    @Test("concurrent writes with failing jobs in the same batches leave one unbroken chain", arguments: TestDatabase.available)
    func concurrentBatches(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for index in 0..<30 {
                    // Every third request reuses a key with another body: its job fails inside a batch.
                    let key = index % 3 == 2 ? "shared-key" : "key-\(index)"
                    let body = Fixture.declaration(plate: "24C-\(100 + index).11")
                    group.addTask { try await app.send(.POST, "/api/v1/declarations", json: body, headers: ["Idempotency-Key": key]).status }
                }
                var statuses: [HTTPStatus] = []
                for try await status in group { statuses.append(status) }
                return statuses
            }
            let codes = statuses.map(\.code)
            let created = codes.filter { $0 == 201 }.count
            // 20 distinct keys, and the shared key once; its 9 other bodies are refused.
            #expect(created == 21)
            #expect(codes.filter { $0 == 409 }.count == 9)
            let verdict = try await AuditTrail.verify(on: app.db)
            guard case .intact(let entries, _) = verdict else {
                Issue.record("chain broken: \(verdict)")
                return
            }
            #expect(entries == created)
        }
    }
}
