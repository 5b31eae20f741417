import Fluent
import SQLKit

/// Which side of the border each gate is on, and the gate it faces: the link addresses a
/// truck's manifest to the paired gate (CONTRACTS §12).
struct AddGateSides: AsyncMigration {
    /// Each Vietnamese gate and the Chinese gate opposite it.
    static let pairs = [
        ("kim-thanh", "beishan"), ("lao-cai-road-1", "hekou-road"), ("lao-cai-rail", "hekou-rail"),
        ("ban-vuoc", "basa"), ("muong-khuong", "qiaotou"),
    ]

    func prepare(on database: any Database) async throws {
        try await database.schema(GateModel.schema)
            .field("side", .string, .required, .sql(.default("VN-LAOCAI")))
            .update()
        try await database.schema(GateModel.schema).field("paired_gate", .string).update()
        let sql = database as! any SQLDatabase
        for (vietnamese, chinese) in Self.pairs {
            try await sql.update(GateModel.schema).set("paired_gate", to: chinese).where("id", .equal, vietnamese).run()
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema(GateModel.schema).deleteField("paired_gate").update()
        try await database.schema(GateModel.schema).deleteField("side").update()
    }
}
