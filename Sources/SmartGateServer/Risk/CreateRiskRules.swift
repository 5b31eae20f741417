import Fluent
import SQLKit

/// Customs' selectivity rules. A retired rule is kept (its id stays in the reasons of
/// the declarations it sent to yellow or red).
struct CreateRiskRules: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(RiskRuleModel.schema)
            .id()
            .field("name", .string, .required)
            .field("gates", .string, .required)
            .field("body", .string, .required)
            .field("version", .int, .required)
            .field("created_by", .string, .required)
            .field("created_ms", .int64, .required)
            .field("updated_ms", .int64, .required)
            .field("retired_ms", .int64)
            .create()
        try await (database as! any SQLDatabase).create(index: "risk_rules_created").on(RiskRuleModel.schema)
            .column("created_ms").column("id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(RiskRuleModel.schema).delete()
    }
}
