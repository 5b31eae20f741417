import Fluent
import SQLKit

struct CreateLaneDecisions: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(LaneDecisionModel.schema)
            .field("id", .int64, .identifier(auto: true))
            .field("passage_id", .uuid, .required, .references(PassageModel.schema, "id"))
            .field("lane_id", .string, .required)
            .field("gate_id", .string, .required)
            .field("plate", .string)
            .field("declaration_id", .uuid)
            .field("outcome", .string, .required)
            .field("reasons", .string, .required)
            .field("readings", .string, .required)
            .field("decided_ms", .int64, .required)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "lane_decisions_gate").on(LaneDecisionModel.schema).column("gate_id").column("id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(LaneDecisionModel.schema).delete()
    }
}
