import Fluent
import SQLKit

/// The timestamped history of every declaration's status.
struct CreateDeclarationTransitions: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(DeclarationTransitionModel.schema)
            .field("id", .int64, .identifier(auto: true))
            .field("declaration_id", .uuid, .required, .references(DeclarationModel.schema, "id"))
            .field("from_status", .string)
            .field("to_status", .string, .required)
            .field("at_ms", .int64, .required)
            .field("actor", .string, .required)
            .field("reason", .string)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "declaration_transitions_declaration")
            .on(DeclarationTransitionModel.schema).column("declaration_id").column("id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(DeclarationTransitionModel.schema).delete()
    }
}
