import Fluent
import Foundation
import GateKit
import Testing
import VaporTesting
@testable import SmartGateServer

/// Rules set channels, the declarant sees only its channel, yellow and red trips land in
/// the gate's queue at the lane, officers work them, and outcomes move the trucks.
@Suite("Risk rules and inspections API")
struct RiskWorkflowAPITests {
    static func create(_ app: Application, rule: String) async throws -> String {
        let created = try await app.send(.POST, "/api/v1/risk/rules", json: rule, as: .role(.customsOfficer))
        #expect(created.status == .created, "\(created.text)")
        return try #require(created.object["id"] as? String)
    }

    @Test("a red rule sends the trip to the queue; the officer on duty gets it, holds it, and the outcome moves the declaration",
          arguments: TestDatabase.available)
    func redToHeld(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            let ruleId = try await Self.create(app, rule: Fixture.rule(channel: "red"))
            let duty = try await app.send(.PUT, "/api/v1/inspections/duty", json: #"{"gate":"kim-thanh","onDuty":true}"#, as: .role(.customsOfficer))
            #expect(duty.status == .ok, "\(duty.text)")

            let submitted = try await app.send(.POST, "/api/v1/declarations", json: Fixture.declaration())
            let id = try #require(submitted.object["id"] as? String)
            // The declarant sees its channel, never the score or reasons.
            #expect(submitted.object["channel"] as? String == "red")
            #expect(submitted.object["risk"] == nil)
            let seenByCustoms = try await app.send(.GET, "/api/v1/declarations/\(id)", as: .role(.customsOfficer)).object
            let risk = try #require(seenByCustoms["risk"] as? [String: Any])
            let reasons = risk["reasons"] as? [[String: Any]] ?? []
            #expect(reasons.first?["code"] as? String == "RULE")
            #expect((reasons.first?["ruleId"] as? String)?.lowercased() == ruleId.lowercased())
            #expect(try await app.send(.GET, "/api/v1/declarations/\(id)", as: .role(.gateOperator)).object["risk"] == nil)

            // A clean truck on a red trip is referred, and queued for the officer on duty.
            let passage = try await LanesAPITests.drive(app, LanesAPITests.cleanTruck(prefix: "r1"))
            #expect((passage["decision"] as? [String: Any])?["outcome"] as? String == "refer")
            let queue = try await app.send(.GET, "/api/v1/inspections?gate=kim-thanh&status=assigned", as: .role(.customsOfficer))
            let items = queue.object["items"] as? [[String: Any]] ?? []
            #expect(items.count == 1, "\(queue.text)")
            let inspection = try #require(items.first)
            let inspectionId = try #require(inspection["id"] as? String)
            #expect(inspection["channel"] as? String == "red")
            #expect(inspection["targetSeconds"] as? Int == 3600)
            #expect((inspection["laneReasons"] as? [String]) == ["CHANNEL_RED"])
            #expect(inspection["quarantine"] as? Bool == true)  // fresh durian

            // Another officer cannot record it; a discrepancy without corrections is refused.
            let other = try await app.send(.POST, "/api/v1/inspections/\(inspectionId)/outcome", json: #"{"outcome":"cleared"}"#, as: .role(.quarantineOfficer))
            #expect(other.status == .conflict)
            let incomplete = try await app.send(.POST, "/api/v1/inspections/\(inspectionId)/outcome", json: #"{"outcome":"discrepancy"}"#, as: .role(.customsOfficer))
            #expect(incomplete.status == .unprocessableEntity)
            #expect(incomplete.problemFields.sorted() == ["corrections", "details"])

            let report = #"{"outcome":"discrepancy","details":"4.5 t more durian than declared","corrections":[{"field":"goods[0].grossKg","declared":"19500","found":"24000"}]}"#
            let outcome = try await app.send(.POST, "/api/v1/inspections/\(inspectionId)/outcome", json: report, as: .role(.customsOfficer))
            #expect(outcome.status == .ok, "\(outcome.text)")
            #expect(outcome.object["status"] as? String == "done")
            // A retry of the same outcome (its answer lost) answers the same again.
            let retry = try await app.send(.POST, "/api/v1/inspections/\(inspectionId)/outcome", json: report, as: .role(.customsOfficer))
            #expect(retry.status == .ok)
            #expect(retry.object["decidedAt"] as? String == outcome.object["decidedAt"] as? String)
            let held = try await app.send(.GET, "/api/v1/declarations/\(id)").object
            #expect(held["status"] as? String == "held")
            let again = try await app.send(.POST, "/api/v1/inspections/\(inspectionId)/outcome", json: #"{"outcome":"cleared"}"#, as: .role(.customsOfficer))
            #expect(again.status == .conflict)

            // The discrepancy is now on the declarant's record: its next trip says so.
            let next = try await app.send(.POST, "/api/v1/declarations", json: Fixture.declaration(plate: "24C-555.66"))
            let nextId = try #require(next.object["id"] as? String)
            let model = try #require(try await DeclarationModel.find(UUID(uuidString: nextId)!, on: app.db))
            #expect(model.priorDiscrepancies == 1)
            #expect(model.priorTrips == 1)

            // The outcome is training data, with the declarant record the score saw.
            let recorded = try await RecordedOutcomes.rows(on: app.db)
            #expect(recorded.map(\.trip) == [id.lowercased()])
            #expect(recorded.first?.discrepancy == true)
            #expect(recorded.first?.riskCase.history == DeclarantHistory(priorTrips: 0, priorDiscrepancies: 0))
            #expect(recorded.first?.riskCase.lines.first?.hsCode == "081060")
        }
    }

    @Test("with nobody on duty the item waits; claim, release and a cleared outcome release the truck", arguments: TestDatabase.available)
    func claimRelease(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            _ = try await Self.create(app, rule: Fixture.rule(channel: "yellow"))
            let id = try #require(try await app.send(.POST, "/api/v1/declarations", json: Fixture.declaration()).object["id"] as? String)
            try await LanesAPITests.drive(app, LanesAPITests.cleanTruck(prefix: "y1"))
            let waiting = try await app.send(.GET, "/api/v1/inspections?status=waiting", as: .role(.quarantineOfficer))
            let inspectionId = try #require((waiting.object["items"] as? [[String: Any]])?.first?["id"] as? String, "\(waiting.text)")
            // Elsewhere it does not exist.
            #expect(try await app.send(.POST, "/api/v1/inspections/\(inspectionId)/claim", as: .elsewhere(.customsOfficer)).status == .notFound)
            #expect((try await app.send(.GET, "/api/v1/inspections", as: .elsewhere(.customsOfficer)).object["items"] as? [Any])?.isEmpty == true)

            let claimed = try await app.send(.POST, "/api/v1/inspections/\(inspectionId)/claim", as: .role(.quarantineOfficer))
            #expect(claimed.object["status"] as? String == "assigned", "\(claimed.text)")
            #expect(claimed.object["risk"] == nil)  // quarantine sees the work, not customs' scores
            #expect(try await app.send(.POST, "/api/v1/inspections/\(inspectionId)/claim", as: .role(.customsOfficer)).status == .conflict)
            // Released while the customs officer is on duty: it goes to them.
            _ = try await app.send(.PUT, "/api/v1/inspections/duty", json: #"{"gate":"kim-thanh","onDuty":true}"#, as: .role(.customsOfficer))
            let released = try await app.send(.POST, "/api/v1/inspections/\(inspectionId)/release", as: .role(.quarantineOfficer))
            #expect(released.object["status"] as? String == "assigned", "\(released.text)")
            #expect(released.object["assignedTo"] as? String != claimed.object["assignedTo"] as? String)

            let cleared = try await app.send(.POST, "/api/v1/inspections/\(inspectionId)/outcome", json: #"{"outcome":"cleared"}"#, as: .role(.customsOfficer))
            #expect(cleared.status == .ok, "\(cleared.text)")
            #expect(try await app.send(.GET, "/api/v1/declarations/\(id)").object["status"] as? String == "released")
            // The truck drives through: the declaration has crossed.
            try await LanesAPITests.drive(app, [Fixture.reading("loop-2", "y1-9", "passed")])
            let history = try await app.send(.GET, "/api/v1/declarations/\(id)").object["history"] as? [[String: Any]] ?? []
            #expect(history.compactMap { $0["status"] as? String } == ["submitted", "at-lane", "referred", "released", "crossed"])
        }
    }

    @Test("a blocked declarant is refused at submission; rules are scoped to the officer's gates", arguments: TestDatabase.available)
    func blockAndScope(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            let block = #"{"name":"Blocked","reason":"Unpaid duty","block":true,"gates":["kim-thanh"],"criteria":{"declarants":["5300100269"]}}"#
            let ruleId = try await Self.create(app, rule: block)
            let refused = try await app.send(.POST, "/api/v1/declarations", json: Fixture.declaration())
            #expect(refused.status == .forbidden)
            #expect(refused.object["type"] as? String == "urn:smartgate:problem:declarant-blocked")
            // Retired, the rule stops applying.
            #expect(try await app.send(.DELETE, "/api/v1/risk/rules/\(ruleId)", as: .role(.customsOfficer)).status == .noContent)
            #expect(try await app.send(.POST, "/api/v1/declarations", json: Fixture.declaration()).status == .created)

            // An officer cannot make a rule for every gate, nor for another gate.
            let everywhere = try await app.send(.POST, "/api/v1/risk/rules", json: Fixture.rule(gates: []), as: .role(.customsOfficer))
            #expect(everywhere.status == .forbidden)
            #expect(try await app.send(.POST, "/api/v1/risk/rules", json: Fixture.rule(gates: []), as: .role(.admin)).status == .created)
            let list = try await app.send(.GET, "/api/v1/risk/rules", as: .elsewhere(.customsOfficer)).object["items"] as? [[String: Any]] ?? []
            #expect(list.count == 1)  // the every-gate rule applies at muong-khuong too; the kim-thanh one is not shown
            let bad = try await app.send(.POST, "/api/v1/risk/rules", json: #"{"name":"","minChannel":"blue","criteria":{"hsCodez":[]}}"#, as: .role(.admin))
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.problemFields.sorted() == ["criteria.hsCodez", "minChannel", "name", "reason"])
        }
    }
}
