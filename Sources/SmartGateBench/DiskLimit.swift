// The physical limit under the ingest figures: how many durable commits this disk takes
// a second, measured by the same benchmark in the same run (issue 19).
//
// - fsync: 4 KiB written and fsync'd in a loop, in the benchmark's directory. A SQLite
//   commit in WAL mode with synchronous=FULL costs one such sync of the WAL, so this is
//   the most commits a second any writer on this disk can make, one row each.
// - SQLite through the driver: one-row INSERTs in autocommit mode on the benchmark's own
//   file (WAL, synchronous=FULL), one statement each, through Fluent and SQLiteNIO as the
//   server's writer ran them before it had a connection of its own.
// - SQLite directly: the same one-row commits through the C API on the writer's direct
//   connection (`SQLiteCommitProbe`), as the server's writer now runs its batches. The
//   difference to the fsync loop is SQLite's own time; to the driver's, the driver's.
import Foundation
import SmartGateServer
import SQLKit
import Vapor

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Commits a second, and the mean time of one, of each kind.
struct DiskLimit {
    var fsyncPerSecond: Double
    var sqliteCommitsPerSecond: Double
    var directCommitsPerSecond: Double

    var fsyncMilliseconds: Double { 1000 / fsyncPerSecond }
    var sqliteCommitMilliseconds: Double { 1000 / sqliteCommitsPerSecond }
    var directCommitMilliseconds: Double { 1000 / directCommitsPerSecond }

    static func measure(directory: String, database path: String, app: Application, seconds: Double) async throws -> DiskLimit {
        DiskLimit(fsyncPerSecond: try await fsyncRate(directory: directory, seconds: seconds),
                  sqliteCommitsPerSecond: try await sqliteCommitRate(app: app, seconds: seconds),
                  directCommitsPerSecond: try await directCommitRate(path: path, seconds: seconds))
    }

    /// How many times a second `step` runs in a loop for `seconds` (it is told its count).
    private static func rate(seconds: Double, _ step: (Int) async throws -> Void) async throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        var count = 0
        while milliseconds(clock.now - start) < seconds * 1000 {
            try await step(count)
            count += 1
        }
        return Double(count) / (milliseconds(clock.now - start) / 1000)
    }

    private static func fsyncRate(directory: String, seconds: Double) async throws -> Double {
        let path = directory + "/fsync-probe"
        let descriptor = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw SettingsError("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor); unlink(path) }
        let page = [UInt8](repeating: 0x5A, count: 4096)
        return try await rate(seconds: seconds) { syncs in
            let written = page.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, off_t(4096 * (syncs % 256))) }
            guard written == page.count, fsync(descriptor) == 0 else { throw SettingsError("fsync probe failed: \(String(cString: strerror(errno)))") }
        }
    }

    private static func sqliteCommitRate(app: Application, seconds: Double) async throws -> Double {
        guard let sql = app.db as? any SQLDatabase else { throw SettingsError("the benchmark's database is not SQL") }
        try await sql.raw("CREATE TABLE IF NOT EXISTS bench_commits (id INTEGER PRIMARY KEY, body TEXT NOT NULL)").run()
        let perSecond = try await rate(seconds: seconds) { commits in
            try await sql.raw("INSERT INTO bench_commits (body) VALUES (\(bind: "reading \(commits)"))").run()
        }
        try await sql.raw("DROP TABLE bench_commits").run()
        return perSecond
    }

    private static func directCommitRate(path: String, seconds: Double) async throws -> Double {
        let probe = try SQLiteCommitProbe(path: path)
        let perSecond = try await rate(seconds: seconds) { commits in try probe.commit("reading \(commits)") }
        try probe.close()
        return perSecond
    }
}
