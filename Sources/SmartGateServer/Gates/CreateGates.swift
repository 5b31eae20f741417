import Fluent

/// Gates and their lanes: reference data for every other table.
struct CreateGates: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(GateModel.schema)
            .field("id", .string, .identifier(auto: false))
            .field("name_en", .string, .required)
            .field("name_vi", .string, .required)
            .field("name_zh", .string, .required)
            .field("mode", .string, .required)
            .field("time_zone", .string, .required)
            .field("counterpart", .string, .required)
            .create()
        try await database.schema(LaneModel.schema)
            .field("id", .string, .identifier(auto: false))
            .field("gate_id", .string, .required, .references(GateModel.schema, "id"))
            .field("direction", .string, .required)
            .field("position", .int, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(LaneModel.schema).delete()
        try await database.schema(GateModel.schema).delete()
    }
}
