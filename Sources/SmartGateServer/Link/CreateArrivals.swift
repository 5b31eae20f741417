import Fluent
import SQLKit

/// Expected arrivals: a peer's manifest becomes a declaration of this side (matched at the
/// lane like any other) and a row here tying it to the sender's trip; a hold from the
/// sender is kept on the declaration, where the lane reads it.
struct CreateArrivals: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("arrivals")
            .field("id", .uuid, .identifier(auto: false))
            .field("peer_id", .string, .required)
            .field("sender_declaration_id", .uuid, .required)
            .field("manifest_version", .int, .required)
            .field("gate_id", .string, .required)
            .field("state", .string, .required)
            .field("hold_reason", .string)
            .field("created_ms", .int64, .required)
            .field("updated_ms", .int64, .required)
            .unique(on: "peer_id", "sender_declaration_id")
            .create()
        try await database.schema(DeclarationModel.schema).field("link_hold", .string).update()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "arrivals_gate").on("arrivals").column("gate_id").column("created_ms").column("id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(DeclarationModel.schema).deleteField("link_hold").update()
        try await database.schema("arrivals").delete()
    }
}
