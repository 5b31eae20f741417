import Fluent

/// Transport orders over the bridge corridor, as accepted and as they progress.
struct CreateCorridorOrders: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(CorridorOrderModel.schema)
            .id()
            .field("container", .string, .required)
            .field("from_location", .string, .required)
            .field("to_location", .string, .required)
            .field("priority", .int, .required)
            .field("deadline_ms", .int64)
            .field("depends_on", .string, .required)
            .field("state", .string, .required)
            .field("vehicle", .string)
            .field("delivered_to", .string)
            .field("loaded_ms", .int64)
            .field("finished_ms", .int64)
            .field("reason", .string)
            .field("created_ms", .int64, .required)
            .field("created_by", .string, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(CorridorOrderModel.schema).delete()
    }
}
