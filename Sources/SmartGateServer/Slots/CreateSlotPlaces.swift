import Fluent

/// Places taken per slot, general and priority: the row whose conditional UPDATE makes
/// taking a place atomic on SQLite and PostgreSQL alike (no overbooking under any
/// concurrency, CONTRACTS §11).
struct CreateSlotPlaces: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("slot_places")
            .field("slot_id", .string, .identifier(auto: false))
            .field("gate_id", .string, .required)
            .field("direction", .string, .required)
            .field("start_ms", .int64, .required)
            .field("general", .int, .required)
            .field("priority", .int, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("slot_places").delete()
    }
}
