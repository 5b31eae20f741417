import Fluent
import SQLKit

/// The officers' queues: one inspection per referred declaration.
struct CreateInspections: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(InspectionModel.schema)
            .id()
            .field("declaration_id", .uuid, .required, .references(DeclarationModel.schema, "id"))
            .field("gate_id", .string, .required)
            .field("declarant_code", .string, .required)
            .field("plate", .string, .required)
            .field("channel", .string, .required)
            .field("quarantine", .bool, .required)
            .field("status", .string, .required)
            .field("lane_reasons", .string, .required)
            .field("assigned_to", .uuid)
            .field("queued_ms", .int64, .required)
            .field("assigned_ms", .int64)
            .field("decided_ms", .int64)
            .field("outcome", .string)
            .field("report", .string)
            .field("decided_by", .string)
            .unique(on: "declaration_id")
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "inspections_gate_status").on(InspectionModel.schema).column("gate_id").column("status").run()
        try await sql.create(index: "inspections_declarant").on(InspectionModel.schema).column("declarant_code").run()
        try await sql.create(index: "inspections_queued").on(InspectionModel.schema).column("queued_ms").column("id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(InspectionModel.schema).delete()
    }
}
