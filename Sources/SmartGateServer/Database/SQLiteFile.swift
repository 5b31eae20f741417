import Fluent
import Foundation
import SQLKit
import SQLiteNIO
import Vapor

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The embedded database file: who may read it, how long a writer waits for it, and the
/// rule that one server process serves it.
///
/// SQLite lets several processes open one file, but SmartGate's single writer (the commit
/// queue), its lane-state cache and its corridor clock are one process's: a second `serve`
/// on the same file would race the first for the write lock and answer `database is
/// locked`. The CLI's short writes (`users create`) are welcome; they wait for the lock.
enum SQLiteFile {
    /// Creates the database file readable by its owner only (0600), like the key file, and
    /// narrows an existing one and its `-wal`/`-shm` companions. SQLite gives the WAL and
    /// shared-memory files the database file's mode, so they follow.
    static func restrictPermissions(of path: String) throws {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw SettingsError("cannot open database file \(path): \(String(cString: strerror(errno)))") }
        close(descriptor)
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
            guard chmod(file, 0o600) == 0 else {
                throw SettingsError("cannot make \(file) private (chmod 600): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Sets how long a write waits for another process's write lock before it gives up
    /// with `SQLITE_BUSY` (answered as 503 with Retry-After, never 500), on every pooled
    /// connection (one per event loop). It replaces the driver's busy handler, which
    /// retries forever without sleeping.
    static func setBusyTimeout(_ app: Application, milliseconds: Int) async throws {
        for loop in app.eventLoopGroup.makeIterator() {
            guard let sql = app.databases.database(logger: app.logger, on: loop) as? any SQLDatabase else { continue }
            try await sql.raw("PRAGMA busy_timeout = \(unsafeRaw: "\(milliseconds)")").run()
        }
    }

    /// A new file name in the temporary directory, for an in-memory database.
    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory
            .appendingPathComponent("smartgate-memory-\(getpid())-\(UUID().uuidString.lowercased()).sqlite").path
    }

    /// Removes an in-memory database's file and its companions at shutdown.
    struct Removal: LifecycleHandler {
        let path: String

        func shutdown(_ application: Application) {
            for file in [path, path + "-wal", path + "-shm"] { try? FileManager.default.removeItem(atPath: file) }
        }
    }

    /// Whether an error is SQLite saying another connection holds the lock.
    static func isBusy(_ error: any Error) -> Bool {
        if let error = error as? DirectSQLiteError { return error.isBusy }
        guard let error = error as? SQLiteError else { return false }
        switch error.reason {
        case .busy, .busyTimeout, .busyInRecovery, .busyInSnapshot, .locked, .lockedBySharedCache: return true
        default: return false
        }
    }
}

/// The exclusive claim of one server process on one SQLite file: an advisory lock on
/// `<file>.serve-lock`, held open for the life of the process. The kernel drops it when
/// the process dies, even by kill -9, so a crash never leaves a stale lock behind.
final class SQLiteServeLock: Sendable {
    private let descriptor: Int32

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// Takes the lock or throws one line naming the process that holds it.
    static func acquire(databasePath path: String) throws -> SQLiteServeLock {
        let lockPath = path + ".serve-lock"
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw SettingsError("cannot open \(lockPath): \(String(cString: strerror(errno)))") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: lockPath, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(descriptor)
            let who = holder.isEmpty ? "another SmartGate server" : "another SmartGate server (pid \(holder))"
            throw SettingsError(
                "\(who) is serving \(path); an SQLite file is served by one process. Stop it, or run several instances on PostgreSQL (DATABASE_URL)")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        return SQLiteServeLock(descriptor: descriptor)
    }

    /// Gives the file up (at shutdown; the kernel does it too when the process ends).
    func release() {
        _ = flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
