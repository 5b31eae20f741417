import Fluent

/// The other side's systems this one exchanges messages with, and their public keys (a
/// rotated-out key stays, with the end of its overlap).
struct CreateLinkPeers: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("link_peers")
            .field("id", .string, .identifier(auto: false))
            .field("url", .string, .required)
            .field("added_ms", .int64, .required)
            .create()
        try await database.schema("link_peer_keys")
            .field("id", .int, .identifier(auto: true))
            .field("peer_id", .string, .required, .references("link_peers", "id", onDelete: .cascade))
            .field("key_id", .string, .required)
            .field("public_key", .string, .required)
            .field("added_ms", .int64, .required)
            .field("accepted_until_ms", .int64)
            .unique(on: "peer_id", "key_id")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("link_peer_keys").delete()
        try await database.schema("link_peers").delete()
    }
}
