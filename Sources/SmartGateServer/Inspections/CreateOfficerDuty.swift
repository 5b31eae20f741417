import Fluent

/// Who is on duty where: an officer is on duty at one gate at a time.
struct CreateOfficerDuty: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(OfficerDutyModel.schema)
            .field("user_id", .uuid, .identifier(auto: false))
            .field("gate_id", .string, .required)
            .field("role", .string, .required)
            .field("since_ms", .int64, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(OfficerDutyModel.schema).delete()
    }
}
