import FluentKit
import NIOConcurrencyHelpers
import NIOPosix

/// The commit queue's transactions on an SQLite file, run on a connection of its own through
/// the C API (`DirectSQLiteConnection`) instead of through the driver's pool.
///
/// `BEGIN IMMEDIATE` and `COMMIT` run on NIO's blocking-work pool: the first may wait for
/// another process's write lock (up to the busy timeout), the second for fsync, and neither
/// should hold a thread of Swift's cooperative pool. Every statement in between runs on the
/// writer's own task, where it takes microseconds. Durability is the driver's: one
/// transaction per batch, `synchronous=FULL`, the caller answered after `COMMIT` returns.
final class DirectSQLiteWriter: WriteTransactions {
    private let path: String
    private let busyMilliseconds: Int
    private let context: @Sendable () -> DatabaseContext
    private let threadPool: NIOThreadPool
    /// Opened at the first batch (after the migrations have made the file's tables), closed
    /// when the queue that owns this writer goes (its last batch holds it until then).
    private let connection = NIOLockedValueBox<DirectSQLiteConnection?>(nil)

    /// - Parameters:
    ///   - path: the database file, already made by the pool (WAL mode set).
    ///   - busyMilliseconds: how long a transaction waits for another process's lock.
    ///   - context: the pool database's context (configuration, logger, event loop) the
    ///     jobs' Fluent calls read.
    init(path: String, busyMilliseconds: Int, context: @escaping @Sendable () -> DatabaseContext, threadPool: NIOThreadPool = .singleton) {
        self.path = path
        self.busyMilliseconds = busyMilliseconds
        self.context = context
        self.threadPool = threadPool
    }

    func transaction<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        let connection = try await open()
        try await threadPool.runIfActive { try connection.execute("BEGIN IMMEDIATE") }
        do {
            let value = try await body(DirectSQLiteDatabase(connection: connection, context: context()))
            try await threadPool.runIfActive { try connection.execute("COMMIT") }
            return value
        } catch {
            // A failed COMMIT may leave the transaction open (SQLITE_BUSY); end it either way.
            try? await threadPool.runIfActive { try connection.execute("ROLLBACK") }
            throw error
        }
    }

    private func open() async throws -> DirectSQLiteConnection {
        if let connection = connection.withLockedValue({ $0 }) { return connection }
        let opened = try await threadPool.runIfActive { [path, busyMilliseconds] in
            try DirectSQLiteConnection(path: path, busyMilliseconds: busyMilliseconds)
        }
        connection.withLockedValue { $0 = opened }
        return opened
    }
}
