import SQLiteNIO

/// One-row commits on an SQLite file through the writer's direct connection, with the
/// server's durability (WAL, `synchronous=FULL`): what SQLite itself costs a commit on this
/// disk, without the driver. The benchmark times them beside a bare fsync loop (issue 19).
public final class SQLiteCommitProbe {
    private let connection: DirectSQLiteConnection

    /// Opens the file at `path` and makes a table of the probe's own in it.
    public init(path: String) throws {
        connection = try DirectSQLiteConnection(path: path, busyMilliseconds: 5000)
        try connection.execute("PRAGMA journal_mode=WAL")
        try connection.execute("CREATE TABLE IF NOT EXISTS bench_direct_commits (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    }

    /// Inserts one row in autocommit mode: one durable commit.
    public func commit(_ body: String) throws {
        try connection.execute("INSERT INTO bench_direct_commits (body) VALUES (?)", [.text(body)])
    }

    /// Drops the probe's table and closes the connection.
    public func close() throws {
        defer { connection.close() }
        try connection.execute("DROP TABLE bench_direct_commits")
    }
}
