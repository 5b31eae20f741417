import FluentKit
import NIOCore
import SQLiteNIO
// The SQLite that SQLiteNIO compiles in, with its symbols renamed (`sqlite_nio_sqlite3_*`).
// SQLiteNIO exports no product for it; its module is visible here as a dependency of
// SQLiteNIO. It must be this copy: a second SQLite library in the process (GRDB's, the
// system's) opening the same file would keep its own POSIX lock table, and closing one
// copy's descriptor drops the other's locks (sqlite.org/howtocorrupt.html §2.2.1).
import VaporCSQLite

/// One SQLite connection driven through the C API on the caller's thread: a statement costs
/// its few microseconds in SQLite, not the ~0.12 ms of thread hops it costs through
/// SQLiteNIO's thread pool and event loop.
///
/// Only the commit queue's writer uses it, one batch at a time (see `DirectSQLiteWriter`),
/// so it is never used from two threads at once; it is opened in SQLite's serialized mode
/// all the same. Prepared statements are kept by their SQL text.
final class DirectSQLiteConnection: @unchecked Sendable {
    private var handle: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]
    /// Beyond this many distinct statements the cache starts again (an `IN (…)` list makes
    /// a new text per length; the writer's own statements are a few dozen).
    private static let statementLimit = 256

    /// Opens the existing database file at `path` with the pool's settings: foreign keys on,
    /// `synchronous=FULL` (a committed batch survives a power cut, as through the driver),
    /// and waiting up to `busyMilliseconds` for another process's lock.
    init(path: String, busyMilliseconds: Int) throws {
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_EXRESCODE
        let code = sqlite_nio_sqlite3_open_v2(path, &handle, flags, nil)
        guard code == SQLITE_OK, let handle else {
            let error = DirectSQLiteError(code: code, handle: handle)
            sqlite_nio_sqlite3_close_v2(handle)
            throw error
        }
        self.handle = handle
        sqlite_nio_sqlite3_busy_timeout(handle, Int32(clamping: busyMilliseconds))
        try execute("PRAGMA foreign_keys = ON")
        try execute("PRAGMA synchronous = FULL")
    }

    deinit { close() }

    /// Finalizes every statement and closes the connection; later calls fail.
    func close() {
        for statement in statements.values { sqlite_nio_sqlite3_finalize(statement) }
        statements = [:]
        sqlite_nio_sqlite3_close_v2(handle)
        handle = nil
    }

    /// Runs one statement with its binds, handing each result row to `onRow`.
    func execute(_ sql: String, _ binds: [SQLiteData] = [], onRow: (DirectSQLiteRow) throws -> Void = { _ in }) throws {
        let statement = try prepared(sql)
        defer {
            sqlite_nio_sqlite3_reset(statement)
            sqlite_nio_sqlite3_clear_bindings(statement)
        }
        for (index, bind) in binds.enumerated() { try check(self.bind(bind, at: Int32(index + 1), to: statement)) }
        var columns: DirectSQLiteRow.Columns?
        while true {
            let code = sqlite_nio_sqlite3_step(statement)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else { throw DirectSQLiteError(code: code, handle: handle) }
            let names = columns ?? DirectSQLiteRow.Columns(names: Self.columnNames(of: statement))
            columns = names
            try onRow(DirectSQLiteRow(columns: names, values: try Self.values(of: statement, count: names.names.count)))
        }
    }

    private func prepared(_ sql: String) throws -> OpaquePointer {
        if let statement = statements[sql] { return statement }
        guard let handle else { throw DirectSQLiteError(code: SQLITE_MISUSE, message: "the connection is closed") }
        var statement: OpaquePointer?
        let code = sqlite_nio_sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard code == SQLITE_OK, let statement else { throw DirectSQLiteError(code: code, handle: handle) }
        if statements.count >= Self.statementLimit {
            for old in statements.values { sqlite_nio_sqlite3_finalize(old) }
            statements = [:]
        }
        statements[sql] = statement
        return statement
    }

    private func bind(_ value: SQLiteData, at index: Int32, to statement: OpaquePointer) -> Int32 {
        switch value {
        case .integer(let value): return sqlite_nio_sqlite3_bind_int64(statement, index, Int64(value))
        case .float(let value): return sqlite_nio_sqlite3_bind_double(statement, index, value)
        case .null: return sqlite_nio_sqlite3_bind_null(statement, index)
        case .text(let value):
            return sqlite_nio_sqlite3_bind_text64(statement, index, value, UInt64(value.utf8.count), Self.transient, UInt8(SQLITE_UTF8))
        case .blob(let value):
            return value.withUnsafeReadableBytes {
                sqlite_nio_sqlite3_bind_blob64(statement, index, $0.baseAddress, UInt64($0.count), Self.transient)
            }
        }
    }

    private func check(_ code: Int32) throws {
        guard code == SQLITE_OK else { throw DirectSQLiteError(code: code, handle: handle) }
    }

    /// SQLite copies a bound text or blob before the bind returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    private static func columnNames(of statement: OpaquePointer) -> [String] {
        (0..<sqlite_nio_sqlite3_column_count(statement)).map { index in
            sqlite_nio_sqlite3_column_name(statement, index).map { String(cString: $0) } ?? ""
        }
    }

    private static func values(of statement: OpaquePointer, count: Int) throws -> [SQLiteData] {
        try (0..<Int32(count)).map { index in
            switch sqlite_nio_sqlite3_column_type(statement, index) {
            case SQLITE_INTEGER: return .integer(Int(sqlite_nio_sqlite3_column_int64(statement, index)))
            case SQLITE_FLOAT: return .float(sqlite_nio_sqlite3_column_double(statement, index))
            case SQLITE_NULL: return .null
            case SQLITE_TEXT:
                guard let text = sqlite_nio_sqlite3_column_text(statement, index) else { return .text("") }
                return .text(String(cString: text))
            case SQLITE_BLOB:
                let length = Int(sqlite_nio_sqlite3_column_bytes(statement, index))
                var buffer = ByteBufferAllocator().buffer(capacity: length)
                if let bytes = sqlite_nio_sqlite3_column_blob(statement, index) {
                    buffer.writeBytes(UnsafeRawBufferPointer(start: bytes, count: length))
                }
                return .blob(buffer)
            case let type:
                throw DirectSQLiteError(code: SQLITE_MISMATCH, message: "unexpected column type \(type)")
            }
        }
    }
}

