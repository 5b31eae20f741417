import Logging
import PostgresKit
import PostgresNIO

/// A PostgreSQL connection of its own, outside Fluent's pool: a session's advisory locks
/// and its LISTEN belong to one connection for as long as it lives, which a pooled
/// connection, handed to whichever request comes next, cannot promise.
enum DedicatedConnection {
    static func open(url: String, logger: Logger) async throws -> PostgresConnection {
        let configuration = try SQLPostgresConfiguration(url: url).coreConfiguration
        return try await PostgresConnection.connect(configuration: configuration, id: Int.random(in: 1...Int(Int32.max)), logger: logger)
    }

    /// Runs `body` while this process holds `lock` on a connection of its own (migrations
    /// at start-up, so instances starting together migrate once, one after another).
    static func holding<T>(_ lock: AdvisoryLock, url: String, logger: Logger, _ body: () async throws -> T) async throws -> T {
        let connection = try await open(url: url, logger: logger)
        do {
            _ = try await connection.query(PostgresQuery(unsafeSQL: "SELECT pg_advisory_lock(\(lock.arguments))"), logger: logger)
            let value = try await body()
            try await connection.close()  // the lock ends with the session
            return value
        } catch {
            try? await connection.close()
            throw error
        }
    }
}
