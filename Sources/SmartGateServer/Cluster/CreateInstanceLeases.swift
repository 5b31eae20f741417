import Fluent

/// Who holds each background role, and since when (see `Leases`): the advisory lock is
/// the lease, this row its record, read by `/health` and by the fence of the work itself.
struct CreateInstanceLeases: AsyncMigration {
    static let table = "instance_leases"

    func prepare(on database: any Database) async throws {
        try await database.schema(Self.table)
            .field("role", .string, .identifier(auto: false))
            .field("holder", .string, .required)
            .field("run", .string, .required)
            .field("term", .int64, .required)
            .field("acquired_ms", .int64, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Self.table).delete()
    }
}
