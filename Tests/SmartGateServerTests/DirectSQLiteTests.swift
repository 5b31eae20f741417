import Fluent
import Foundation
import SQLKit
import Testing
import VaporTesting
@testable import SmartGateServer

/// The writer's own SQLite connection (issue 19) must mean what the driver's pool means:
/// the same values in the same columns, the same errors, the same durability.
@Suite("The writer's direct SQLite connection")
struct DirectSQLiteTests {
    /// A row of every kind of value a SmartGate model stores.
    final class Sample: Model, @unchecked Sendable {
        static let schema = "direct_samples"
        @ID(key: .id) var id: UUID?
        @Field(key: "name") var name: String
        @OptionalField(key: "note") var note: String?
        @Field(key: "count") var count: Int
        @Field(key: "ratio") var ratio: Double
        @Field(key: "flag") var flag: Bool
        @Field(key: "at") var at: Date
        @Field(key: "bytes") var bytes: Data
        @Field(key: "tags") var tags: [String]

        init() {}

        init(name: String, note: String?, count: Int, ratio: Double, flag: Bool, at: Date, bytes: Data, tags: [String]) {
            (self.name, self.note, self.count, self.ratio, self.flag, self.at, self.bytes, self.tags) = (name, note, count, ratio, flag, at, bytes, tags)
        }

        /// Everything but the id, to compare rows written one way and read the other.
        var values: String { "\(name)|\(note ?? "nil")|\(count)|\(ratio)|\(flag)|\(at.timeIntervalSince1970)|\(bytes.base64EncodedString())|\(tags)" }
    }

    static let samples: [Sample] = [
        Sample(name: "Lào Cai–Hà Khẩu 河口", note: nil, count: -3, ratio: 0.125, flag: true, at: Date(timeIntervalSince1970: 1_796_000_000.5),
               bytes: Data([0, 1, 254, 255]), tags: ["a", "b"]),
        Sample(name: "", note: "ghi chú", count: Int.max, ratio: -1e300, flag: false, at: Date(timeIntervalSince1970: 0), bytes: Data(), tags: []),
    ]

    private static func makeTable(_ app: Application) async throws {
        try await app.db.schema(Sample.schema)
            .id().field("name", .string, .required).field("note", .string).field("count", .int, .required)
            .field("ratio", .double, .required).field("flag", .bool, .required).field("at", .datetime, .required)
            .field("bytes", .data, .required).field("tags", .array(of: .string), .required)
            .unique(on: "name").create()
    }

    private static func copy(_ sample: Sample) -> Sample {
        Sample(name: sample.name, note: sample.note, count: sample.count, ratio: sample.ratio, flag: sample.flag, at: sample.at,
               bytes: sample.bytes, tags: sample.tags)
    }

    @Test("the writer runs on its own connection on SQLite, on the pool on PostgreSQL", arguments: TestDatabase.available)
    func writerKind(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            let direct = try await app.smartGate.commits.perform { db in db is DirectSQLiteDatabase }
            #expect(direct == (database == .sqlite))
        }
    }

    @Test("a model written by the writer reads back through the pool as written, and one written by the pool through the writer")
    func roundTrip() async throws {
        try await withSmartGate(.sqlite) { app in
            try await Self.makeTable(app)
            let queue = app.smartGate.commits
            for sample in Self.samples {
                let written = Self.copy(sample)
                try await queue.perform { db in try await written.create(on: db) }
                let read = try #require(try await Sample.find(written.id, on: app.db))
                #expect(read.values == sample.values)
            }
            let byPool = Self.copy(Self.samples[0])
            byPool.name = "written by the pool"
            try await byPool.create(on: app.db)
            let id = try #require(byPool.id)
            let seen = try await queue.perform { db in try await Sample.find(id, on: db)?.values }
            #expect(seen == byPool.values)

            // Updates, filters, counts and deletes through the writer.
            try await queue.perform { db in
                let row = try #require(try await Sample.find(id, on: db))
                row.count = 42
                try await row.update(on: db)
            }
            #expect(try await Sample.find(id, on: app.db)?.count == 42)
            let flagged = try await queue.perform { db in try await Sample.query(on: db).filter(\.$flag == true).count() }
            #expect(flagged == 2)
            try await queue.perform { db in try await Sample.query(on: db).filter(\.$id == id).delete() }
            #expect(try await Sample.query(on: app.db).count() == Self.samples.count)
        }
    }

    @Test("a repeated unique key is a constraint failure, and the batch's other writes commit")
    func constraint() async throws {
        try await withSmartGate(.sqlite) { app in
            try await Self.makeTable(app)
            let queue = app.smartGate.commits
            try await queue.perform { db in try await Self.copy(Self.samples[0]).create(on: db) }
            let again = Task { try await queue.perform { db in try await Self.copy(Self.samples[0]).create(on: db) } }
            let other = Task { try await queue.perform { db in try await Self.copy(Self.samples[1]).create(on: db) } }
            await #expect { try await again.value } throws: { ($0 as? any DatabaseError)?.isConstraintFailure == true }
            try await other.value
            #expect(try await Sample.query(on: app.db).count() == 2)
        }
    }

    @Test("while another process holds the write lock, a batch waits the busy timeout and fails as busy (answered 503)")
    func busy() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("direct-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("gate.sqlite").path
        try await withSmartGate(.sqlite, settings: { $0.database = .sqliteFile(path: path) }) { app in
            let holder = try DirectSQLiteConnection(path: path, busyMilliseconds: 0)
            defer { holder.close() }
            try holder.execute("BEGIN IMMEDIATE")
            let writer = DirectSQLiteWriter(path: path, busyMilliseconds: 50, context: { app.db.context })
            await #expect { try await writer.transaction { _ in 0 } } throws: { SQLiteFile.isBusy($0) }
            try holder.execute("ROLLBACK")
            #expect(try await writer.transaction { _ in 1 } == 1)
        }
    }

    @Test("more distinct statements than the cache keeps still run, each with its own binds")
    func statementCache() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("direct-\(UUID().uuidString).sqlite").path
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let connection = try DirectSQLiteConnection(path: path, busyMilliseconds: 0)
        defer { connection.close() }
        for round in 0..<2 {
            for n in 0..<300 {
                var seen: [Int] = []
                try connection.execute("SELECT ? + \(n) AS total", [.integer(round)]) { row in
                    seen.append(try row.decode(column: "total", as: Int.self))
                }
                #expect(seen == [round + n])
            }
        }
    }
}
