import Fluent
import SQLKit

struct CreatePassages: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(PassageModel.schema)
            .id()
            .field("lane_id", .string, .required, .references(LaneModel.schema, "id"))
            .field("state", .string, .required)
            .field("declaration_id", .uuid, .references(DeclarationModel.schema, "id"))
            .field("opened_ms", .int64, .required)
            .field("last_reading_ms", .int64, .required)
            .field("decided_ms", .int64)
            .field("closed_ms", .int64)
            .field("decision_id", .int64)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "passages_lane_state").on(PassageModel.schema).column("lane_id").column("state").run()
        // At most one vehicle in a lane, whoever writes: a second active passage is refused
        // by the database, not just avoided by the single writer.
        try await sql.raw("CREATE UNIQUE INDEX passages_one_active_per_lane ON passages (lane_id) WHERE state IN ('open', 'decided')").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(PassageModel.schema).delete()
    }
}
