@testable import CorridorKit
import Fluent
import Foundation
import GateKit
import NIOConcurrencyHelpers
import NIOWebSocket
import Testing
import VaporTesting
import WebSocketKit
@testable import SmartGateServer

/// The corridor operator orders containers over the bridge, withdraws and pauses; officers
/// at Kim Thành and the board read; bad orders are refused field by field.
@Suite("Corridor API")
struct CorridorAPITests {
    @Test("an order is stored, dispatched, listed, read and withdrawn; a second withdraw is a conflict",
          arguments: TestDatabase.available)
    func orderLifecycle(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            let created = try await app.send(.POST, "/api/v1/corridor/orders", json: Fixture.transportOrder(), as: .role(.corridorOperator))
            #expect(created.status == .created, "\(created.text)")
            let id = try #require(created.object["id"] as? String)
            #expect(created.headers.first(name: .location) == "/api/v1/corridor/orders/\(id)")
            #expect(created.object["state"] as? String == "raw")
            // Stored before the dispatcher took it.
            #expect(try await CorridorOrderModel.find(UUID(uuidString: id), on: app.db) != nil)

            let read = try await app.send(.GET, "/api/v1/corridor/orders/\(id)", as: .role(.customsOfficer))
            #expect(read.status == .ok)
            #expect(["dispatchable", "being-processed"].contains(read.object["state"] as? String ?? ""), "\(read.text)")
            let list = try await app.send(.GET, "/api/v1/corridor/orders?state=being-processed", as: .role(.boardViewer))
            #expect((list.object["items"] as? [[String: Any]])?.count == 1, "\(list.text)")

            let withdrawn = try await app.send(.POST, "/api/v1/corridor/orders/\(id)/withdraw", as: .role(.corridorOperator))
            #expect(withdrawn.status == .ok, "\(withdrawn.text)")
            #expect(withdrawn.object["state"] as? String == "withdrawn")
            let again = try await app.send(.POST, "/api/v1/corridor/orders/\(id)/withdraw", as: .role(.corridorOperator))
            #expect(again.status == .conflict)
            #expect(try await app.send(.POST, "/api/v1/corridor/orders/\(UUID())/withdraw", as: .role(.corridorOperator)).status == .notFound)

            let trail = try await app.send(.GET, "/api/v1/audit?subject=transport-order:\(id.lowercased())", as: .role(.customsOfficer))
            let actions = (trail.object["items"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String }
            #expect(actions.contains("transport-order.created") && actions.contains("transport-order.withdrawn"), "\(trail.text)")
        }
    }

