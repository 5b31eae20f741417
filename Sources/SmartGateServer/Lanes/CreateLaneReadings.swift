import Fluent
import SQLKit

struct CreateLaneReadings: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(LaneReadingModel.schema)
            .field("id", .int64, .identifier(auto: true))
            .field("lane_id", .string, .required, .references(LaneModel.schema, "id"))
            .field("passage_id", .uuid, .required, .references(PassageModel.schema, "id"))
            .field("device_id", .string, .required)
            .field("event_id", .string, .required)
            .field("kind", .string, .required)
            .field("text", .string)
            .field("confidence", .double)
            .field("intact", .bool)
            .field("gross_kg", .double)
            .field("observed_ms", .int64, .required)
            .field("received_ms", .int64, .required)
            .field("request_hash", .string, .required)
            .field("response", .string, .required)
            .unique(on: "device_id", "event_id")
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "lane_readings_passage").on(LaneReadingModel.schema).column("passage_id").column("id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(LaneReadingModel.schema).delete()
    }
}
