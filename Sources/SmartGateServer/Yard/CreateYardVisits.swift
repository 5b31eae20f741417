import Fluent
import SQLKit

/// Trucks in the waiting yards: from the entry camera's read to the exit's, with their
/// place in the queue and their calls forward.
struct CreateYardVisits: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(YardVisitModel.schema)
            .id()
            .field("gate_id", .string, .required)
            .field("direction", .string, .required)
            .field("plate", .string, .required)
            .field("plate_key", .string, .required)
            .field("booking_id", .uuid)
            .field("declaration_id", .uuid)
            .field("priority", .bool, .required)
            .field("slot_start_ms", .int64)
            .field("standing", .string, .required)
            .field("moved_back", .bool, .required)
            .field("missed_calls", .int, .required)
            .field("state", .string, .required)
            .field("entered_ms", .int64, .required)
            .field("entry_device", .uuid, .required)
            .field("entry_event", .string, .required)
            .field("left_ms", .int64)
            .field("exit_device", .uuid)
            .field("exit_event", .string)
            .field("called_lane", .string)
            .field("called_ms", .int64)
            .field("deadline_ms", .int64)
            .unique(on: "entry_device", "entry_event")
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "yard_visits_queue").on(YardVisitModel.schema).column("gate_id").column("state").run()
        try await sql.create(index: "yard_visits_plate").on(YardVisitModel.schema).column("plate_key").column("state").run()
        try await sql.create(index: "yard_visits_entered").on(YardVisitModel.schema).column("gate_id").column("entered_ms").run()
        try await sql.create(index: "yard_visits_exit").on(YardVisitModel.schema).column("exit_device").column("exit_event").run()
        try await sql.create(index: "yard_visits_declaration").on(YardVisitModel.schema).column("declaration_id").run()
        // Waits are measured to the lane's decision of the same declaration.
        try await sql.create(index: "lane_decisions_declaration").on("lane_decisions").column("declaration_id").run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).drop(index: "lane_decisions_declaration").run()
        try await database.schema(YardVisitModel.schema).delete()
    }
}