    @Test("a retried order with the same Idempotency-Key is created once", arguments: TestDatabase.available)
    func idempotent(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            let headers: HTTPHeaders = ["Idempotency-Key": "corridor-retry-1"]
            let first = try await app.send(.POST, "/api/v1/corridor/orders", json: Fixture.transportOrder(), headers: headers, as: .role(.corridorOperator))
            let second = try await app.send(.POST, "/api/v1/corridor/orders", json: Fixture.transportOrder(), headers: headers, as: .role(.corridorOperator))
            #expect(first.status == .created && second.status == .created)
            #expect(first.object["id"] as? String == second.object["id"] as? String)
            #expect(try await CorridorOrderModel.query(on: app.db).count() == 1)
        }
    }

    @Test("an order may name what it depends on in any spelling of its id")
    func dependencySpelling() async throws {
        try await withSmartGate(.sqlite) { app in
            let first = try await app.send(.POST, "/api/v1/corridor/orders", json: Fixture.transportOrder(), as: .role(.corridorOperator))
            let id = try #require(first.object["id"] as? String)
            let second = try await app.send(
                .POST, "/api/v1/corridor/orders", json: Fixture.transportOrder(from: "VN-H2", extra: #","dependsOn":["\#(id.lowercased())"]"#),
                as: .role(.corridorOperator))
            #expect(second.status == .created, "\(second.text)")
            #expect(second.object["dependsOn"] as? [String] == [id])
            let secondId = try #require(second.object["id"] as? String)
            let read = try await app.send(.GET, "/api/v1/corridor/orders/\(secondId)", as: .role(.corridorOperator))
            #expect(read.object["state"] as? String == "raw", "\(read.text)")
        }
    }

    @Test("a smart-mode trip released at the lane becomes a transport order for its container", arguments: TestDatabase.available)
    func smartModeRelease(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            let declared = try await app.send(.POST, "/api/v1/declarations", json: Fixture.declaration(crossing: "shuttle"))
            #expect(declared.status == .created, "\(declared.text)")
            #expect(declared.object["crossing"] as? String == "shuttle" || (declared.object["declaration"] as? [String: Any])?["crossing"] as? String == "shuttle",
                    "\(declared.text)")
            #expect(try await CorridorOrderModel.query(on: app.db).count() == 0)
            let passage = try await LanesAPITests.drive(app, LanesAPITests.cleanTruck(prefix: "smart"))
            #expect((passage["decision"] as? [String: Any])?["outcome"] as? String == "release")
            let orders = try await CorridorOrderModel.query(on: app.db).all()
            #expect(orders.count == 1)
            #expect(orders.first?.container == "CSQU3054383" && orders.first?.to == "cn-handover")
            #expect(orders.first?.from.hasPrefix("VN-H") == true)
            let listed = try await app.send(.GET, "/api/v1/corridor/orders", as: .role(.corridorOperator))
            #expect((listed.object["items"] as? [[String: Any]])?.count == 1, "\(listed.text)")
        }
    }

    static let badSmartTrips: [(String, String)] = [
        (Fixture.declaration(direction: "import", crossing: "shuttle"), "crossing.shuttle-export"),
        (Fixture.declaration(gate: "muong-khuong", crossing: "shuttle"), "crossing.shuttle-gate"),
        (Fixture.declaration(crossing: "ferry"), "field.value"),
    ]

    @Test("a smart-mode trip the corridor cannot carry is refused on the crossing field", arguments: badSmartTrips)
    func badSmartTrip(_ row: (String, String)) async throws {
        try await withSmartGate(.sqlite) { app in
            let response = try await app.send(.POST, "/api/v1/declarations", json: row.0)
            #expect(response.status == .unprocessableEntity, "\(response.text)")
            #expect(response.problemFields == ["crossing"], "\(response.text)")
            #expect(response.text.contains(row.1), "\(response.text)")
        }
    }

    static let badOrders: [(String, [String])] = [
        (Fixture.transportOrder(from: "VN-H9"), ["from"]),
        (Fixture.transportOrder(to: "VN-H2"), ["to"]),
        (#"{"container":"CSQU3054384","from":"VN-H1","to":"CN-H1","priority":12,"colour":"red"}"#, ["colour", "container", "priority"]),
        (Fixture.transportOrder(extra: #","deadline":"2001-01-01T00:00:00+07:00""#), ["deadline"]),
        (Fixture.transportOrder(extra: #","dependsOn":["not-an-order"]"#), ["dependsOn[0]"]),
        ("{}", ["container", "from", "to"]),
    ]

    @Test("a bad order gets 422 naming each bad field", arguments: badOrders)
    func badOrder(_ row: (String, [String])) async throws {
        try await withSmartGate(.sqlite) { app in
            let response = try await app.send(.POST, "/api/v1/corridor/orders", json: row.0, as: .role(.corridorOperator))
            #expect(response.status == .unprocessableEntity, "\(response.text)")
            #expect(response.problemFields.sorted() == row.1, "\(response.text)")
        }
    }

    @Test("pause, emergency stop and resume; the fleet list shows the corridor's state")
    func pauseAndResume() async throws {
        try await withSmartGate(.sqlite) { app in
            let vehicles = try await app.send(.GET, "/api/v1/corridor/vehicles", as: .role(.borderGuard))
            #expect(vehicles.status == .ok)
            #expect((vehicles.object["items"] as? [[String: Any]])?.count == 6)
            #expect((vehicles.object["corridor"] as? [String: Any])?["violations"] as? Int == 0)

            let paused = try await app.send(.POST, "/api/v1/corridor/pause", as: .role(.corridorOperator))
            #expect(paused.object["paused"] as? Bool == true && paused.object["emergencyStop"] as? Bool == false)
            let stopped = try await app.send(.POST, "/api/v1/corridor/pause", json: #"{"emergency":true}"#, as: .role(.corridorOperator))
            #expect(stopped.object["emergencyStop"] as? Bool == true)
            let bad = try await app.send(.POST, "/api/v1/corridor/pause", json: #"{"emergency":"yes","now":1}"#, as: .role(.corridorOperator))
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.problemFields.sorted() == ["emergency", "now"])
            let resumed = try await app.send(.POST, "/api/v1/corridor/resume", as: .role(.corridorOperator))
            #expect(resumed.object["paused"] as? Bool == false && resumed.object["emergencyStop"] as? Bool == false)
            // A vehicle's link, asked without a WebSocket upgrade, says how to connect.
            let link = try await app.send(.GET, "/api/v1/corridor/vehicles/SH-02/link", as: .role(.corridorOperator))
            #expect(link.status == .ok && (link.object["vehicle"] as? [String: Any])?["id"] as? String == "SH-02", "\(link.text)")
            #expect(try await app.send(.GET, "/api/v1/corridor/vehicles/SH-99/link", as: .role(.corridorOperator)).status == .notFound)
            // Staff posted at another gate are refused.
            #expect(try await app.send(.GET, "/api/v1/corridor/vehicles", as: .elsewhere(.customsOfficer)).status == .forbidden)
        }
    }

    /// A real shuttle's gateway over a real socket: the server hands its frames to the
    /// controller one at a time, in the order they came.
    @Test("a vehicle's link applies its states in the order they came; a first state away from where the controller holds it is refused, closes the link and takes nothing after it")
    func vehicleLink() async throws {
        try await withSmartGate(.sqlite) { app in
            try await app.server.start(address: .hostname("127.0.0.1", port: 0))
            let port = try #require(app.http.server.shared.localAddress?.port)
            func position(_ vehicle: String) async throws -> String {
                let info = try await app.send(.GET, "/api/v1/corridor/vehicles/\(vehicle)/link", as: .role(.corridorOperator))
                return try #require((info.object["vehicle"] as? [String: Any])?["position"] as? String)
            }
            func frame(at node: String, battery: Double) throws -> String {
                let state = VDA5050.State(
                    headerId: 1, timestamp: WireTime(app.now.timeIntervalSince1970), serialNumber: "SH-02", orderId: "", orderUpdateId: 0,
                    lastNodeId: node, lastNodeSequenceId: 0, distanceSinceLastNode: 0, nodeStates: [], edgeStates: [], driving: false,
                    paused: false, loads: [], actionStates: [], batteryState: VDA5050.BatteryState(batteryCharge: battery, charging: false),
                    errors: [], safetyState: VDA5050.SafetyState(eStop: "NONE", fieldViolation: false))
                return String(decoding: try VDA5050.encode(VehicleLink.Frame(topic: "state", message: state)), as: UTF8.self)
            }
            /// Sends `frames` (then closes, unless the server is to) and answers what came
            /// back before the link closed, and its close code.
            func exchange(_ frames: [String], serverCloses: Bool) async throws -> (replies: [String], code: WebSocketErrorCode?) {
                let replies = NIOLockedValueBox([String]())
                let closed = AsyncStream<WebSocketErrorCode?>.makeStream()
                let opened = NIOLockedValueBox<WebSocket?>(nil)
                try await openVehicleLink(app, port: port) { socket in
                    opened.withLockedValue { $0 = socket }
                    socket.onText { _, text in replies.withLockedValue { $0.append(text) } }
                    socket.onClose.whenComplete { _ in closed.continuation.yield(socket.closeCode) }
                    for frame in frames { socket.send(frame) }
                    if !serverCloses { _ = socket.close(code: .normalClosure) }
                }
                // A server that never closes a link it should have closed fails the test
                // (the client closes after a while) rather than holding it.
                let watchdog = Task {
                    try await Task.sleep(for: .seconds(30))
                    let socket = opened.withLockedValue { $0 }
                    try? await socket?.close(code: .goingAway)
                }
                var code: WebSocketErrorCode?
                for await seen in closed.stream { code = seen; break }
                watchdog.cancel()
                return (replies.withLockedValue { $0 }, code)
            }
            let home = try await position("SH-02")
            let elsewhere = try await position("SH-01")
            #expect(home != elsewhere)

            // Refused as the link's first state, and nothing queued behind it applied: the
            // second (a later state, whose position is not checked) would move the vehicle.
            let refused = try await exchange([try frame(at: elsewhere, battery: 50), try frame(at: elsewhere, battery: 50)], serverCloses: true)
            #expect(refused.code == .policyViolation)
            #expect(refused.replies.count == 1 && refused.replies[0].contains(#""code":"link.refused""#) && refused.replies[0].contains("reports itself at \(elsewhere)"),
                    "\(refused.replies)")

            #expect(try await position("SH-02") == home)
            // Still where the controller held it: a new link's first state there is taken.
            let accepted = try await exchange([try frame(at: home, battery: 37), try frame(at: home, battery: 36)], serverCloses: false)
            #expect(accepted.replies.isEmpty, "\(accepted.replies)")
            try await eventually("the last state's battery is the vehicle's") {
                let fleet = try await app.send(.GET, "/api/v1/corridor/vehicles", as: .role(.corridorOperator))
                let vehicles = try #require(fleet.object["items"] as? [[String: Any]])
                return vehicles.first { $0["id"] as? String == "SH-02" }?["batteryPercent"] as? Double == 36
            }
            await app.server.shutdown()
        }
    }
}
