import Fluent

/// Booking calendars, one per gate and direction; the document is the API's own form.
struct CreateSlotCalendars: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("slot_calendars")
            .field("id", .int64, .identifier(auto: true))
            .field("gate_id", .string, .required)
            .field("direction", .string, .required)
            .field("document", .string, .required)
            .field("version", .int, .required)
            .field("updated_ms", .int64, .required)
            .field("updated_by", .string, .required)
            .unique(on: "gate_id", "direction")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("slot_calendars").delete()
    }
}
