import FluentKit
import NIOConcurrencyHelpers

/// The commit queue's transactions on an SQLite file, run on a connection of its own through
/// the C API (`DirectSQLiteConnection`) instead of through the driver's pool.
///
/// Everything runs on the caller's thread, the commit queue's own (`WriterThread`): the
/// statements in microseconds, `BEGIN IMMEDIATE` waiting for another process's write lock
/// (up to the busy timeout) and `COMMIT` for fsync, which that thread has nothing else to do
/// but wait for. Durability is the driver's: one transaction per batch,
/// `synchronous=FULL`, the caller answered after `COMMIT` returns.
///
/// `IMMEDIATE`: a deferred transaction that reads before it writes cannot wait for another
/// process's write lock (SQLite answers `SQLITE_BUSY` at once, to avoid a deadlock); an
/// immediate one takes the lock first, waiting up to the busy timeout.
final class DirectSQLiteWriter: WriteTransactions {
    private let path: String
    private let busyMilliseconds: Int
    private let context: @Sendable () -> DatabaseContext
    /// The connection and the jobs' view of it, made at the first batch (after the
    /// migrations have made the file's tables); closed when the queue that owns this writer
    /// goes (its last batch holds it until then).
    private let session = NIOLockedValueBox<DirectSQLiteDatabase?>(nil)

    /// - Parameters:
    ///   - path: the database file, already made by the pool (WAL mode set).
    ///   - busyMilliseconds: how long a transaction waits for another process's lock.
    ///   - context: the jobs' database context (the pool's configuration and logger, and
    ///     the writer thread's event loop, so the futures Fluent waits on complete there),
    ///     asked once, at the first batch.
    init(path: String, busyMilliseconds: Int, context: @escaping @Sendable () -> DatabaseContext) {
        self.path = path
        self.busyMilliseconds = busyMilliseconds
        self.context = context
    }

    func transaction<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        let database = try open()
        let connection = database.connection
        try connection.execute("BEGIN IMMEDIATE")
        do {
            let value = try await body(database)
            try connection.execute("COMMIT")
            return value
        } catch {
            // A failed COMMIT may leave the transaction open (SQLITE_BUSY); end it either way.
            try? connection.execute("ROLLBACK")
            throw error
        }
    }

    private func open() throws -> DirectSQLiteDatabase {
        try session.withLockedValue { session in
            if let session { return session }
            let opened = DirectSQLiteDatabase(
                connection: try DirectSQLiteConnection(path: path, busyMilliseconds: busyMilliseconds), context: context())
            session = opened
            return opened
        }
    }
}
