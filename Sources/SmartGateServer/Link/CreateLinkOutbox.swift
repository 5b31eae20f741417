import Fluent
import SQLKit

/// The transactional outbox: each message written in the transaction of the change it
/// reports, numbered per peer and stream, kept after acknowledgement for the pull and
/// for reconciliation.
struct CreateLinkOutbox: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("link_streams")
            .field("id", .int, .identifier(auto: true))
            .field("peer_id", .string, .required)
            .field("stream", .string, .required)
            .field("last_sequence", .int64, .required)
            .unique(on: "peer_id", "stream")
            .create()
        try await database.schema("link_outbox")
            .field("id", .uuid, .identifier(auto: false))
            .field("peer_id", .string, .required)
            .field("stream", .string, .required)
            .field("sequence", .int64, .required)
            .field("type", .string, .required)
            .field("reference", .string, .required)
            .field("created_ms", .int64, .required)
            .field("envelope", .string, .required)
            .field("digest", .string, .required)
            .field("state", .string, .required)
            .field("attempts", .int, .required)
            .field("next_attempt_ms", .int64, .required)
            .field("last_attempt_ms", .int64)
            .field("acknowledged_ms", .int64)
            .field("receipt", .string)
            .unique(on: "peer_id", "stream", "sequence")
            .create()
        let sql = database as! any SQLDatabase
        // The sender's next batch, read in the order it goes (a sort of the whole queue otherwise).
        try await sql.create(index: "link_outbox_due").on("link_outbox").column("peer_id").column("state").column("created_ms")
            .column("stream").column("sequence").run()
        try await sql.create(index: "link_outbox_created").on("link_outbox").column("peer_id").column("created_ms").run()
        // The status's last sent and last acknowledged, without reading the whole outbox.
        try await sql.create(index: "link_outbox_attempted").on("link_outbox").column("peer_id").column("last_attempt_ms").run()
        try await sql.create(index: "link_outbox_acknowledged").on("link_outbox").column("peer_id").column("acknowledged_ms").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("link_outbox").delete()
        try await database.schema("link_streams").delete()
    }
}
