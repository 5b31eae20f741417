import Fluent
import SQLKit

/// Bookings: one slot for one declaration. The partial unique indexes hold "one live
/// booking per declaration, per plate and per driver per day" even across instances.
struct CreateSlotBookings: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(BookingModel.schema)
            .id()
            .field("declaration_id", .uuid, .required, .references(DeclarationModel.schema, "id"))
            .field("declarant_code", .string, .required)
            .field("plate", .string, .required)
            .field("driver", .string, .required)
            .field("gate_id", .string, .required)
            .field("direction", .string, .required)
            .field("slot_id", .string, .required)
            .field("slot_start_ms", .int64, .required)
            .field("slot_end_ms", .int64, .required)
            .field("day", .string, .required)
            .field("priority", .bool, .required)
            .field("state", .string, .required)
            .field("moves", .int, .required)
            .field("moves_day", .string, .required)
            .field("moves_today", .int, .required)
            .field("version", .int, .required)
            .field("created_ms", .int64, .required)
            .field("updated_ms", .int64, .required)
            .field("ended_reason", .string)
            .create()
        let sql = database as! any SQLDatabase
        let live = "state IN ('booked', 'in-yard')"
        try await sql.raw("CREATE UNIQUE INDEX slot_bookings_declaration_live ON slot_bookings (declaration_id) WHERE \(unsafeRaw: live)").run()
        try await sql.raw("CREATE UNIQUE INDEX slot_bookings_plate_live ON slot_bookings (plate, day) WHERE \(unsafeRaw: live)").run()
        try await sql.raw("CREATE UNIQUE INDEX slot_bookings_driver_live ON slot_bookings (driver, day) WHERE \(unsafeRaw: live)").run()
        try await sql.create(index: "slot_bookings_declaration").on(BookingModel.schema).column("declaration_id").run()
        try await sql.create(index: "slot_bookings_declarant").on(BookingModel.schema).column("declarant_code").column("created_ms").column("id").run()
        try await sql.create(index: "slot_bookings_gate").on(BookingModel.schema).column("gate_id").column("created_ms").column("id").run()
        try await sql.create(index: "slot_bookings_slot").on(BookingModel.schema).column("slot_id").column("state").run()
        try await sql.create(index: "slot_bookings_due").on(BookingModel.schema).column("state").column("slot_end_ms").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(BookingModel.schema).delete()
    }
}
