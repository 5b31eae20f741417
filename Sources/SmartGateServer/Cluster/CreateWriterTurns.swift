import Fluent
import SQLKit

/// The writer's last turn (see `WriterTurn`): one row, seeded.
struct CreateWriterTurns: AsyncMigration {
    static let table = "writer_turns"

    func prepare(on database: any Database) async throws {
        try await database.schema(Self.table)
            .field("id", .int, .identifier(auto: false))
            .field("instance", .string)
            .field("turns", .int64, .required)
            .create()
        try await (database as! any SQLDatabase).insert(into: Self.table).columns("id", "turns").values(SQLBind(1), SQLBind(Int64(0))).run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Self.table).delete()
    }
}
