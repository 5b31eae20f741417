import Fluent
import SQLKit

/// Readings become idempotent by (device key, `deviceId`, `eventId`) instead of
/// (`deviceId`, `eventId`): two lanes' cameras may both call themselves `cam-1`, and a
/// device must never be answered with another device's first reply.
///
/// Neither SQLite nor a portable ALTER can swap a table's unique constraint, so the table
/// is rebuilt: a new one with the new key, the rows copied, the old one dropped, the new
/// one renamed. Readings stored before this migration have no device key (NULL), and
/// NULLs never collide in a unique constraint.
struct RekeyLaneReadingsByDevice: AsyncMigration {
    static let columns = [
        "id", "lane_id", "passage_id", "device_id", "event_id", "kind", "text", "confidence", "intact", "gross_kg",
        "observed_ms", "received_ms", "request_hash", "response",
    ]

    func prepare(on database: any Database) async throws {
        try await rebuild(on: database, keyedByDevice: true)
    }

    func revert(on database: any Database) async throws {
        try await rebuild(on: database, keyedByDevice: false)
    }

    private func rebuild(on database: any Database, keyedByDevice: Bool) async throws {
        let sql = database as! any SQLDatabase
        let staging = LaneReadingModel.schema + "_rekeyed"
        var schema = database.schema(staging)
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
        if keyedByDevice {
            schema = schema.field("device_key_id", .uuid).unique(on: "device_key_id", "device_id", "event_id")
        } else {
            schema = schema.unique(on: "device_id", "event_id")
        }
        try await schema.create()
        let copied = Self.columns.map { SQLIdentifier($0) }
        try await sql.raw("""
            INSERT INTO \(ident: staging) (\(SQLList(copied))) SELECT \(SQLList(copied)) FROM \(ident: LaneReadingModel.schema)
            """).run()
        try await sql.drop(table: LaneReadingModel.schema).run()
        try await sql.raw("ALTER TABLE \(ident: staging) RENAME TO \(ident: LaneReadingModel.schema)").run()
        if sql.dialect.name == "postgresql" {
            // PostgreSQL keeps the identity sequence with the table; only SQLite needs nothing.
            try await sql.raw("""
                SELECT setval(pg_get_serial_sequence('\(unsafeRaw: LaneReadingModel.schema)', 'id'), \
                COALESCE((SELECT MAX(id) FROM \(ident: LaneReadingModel.schema)), 0) + 1, false)
                """).run()
        }
        try await sql.create(index: "lane_readings_passage").on(LaneReadingModel.schema).column("passage_id").column("id").run()
    }
}
