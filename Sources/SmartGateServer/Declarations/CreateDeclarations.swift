import Fluent
import SQLKit

/// Trip declarations, with the indexes lanes and lists need.
struct CreateDeclarations: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(DeclarationModel.schema)
            .id()
            .field("status", .string, .required)
            .field("channel", .string, .required)
            .field("version", .int, .required)
            .field("gate_id", .string, .required, .references(GateModel.schema, "id"))
            .field("direction", .string, .required)
            .field("declarant_code", .string, .required)
            .field("plate", .string, .required)
            .field("plate_key", .string, .required)
            .field("planned_arrival_ms", .int64, .required)
            .field("body", .string, .required)
            .field("created_ms", .int64, .required)
            .field("updated_ms", .int64, .required)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "declarations_plate_key_status").on(DeclarationModel.schema).column("plate_key").column("status").run()
        try await sql.create(index: "declarations_created").on(DeclarationModel.schema).column("created_ms").column("id").run()
        try await sql.create(index: "declarations_plate").on(DeclarationModel.schema).column("plate").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(DeclarationModel.schema).delete()
    }
}
