import FluentKit
import SQLKit
import SQLiteKit
import SQLiteNIO

/// A result row of the direct writer, read as SQLKit and Fluent read the driver's rows:
/// values decoded by SQLiteKit's `SQLiteDataDecoder`, so a column means the same thing
/// whichever path read it.
struct DirectSQLiteRow: SQLRow {
    /// A statement's column names, shared by its rows.
    final class Columns: Sendable {
        let names: [String]
        let index: [String: Int]

        init(names: [String]) {
            self.names = names
            // The first of two equal names wins, as in SQLiteNIO's rows.
            self.index = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        }
    }

    let columns: Columns
    let values: [SQLiteData]

    var allColumns: [String] { columns.names }

    func contains(column: String) -> Bool { columns.index[column] != nil }

    func decodeNil(column: String) throws -> Bool {
        guard let offset = columns.index[column] else { return true }
        return values[offset] == .null
    }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        guard let offset = columns.index[column] else {
            throw MissingColumn(column: column)
        }
        return try SQLiteDataDecoder().decode(D.self, from: values[offset])
    }

    /// The row as Fluent's models read it (`DatabaseOutput`).
    var databaseOutput: any DatabaseOutput { SQLRowOutput(row: self, schema: nil) }
}

/// A column asked of a row that has none by that name.
struct MissingColumn: Error, CustomStringConvertible {
    var column: String
    var description: String { "no column \(column) in the row" }
}

/// An `SQLRow` read by a Fluent model, with the schema prefix Fluent gives joined columns.
/// (FluentSQLiteDriver has the same adapter, not public.)
private struct SQLRowOutput: DatabaseOutput {
    let row: any SQLRow
    let schema: String?

    var description: String { String(describing: row) }

    private func column(_ key: FieldKey) -> String {
        (schema.map { .prefix(.prefix(.string($0), "_"), key) } ?? key).description
    }

    func schema(_ schema: String) -> any DatabaseOutput { SQLRowOutput(row: row, schema: schema) }
    func contains(_ key: FieldKey) -> Bool { row.contains(column: column(key)) }
    func decodeNil(_ key: FieldKey) throws -> Bool { try row.decodeNil(column: column(key)) }
    func decode<T: Decodable>(_ key: FieldKey, as type: T.Type) throws -> T { try row.decode(column: column(key), as: T.self) }
}
