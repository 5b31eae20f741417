import Fluent
import Foundation
import GateKit
import Vapor

/// The demo's customs side: a risk model trained on a synthetic history (unless one is
/// configured), a few rules an officer would set, and an officer who works the queue.
enum DemoRisk {
    static let historyTrips = 20_000

    /// Puts a model in service and creates the demo rules (once per database).
    static func prepare(_ app: Application, seed: UInt64) async throws {
        let context = app.smartGate
        if context.selectivity.models.model == nil {
            let rows = SyntheticRiskHistory(count: historyTrips, seed: seed).rows()
            var settings = BoostedRiskTrees.Settings()
            settings.rounds = 60  // enough for the demo; `smartgate risk train` uses 200
            let model = try RiskModel.train(cases: rows.map(\.riskCase), labels: rows.map(\.discrepancy), trees: settings, at: Date())
            context.selectivity.models.use(model, path: "trained by the demo on \(historyTrips) synthetic trips (seed \(seed))")
            app.logger.notice("demo: risk model \(model.version) trained on \(historyTrips) synthetic trips")
        }
        let rules: [(String, String)] = [
            ("Fresh fruit without phytosanitary certificate", #"""
                {"name":"Fresh fruit without phytosanitary certificate","reason":"Plant products need a phytosanitary certificate; physical inspection with quarantine.",
                 "minChannel":"red","criteria":{"hsCodes":["07","08"],"missingDocuments":["phytosanitaryCertificate"]}}
                """#),
            ("Random document check", #"""
                {"name":"Random document check","reason":"Random sampling keeps every pattern checked and the model's outcomes unbiased.",
                 "minChannel":"yellow","criteria":{},"sampleRate":0.04}
                """#),
            ("Undervalued goods", #"""
                {"name":"Undervalued goods","reason":"Declared value per kg below half the norm for the HS heading.",
                 "minChannel":"yellow","criteria":{"maxValueVsNorm":0.5}}
                """#),
        ]
        let gates = try await context.gates.snapshot(on: app.db).gateIds
        let audit = context.audit
        for (name, json) in rules {
            guard try await RiskRuleModel.query(on: app.db).filter(\.$name == name).filter(\.$retiredMs == nil).first() == nil else { continue }
            let rule = try RiskRule.parse(try JSONValue.parse(Data(json.utf8)), knownGates: gates)
            _ = try await context.commits.perform { db in
                try await RiskRuleModel.create(rule, by: "demo", at: Date(), audit: audit, on: db)
            }
        }
    }
}
