import Fluent
import Foundation
import GateKit
import Testing
import VaporTesting
@testable import SmartGateServer

@Suite("Lane readings and decisions API")
struct LanesAPITests {
    /// Posts readings in order and returns the last answer's passage.
    @discardableResult
    static func drive(_ app: Application, lane: String = "kim-thanh-out-1", _ readings: [String]) async throws -> [String: Any] {
        var passage: [String: Any] = [:]
        for reading in readings {
            let response = try await app.send(.POST, "/api/v1/lanes/\(lane)/readings", json: reading)
            #expect(response.status == .ok, "\(response.text)")
            passage = response.object["passage"] as? [String: Any] ?? [:]
        }
        return passage
    }

    static func cleanTruck(prefix: String, plate: String = "24C12345", weight: Int = 33_600) -> [String] {
        [
            Fixture.reading("anpr-1", "\(prefix)-1", "plate", #""plate":"\#(plate)","confidence":0.97"#),
            Fixture.reading("anpr-2", "\(prefix)-2", "plate", #""plate":"24R01234","confidence":0.95"#),
            Fixture.reading("ocr-1", "\(prefix)-3", "container", #""container":"CSQU3054383","confidence":0.93"#),
            Fixture.reading("rfid-1", "\(prefix)-4", "seal", #""seal":"VNLC0000123","intact":true"#),
            Fixture.reading("scale-1", "\(prefix)-5", "weight", #""grossKg":\#(weight)"#),
            Fixture.reading("loop-1", "\(prefix)-6", "ready"),
        ]
    }

    @Test("a declared truck with matching readings is released", arguments: TestDatabase.available)
    func release(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            let id = try #require(try await app.send(.POST, "/api/v1/declarations", json: Fixture.declaration()).object["id"] as? String)

            let opened = try await app.send(.POST, "/api/v1/lanes/kim-thanh-out-1/readings", json: Self.cleanTruck(prefix: "t1")[0])
            let openedPassage = opened.object["passage"] as? [String: Any] ?? [:]
            #expect(openedPassage["state"] as? String == "open")
            #expect(openedPassage["declarationId"] as? String == id)
            #expect(openedPassage["decision"] is NSNull)
            // The truck is at the lane: the trader can no longer amend.
            let lateAmend = try await app.send(.PATCH, "/api/v1/declarations/\(id)", json: #"{"version":1,"tareKg":1}"#)
            #expect(lateAmend.status == .conflict)

            let passage = try await Self.drive(app, Array(Self.cleanTruck(prefix: "t1").dropFirst()))
            #expect(passage["state"] as? String == "decided")
            let decision = passage["decision"] as? [String: Any] ?? [:]
            #expect(decision["outcome"] as? String == "release", "\(decision)")
            #expect((decision["readings"] as? [Any])?.count == 6)

            let declaration = try await app.send(.GET, "/api/v1/declarations/\(id)").object
            #expect(declaration["status"] as? String == "released")
            #expect((declaration["history"] as? [[String: Any]] ?? []).compactMap { $0["status"] as? String } == ["submitted", "at-lane", "released"])

            let feed = try await app.send(.GET, "/api/v1/decisions?limit=5")
            let items = feed.object["items"] as? [[String: Any]] ?? []
            #expect(items.count == 1)
            #expect(items.first?["outcome"] as? String == "release")
            #expect(items.first?["laneId"] as? String == "kim-thanh-out-1")
            #expect(items.first?["plate"] as? String == "24C12345")
            #expect(items.first?["declarationId"] as? String == id)

            let metrics = try await app.send(.GET, "/metrics").text
            #expect(metrics.contains(#"smartgate_decisions_total{outcome="release"} 1"#))
            #expect(metrics.contains("smartgate_decision_latency_seconds_count 1"))
        }
    }

    @Test("mismatches refer or reject, and move the declaration", arguments: TestDatabase.available, [
        ("overweight", 36_000, "refer", "WEIGHT_MISMATCH", "referred"),
        ("tampered", 33_600, "reject", "SEAL_TAMPERED", "rejected"),
    ])
    func mismatches(_ database: TestDatabase, _ scenario: (String, Int, String, String, String)) async throws {
        let (name, weight, outcome, code, status) = scenario
        try await withSmartGate(database) { app in
            let id = try #require(try await app.send(.POST, "/api/v1/declarations", json: Fixture.declaration()).object["id"] as? String)
            var readings = Self.cleanTruck(prefix: name, weight: weight)
            if name == "tampered" { readings[3] = Fixture.reading("rfid-1", "\(name)-4", "seal", #""seal":"VNLC0000123","intact":false"#) }
            let decision = try await Self.drive(app, readings)["decision"] as? [String: Any] ?? [:]
            #expect(decision["outcome"] as? String == outcome)
            #expect((decision["reasons"] as? [[String: Any]] ?? []).contains { $0["code"] as? String == code })
            #expect(try await app.send(.GET, "/api/v1/declarations/\(id)").object["status"] as? String == status)
        }
    }

    @Test("an undeclared vehicle is referred, never released", arguments: TestDatabase.available)
    func undeclared(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            let decision = try await Self.drive(app, Self.cleanTruck(prefix: "u"))["decision"] as? [String: Any] ?? [:]
            #expect(decision["outcome"] as? String == "refer")
            #expect(decision["declarationId"] is NSNull)
            #expect((decision["reasons"] as? [[String: Any]])?.first?["code"] as? String == "VEHICLE_UNDECLARED")
        }
    }

    @Test("a retried event answers the first answer and is stored once", arguments: TestDatabase.available)
    func idempotentReadings(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            _ = try await app.send(.POST, "/api/v1/declarations", json: Fixture.declaration())
            let plate = Self.cleanTruck(prefix: "r")[0]
            let first = try await app.send(.POST, "/api/v1/lanes/kim-thanh-out-1/readings", json: plate)
            let again = try await app.send(.POST, "/api/v1/lanes/kim-thanh-out-1/readings", json: plate)
            #expect(first.status == .ok)
            #expect(first.text == again.text)
            #expect(try await LaneReadingModel.query(on: app.db).count() == 1)
            #expect(try await PassageModel.query(on: app.db).count() == 1)

            let changed = plate.replacingOccurrences(of: "0.97", with: "0.99")
            let conflict = try await app.send(.POST, "/api/v1/lanes/kim-thanh-out-1/readings", json: changed)
            #expect(conflict.status == .conflict)
            #expect(try await LaneReadingModel.query(on: app.db).count() == 1)
        }
    }

    @Test("the next vehicle's plate closes the decided passage and opens a new one", arguments: TestDatabase.available)
    func nextVehicle(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            _ = try await app.send(.POST, "/api/v1/declarations", json: Fixture.declaration())
            let first = try await Self.drive(app, Self.cleanTruck(prefix: "a"))
            let next = try await Self.drive(app, [Fixture.reading("anpr-1", "b-1", "plate", #""plate":"24C99999","confidence":0.97"#)])
            #expect(next["id"] as? String != first["id"] as? String)
            #expect(next["state"] as? String == "open")
            let states = try await PassageModel.query(on: app.db).all().map(\.state).sorted()
            #expect(states == ["closed", "open"])
        }
    }

    @Test("concurrent readings from many devices are each stored exactly once", arguments: TestDatabase.available)
    func concurrentIngest(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            let lanes = ["kim-thanh-out-1", "kim-thanh-out-2", "kim-thanh-in-1", "kim-thanh-in-2", "kim-thanh-in-3"]
            let observed = stamp()  // one instant for both copies of an event: a retry is the same reading
            try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for (index, lane) in lanes.enumerated() {
                    for event in 0..<20 {
                        // Every event twice, racing itself: the retry must not be stored twice.
                        for _ in 0..<2 {
                            let body = Fixture.reading("scale-\(index)", "ev-\(event)", "weight", #""grossKg":\#(30_000 + event)"#, at: observed)
                            group.addTask { try await app.send(.POST, "/api/v1/lanes/\(lane)/readings", json: body).status }
                        }
                    }
                }
                for try await status in group { #expect(status == .ok) }
            }
            #expect(try await LaneReadingModel.query(on: app.db).count() == 100)
            // One passage per lane: concurrent readings never opened a second one.
            #expect(try await PassageModel.query(on: app.db).count() == 5)
        }
    }
}

@Suite("Lane state survives restarts and works without the in-memory cache")
struct LaneStateTests {
    @Test("with SMARTGATE_LANE_CACHE=off every reading reloads its lane, with the same outcome", arguments: TestDatabase.available)
    func cacheOff(_ database: TestDatabase) async throws {
        try await withSmartGate(database, settings: { $0.laneStateCache = false }) { app in
            _ = try await app.send(.POST, "/api/v1/declarations", json: Fixture.declaration())
            let readings = LanesAPITests.cleanTruck(prefix: "off")
            let passage = try await LanesAPITests.drive(app, readings)
            #expect((passage["decision"] as? [String: Any])?["outcome"] as? String == "release")
            let retried = try await app.send(.POST, "/api/v1/lanes/kim-thanh-out-1/readings", json: readings[5])
            #expect((retried.object["passage"] as? [String: Any])?["state"] as? String == "decided")
            #expect(try await LaneReadingModel.query(on: app.db).count() == 6)
        }
    }

    @Test("a passage half read before a restart is decided after it from the stored readings")
    func restart() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("smartgate-restart-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let settings = ServerSettings(database: .sqliteFile(path: path))
        let readings = LanesAPITests.cleanTruck(prefix: "restart")
        try await withApp(configure: { app in
            try await configure(app, settings: settings)
            try await app.autoMigrate()
            try await TestCallers.seed(app)
        }) { app in
            _ = try await app.send(.POST, "/api/v1/declarations", json: Fixture.declaration())
            try await LanesAPITests.drive(app, Array(readings.prefix(3)))
        }
        try await withApp(configure: { app in
            try await configure(app, settings: settings)
            try await app.autoMigrate()
            try await TestCallers.seed(app)
        }) { app in
            let passage = try await LanesAPITests.drive(app, Array(readings.dropFirst(3)))
            let decision = passage["decision"] as? [String: Any] ?? [:]
            #expect(decision["outcome"] as? String == "release", "\(decision)")
            #expect((decision["readings"] as? [Any])?.count == 6)
        }
    }
}

@Suite("Passages that end without a decision, crossing, several trips")
struct PassageEndingTests {
    @Test("a vehicle that leaves before ready is referred, never left at the lane", arguments: TestDatabase.available)
    func passedBeforeReady(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            let id = try #require(try await app.send(.POST, "/api/v1/declarations", json: Fixture.declaration()).object["id"] as? String)
            let readings = LanesAPITests.cleanTruck(prefix: "left")
            try await LanesAPITests.drive(app, [readings[0], Fixture.reading("loop-1", "left-x", "passed")])
            #expect(try await app.send(.GET, "/api/v1/declarations/\(id)").object["status"] as? String == "referred")
            let feed = try await app.send(.GET, "/api/v1/decisions").object["items"] as? [[String: Any]] ?? []
            #expect(feed.first?["outcome"] as? String == "refer")
            #expect((feed.first?["reasons"] as? [[String: Any]])?.first?["code"] as? String == "PASSAGE_UNDECIDED")
        }
    }

    @Test("an idle passage is abandoned and its trip referred", arguments: TestDatabase.available)
    func abandoned(_ database: TestDatabase) async throws {
        let clock = ManualClock()
        try await withSmartGate(database, settings: { $0.passageIdleTimeout = 90; $0.clock = clock.server }) { app in
            let id = try #require(try await app.send(.POST, "/api/v1/declarations", json: Fixture.declaration()).object["id"] as? String)
            try await LanesAPITests.drive(app, [LanesAPITests.cleanTruck(prefix: "idle")[0]])
            clock.advance(by: 91)  // past the idle limit, within the readings' allowed clock skew
            let next = try await LanesAPITests.drive(app, [Fixture.reading("anpr-1", "idle-next", "plate", #""plate":"24C99999","confidence":0.97"#)])
            #expect(next["state"] as? String == "open")
            #expect(try await app.send(.GET, "/api/v1/declarations/\(id)").object["status"] as? String == "referred")
            #expect(try await PassageModel.query(on: app.db).all().map(\.state).sorted() == ["abandoned", "open"])
        }
    }

    @Test("passed after a release marks the trip crossed and closes the passage", arguments: TestDatabase.available)
    func crossed(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            let id = try #require(try await app.send(.POST, "/api/v1/declarations", json: Fixture.declaration()).object["id"] as? String)
            try await LanesAPITests.drive(app, LanesAPITests.cleanTruck(prefix: "x"))
            let closed = try await LanesAPITests.drive(app, [Fixture.reading("loop-1", "x-7", "passed")])
            #expect(closed["state"] as? String == "closed")
            let history = try await app.send(.GET, "/api/v1/declarations/\(id)").object["history"] as? [[String: Any]] ?? []
            #expect(history.compactMap { $0["status"] as? String } == ["submitted", "at-lane", "released", "crossed"])
        }
    }

    @Test("of one vehicle's two trips, the one for this lane and time is matched", arguments: TestDatabase.available)
    func twoTrips(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            let today = try #require(try await app.send(.POST, "/api/v1/declarations", json: Fixture.declaration()).object["id"] as? String)
            let later = try #require(try await app.send(.POST, "/api/v1/declarations", json: Fixture.declaration(plannedArrival: stamp(5 * 86_400))).object["id"] as? String)
            let decision = try await LanesAPITests.drive(app, LanesAPITests.cleanTruck(prefix: "two"))["decision"] as? [String: Any] ?? [:]
            #expect(decision["outcome"] as? String == "release", "\(decision)")
            #expect(decision["declarationId"] as? String == today)
            #expect(try await app.send(.GET, "/api/v1/declarations/\(later)").object["status"] as? String == "submitted")
        }
    }

    @Test("ready as a passage's first reading stores its decision link, cache or not", arguments: [true, false])
    func readyFirst(_ cache: Bool) async throws {
        try await withSmartGate(.sqlite, settings: { $0.laneStateCache = cache }) { app in
            let passage = try await LanesAPITests.drive(app, [Fixture.reading("loop-1", "rf-1", "ready")])
            #expect((passage["decision"] as? [String: Any])?["outcome"] as? String == "refer")
            let stored = try #require(try await PassageModel.query(on: app.db).first())
            #expect(stored.decisionId != nil)
            #expect(stored.state == "decided")
        }
    }
}
