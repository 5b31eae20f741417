import Fluent
import Foundation
import GateKit

/// A stored selectivity rule: the validated rule as JSON, and the gates it applies at as
/// `,kim-thanh,ban-vuoc,` (empty between the commas for every gate) so lists can filter.
final class RiskRuleModel: Model, @unchecked Sendable {
    static let schema = "risk_rules"

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    @Field(key: "gates") var gates: String
    @Field(key: "body") var body: String
    @Field(key: "version") var version: Int
    @Field(key: "created_by") var createdBy: String
    @Field(key: "created_ms") var createdMs: Int64
    @Field(key: "updated_ms") var updatedMs: Int64
    @OptionalField(key: "retired_ms") var retiredMs: Int64?

    init() {}

    func rule() throws -> RiskRule {
        try WireJSON.decoder().decode(RiskRule.self, from: Data(body.utf8))
    }

    func apply(_ rule: RiskRule) throws {
        name = rule.name
        gates = "," + rule.gates.joined(separator: ",") + ","
        body = String(decoding: try WireJSON.encode(rule), as: UTF8.self)
    }

    /// Stores a new rule and chains `rule.created` in the same transaction.
    static func create(_ rule: RiskRule, by actor: String, at now: Date, audit: AuditTrail, on db: any Database) async throws -> RiskRuleModel {
        let model = RiskRuleModel()
        model.id = UUID()
        model.version = 1
        model.createdBy = actor
        model.createdMs = now.milliseconds
        model.updatedMs = now.milliseconds
        try model.apply(rule)
        try await model.create(on: db)
        try await audit.append(
            actor: actor, action: "rule.created", subject: AuditSubject.rule(try model.requireID()).description,
            payload: Data(model.body.utf8), at: now, on: db)
        return model
    }

    func view() throws -> RiskRuleView {
        RiskRuleView(
            id: try requireID(), version: version, rule: try rule(), createdBy: createdBy, createdAt: Date(milliseconds: createdMs),
            updatedAt: Date(milliseconds: updatedMs), retiredAt: retiredMs.map { Date(milliseconds: $0) })
    }
}

/// A rule as the API answers it: the rule's own fields, plus id, version, who created
/// it, when, and whether it is retired.
struct RiskRuleView: Encodable, Sendable {
    var id: UUID
    var version: Int
    var rule: RiskRule
    var createdBy: String
    var createdAt: Date
    var updatedAt: Date
    var retiredAt: Date?

    private enum CodingKeys: String, CodingKey { case id, version, createdBy, createdAt, updatedAt, retiredAt, active }

    func encode(to encoder: any Encoder) throws {
        try rule.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(version, forKey: .version)
        try container.encode(createdBy, forKey: .createdBy)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
        try container.encode(retiredAt, forKey: .retiredAt)
        try container.encode(retiredAt == nil && rule.isValid(at: Date()), forKey: .active)
    }
}
