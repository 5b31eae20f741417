import Fluent
import SQLKit

/// The waiting yard before Kim Thành's export lanes: its entry and exit are lanes of their
/// own kind, with plate cameras and device keys like a gate's, but no decision is made
/// there (issue 16). Border lanes keep the kind `border`.
struct AddWaitingYards: AsyncMigration {
    /// (lane, gate, kind, direction): the yards seeded with the gates.
    static let yardLanes = [
        ("kim-thanh-yard-in-1", "kim-thanh", "yard-entry", "outbound"),
        ("kim-thanh-yard-out-1", "kim-thanh", "yard-exit", "outbound"),
    ]

    func prepare(on database: any Database) async throws {
        try await database.schema(LaneModel.schema).field("kind", .string, .required, .sql(.default("border"))).update()
        let sql = database as! any SQLDatabase
        for (index, (lane, gate, kind, direction)) in Self.yardLanes.enumerated() {
            guard try await sql.select().column("id").from(GateModel.schema).where("id", .equal, gate).first() != nil else { continue }
            try await sql.insert(into: LaneModel.schema).columns("id", "gate_id", "direction", "position", "kind")
                .values(SQLBind(lane), SQLBind(gate), SQLBind(direction), SQLBind(100 + index), SQLBind(kind)).run()
        }
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).delete(from: LaneModel.schema).where("kind", .notEqual, "border").run()
        try await database.schema(LaneModel.schema).deleteField("kind").update()
    }
}
