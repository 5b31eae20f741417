import Fluent

/// Each declaration keeps its risk verdict (score, model version, reasons) and what was
/// known of its declarant when it was scored, so outcomes can be learned from later with
/// the same inputs the score saw.
struct AddRiskToDeclarations: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(DeclarationModel.schema)
            .field("risk_score", .double)
            .field("model_version", .string)
            .field("risk_reasons", .string)
            .field("prior_trips", .int)
            .field("prior_discrepancies", .int)
            .update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(DeclarationModel.schema)
            .deleteField("risk_score").deleteField("model_version").deleteField("risk_reasons")
            .deleteField("prior_trips").deleteField("prior_discrepancies")
            .update()
    }
}
