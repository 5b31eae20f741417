import Fluent
import Foundation
import GateKit
import SQLKit

/// Risk selectivity on the server: gathers what the pure assessment needs (the
/// declarant's record, the rules in force, the model, the sampling secret) and stores
/// the verdict on the declaration.
struct Selectivity: Sendable {
    let models: RiskModelStore
    let sampling: RandomSampling?

    /// What customs' records say of a declarant before `before` (ms; nil: now).
    static func history(of declarant: String, before createdMs: Int64?, on db: any Database) async throws -> DeclarantHistory {
        let trips = DeclarationModel.query(on: db).filter(\.$declarantCode == declarant)
        if let createdMs { trips.filter(\.$createdMs < createdMs) }
        let discrepancies = try await InspectionModel.query(on: db)
            .filter(\.$declarantCode == declarant)
            .filter(\.$outcome ~~ InspectionOutcome.allCases.filter(\.isDiscrepancy).map(\.rawValue))
            .count()
        return DeclarantHistory(priorTrips: try await trips.count(), priorDiscrepancies: discrepancies)
    }

    /// The rules not retired (validity is checked at assessment time).
    static func rules(on db: any Database) async throws -> [StoredRiskRule] {
        try await RiskRuleModel.query(on: db).filter(\.$retiredMs == nil).sort(\.$createdMs).all().map {
            StoredRiskRule(id: try $0.requireID(), rule: try $0.rule())
        }
    }

    /// The verdict for a trip; the channel is never below the configured floor.
    func assess(
        _ trip: TripDeclaration, id: UUID, history: DeclarantHistory, floor: GateKit.Channel, at now: Date, on db: any Database
    ) async throws -> RiskDecision {
        var decision = RiskSelectivity.assess(
            RiskCase(trip, history: history), declarationId: id, rules: try await Self.rules(on: db), model: models.model,
            sampling: sampling, at: now)
        decision.channel = max(decision.channel, floor)
        return decision
    }
}

/// A declaration's risk as customs sees it (CONTRACTS §1: never shown to the declarant).
struct RiskView: Codable, Sendable, Equatable {
    var score: Double?
    var modelVersion: String?
    var reasons: [RiskReason]
}

extension DeclarationModel {
    /// Stores the verdict and the declarant record it was based on.
    func apply(_ decision: RiskDecision, history: DeclarantHistory) throws {
        channel = decision.channel.rawValue
        riskScore = decision.score.map { ($0 * 1_000_000).rounded() / 1_000_000 }
        modelVersion = decision.modelVersion
        riskReasons = String(decoding: try WireJSON.encode(decision.reasons), as: UTF8.self)
        priorTrips = history.priorTrips
        priorDiscrepancies = history.priorDiscrepancies
    }

    var riskView: RiskView {
        let reasons = riskReasons.flatMap { try? WireJSON.decoder().decode([RiskReason].self, from: Data($0.utf8)) } ?? []
        return RiskView(score: riskScore, modelVersion: modelVersion, reasons: reasons)
    }

    /// What the audit entry of a scored declaration records: channel, score, model and reasons.
    var riskAuditLine: String {
        "channel \(channel) score \(riskScore.map { String($0) } ?? "none") model \(modelVersion ?? "none") reasons \(riskReasons ?? "[]")"
    }
}