/// A failure reported by SQLite to the direct writer, with SQLite's extended result code.
///
/// It answers Fluent's `DatabaseError` as the driver's `SQLiteError` does, so a repeated
/// reading's unique key reads as a constraint failure whichever path wrote it.
struct DirectSQLiteError: Error, CustomStringConvertible, DatabaseError {
    /// SQLite's extended result code.
    var code: Int32
    var message: String

    init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }

    init(code: Int32, handle: OpaquePointer?) {
        let message = handle.flatMap { sqlite_nio_sqlite3_errmsg($0) }.map { String(cString: $0) }
        self.init(code: code, message: message ?? String(cString: sqlite_nio_sqlite3_errstr(code)))
    }

    /// The primary result code (the low byte of the extended one).
    var primary: Int32 { code & 0xff }

    var description: String { "SQLite error \(code): \(message)" }
    var isSyntaxError: Bool { primary == SQLITE_ERROR || primary == SQLITE_SCHEMA }
    var isConnectionClosed: Bool { primary == SQLITE_MISUSE || primary == SQLITE_CANTOPEN }
    var isConstraintFailure: Bool { primary == SQLITE_CONSTRAINT }
    /// Another connection holds the lock past the busy timeout.
    var isBusy: Bool { primary == SQLITE_BUSY || primary == SQLITE_LOCKED }
}
