import Fluent
import SQLKit

/// The rate limits' token buckets, shared by every instance on one PostgreSQL (SQLite's
/// one process keeps them in memory).
struct CreateRateBuckets: AsyncMigration {
    static let table = "rate_buckets"

    func prepare(on database: any Database) async throws {
        if let sql = database as? any SQLDatabase, sql.dialect.name == "postgresql" {
            // UNLOGGED: a bucket is taken on every request, and a limit forgotten in a crash
            // costs nothing, so no WAL write, no fsync and no wait for a replica.
            try await sql.raw("""
                CREATE UNLOGGED TABLE \(ident: Self.table) (
                  key TEXT PRIMARY KEY, tokens DOUBLE PRECISION NOT NULL, allowed BOOLEAN NOT NULL, updated_ms BIGINT NOT NULL)
                """).run()
            return
        }
        try await database.schema(Self.table)
            .field("key", .string, .identifier(auto: false))
            .field("tokens", .double, .required)
            .field("allowed", .bool, .required)
            .field("updated_ms", .int64, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Self.table).delete()
    }
}
