import Fluent

/// Where the commit queue's batches run: one transaction around each batch.
protocol WriteTransactions: Sendable {
    /// Runs `body` in one transaction, committed when it returns and rolled back when it throws.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T
}

/// A batch's transaction through Fluent's pool: on PostgreSQL, and in tests that hand the
/// queue a database of their own. (An SQLite file has `DirectSQLiteWriter`.)
struct FluentWriteTransactions: WriteTransactions {
    /// Called once per batch.
    let database: @Sendable () -> any Database

    func transaction<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        try await database().transaction(body)
    }
}
