import Fluent

/// The peers' audit chain heads, as received, for `smartgate audit verify-peer`.
struct CreatePeerAnchors: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("peer_anchors")
            .field("id", .int, .identifier(auto: true))
            .field("peer_id", .string, .required)
            .field("message_id", .uuid, .required)
            .field("seq", .int64, .required)
            .field("hash", .string, .required)
            .field("at_ms", .int64, .required)
            .field("previous_seq", .int64, .required)
            .field("previous_hash", .string, .required)
            .field("received_ms", .int64, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("peer_anchors").delete()
    }
}
