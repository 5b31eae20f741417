import Fluent

/// Each declaration keeps its risk verdict (score, model version, reasons) and what was
/// known of its declarant when it was scored, so outcomes can be learned from later with
/// the same inputs the score saw.
struct AddRiskToDeclarations: AsyncMigration {
    static let columns: [(FieldKey, DatabaseSchema.DataType)] = [
        ("risk_score", .double), ("model_version", .string), ("risk_reasons", .string), ("prior_trips", .int),
        ("prior_discrepancies", .int),
    ]

    // One column per statement: SQLite's ALTER TABLE adds or drops one at a time.
    func prepare(on database: any Database) async throws {
        for (name, type) in Self.columns {
            try await database.schema(DeclarationModel.schema).field(name, type).update()
        }
    }

    func revert(on database: any Database) async throws {
        for (name, _) in Self.columns.reversed() {
            try await database.schema(DeclarationModel.schema).deleteField(name).update()
        }
    }
}
