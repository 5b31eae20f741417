import FluentKit
import FluentSQL
import NIOCore
import SQLKit
import SQLiteKit
import SQLiteNIO

/// The direct connection inside the writer's transaction, as the jobs see it: a Fluent
/// `Database` and an SQLKit `SQLDatabase`, like the driver's, whose statements run on the
/// caller's thread.
///
/// Statements are written by the same converter, dialect and data coders as through
/// FluentSQLiteDriver, so a job cannot tell the two apart except by speed. The writer owns
/// the transaction: `transaction` and `withConnection` run their closure on this one.
/// Schema changes are not the writer's (migrations run through Fluent's pool).
struct DirectSQLiteDatabase: Database, SQLDatabase {
    let connection: DirectSQLiteConnection
    /// The pool's context (configuration, logger, event loop): futures are made on its loop.
    let context: DatabaseContext

    var inTransaction: Bool { true }

    // MARK: SQLDatabase

    var dialect: any SQLDialect { SQLiteDialect() }
    var logger: Logger { context.logger }
    var eventLoop: any EventLoop { context.eventLoop }

    /// Runs at once on the caller's thread; nothing here waits.
    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try run(query, onRow)
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        eventLoop.makeCompletedFuture { try run(query, onRow) }
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await closure(self)
    }

    private func run(_ query: any SQLExpression, _ onRow: (any SQLRow) -> Void) throws {
        let (sql, binds) = serialize(query)
        let encoder = SQLiteDataEncoder()
        try connection.execute(sql, binds.map { try encoder.encode($0) }) { onRow($0) }
    }

    // MARK: Database

    func execute(query: DatabaseQuery, onOutput: @escaping @Sendable (any DatabaseOutput) -> Void) -> EventLoopFuture<Void> {
        eventLoop.makeCompletedFuture {
            try run(Self.statement(for: query)) { onOutput(($0 as! DirectSQLiteRow).databaseOutput) }
        }
    }

    /// Fluent's query as SQL, with `RETURNING` the new row's id on a create, as the driver
    /// writes it (an empty custom id key is Fluent's sign for "no id to return").
    private static func statement(for query: DatabaseQuery) -> any SQLExpression {
        let converted = SQLQueryConverter(delegate: DirectSQLiteConverterDelegate()).convert(query)
        guard case .create = query.action, query.customIDKey != .some(.string("")) else { return converted }
        return SQLKit.SQLList([converted, SQLReturning(.init((query.customIDKey ?? .id).description))], separator: SQLRaw(" "))
    }

    func execute(schema: DatabaseSchema) -> EventLoopFuture<Void> {
        eventLoop.makeFailedFuture(DirectSQLiteError(code: 1, message: "the writer does not change the schema; migrations do"))
    }

    func execute(enum: DatabaseEnum) -> EventLoopFuture<Void> {
        eventLoop.makeSucceededFuture(())
    }

    func transaction<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        closure(self)
    }

    func withConnection<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        closure(self)
    }
}

/// The column types FluentSQLiteDriver gives Fluent's data types (its delegate is not
/// public); queries only use it for casts.
private struct DirectSQLiteConverterDelegate: SQLConverterDelegate {
    func customDataType(_ dataType: DatabaseSchema.DataType) -> (any SQLExpression)? {
        switch dataType {
        case .string, .enum: SQLRaw("TEXT")
        case .datetime: SQLRaw("REAL")
        case .int64: SQLRaw("INTEGER")
        default: nil
        }
    }
}
