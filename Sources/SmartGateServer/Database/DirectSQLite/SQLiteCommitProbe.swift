import Foundation
import SQLiteNIO

/// One-row commits a second on an SQLite file through the writer's direct connection, with
/// the server's durability (WAL, `synchronous=FULL`): SQLite's own commit rate on this
/// disk, without the driver. The benchmark measures it beside a bare fsync loop (issue 19).
public enum SQLiteCommitProbe {
    /// Commits one-row INSERTs in autocommit mode for `seconds` into a table of its own in
    /// the file at `path` (dropped afterwards), and answers how many a second.
    public static func commitsPerSecond(path: String, seconds: Double) throws -> Double {
        let connection = try DirectSQLiteConnection(path: path, busyMilliseconds: 5000)
        defer { connection.close() }
        try connection.execute("PRAGMA journal_mode=WAL")
        try connection.execute("CREATE TABLE IF NOT EXISTS bench_direct_commits (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        let clock = ContinuousClock()
        let start = clock.now
        var commits = 0
        while clock.now - start < .milliseconds(Int(seconds * 1000)) {
            try connection.execute("INSERT INTO bench_direct_commits (body) VALUES (?)", [.text("reading \(commits)")])
            commits += 1
        }
        let elapsed = clock.now - start
        try connection.execute("DROP TABLE bench_direct_commits")
        return Double(commits) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
}
