import Fluent
import SQLKit

/// What arrived from peers: every message with its receipt (a repeat is answered with
/// it), how far each stream is applied, and the refusals, kept for inspection.
struct CreateLinkInbox: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("link_inbox")
            .field("id", .uuid, .identifier(auto: false))
            .field("peer_id", .string, .required)
            .field("stream", .string, .required)
            .field("sequence", .int64, .required)
            .field("type", .string, .required)
            .field("reference", .string, .required)
            .field("created_ms", .int64, .required)
            .field("received_ms", .int64, .required)
            .field("envelope", .string, .required)
            .field("digest", .string, .required)
            .field("state", .string, .required)
            .field("reason", .string)
            .field("detail", .string)
            .field("receipt_ms", .int64, .required)
            // One message per place in a stream, whichever instance stores it.
            .unique(on: "peer_id", "stream", "sequence")
            .create()
        try await database.schema("link_inbox_streams")
            .field("id", .int, .identifier(auto: true))
            .field("peer_id", .string, .required)
            .field("stream", .string, .required)
            .field("applied_through", .int64, .required)
            .unique(on: "peer_id", "stream")
            .create()
        try await database.schema("link_refusals")
            .field("id", .int, .identifier(auto: true))
            .field("peer_id", .string)
            .field("message_id", .uuid)
            .field("reason", .string, .required)
            .field("detail", .string, .required)
            .field("received_ms", .int64, .required)
            .field("document", .string, .required)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "link_inbox_waiting").on("link_inbox").column("peer_id").column("stream").column("state").column("sequence").run()
        try await sql.create(index: "link_inbox_created").on("link_inbox").column("peer_id").column("created_ms").run()
        // The courier looks for waiting messages every second: few, among many applied.
        try await sql.create(index: "link_inbox_state").on("link_inbox").column("state").column("peer_id").column("stream").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("link_refusals").delete()
        try await database.schema("link_inbox_streams").delete()
        try await database.schema("link_inbox").delete()
    }
}
