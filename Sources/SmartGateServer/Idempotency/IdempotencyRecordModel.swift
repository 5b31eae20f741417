import GateKit
import Vapor
import Fluent
import Foundation

/// The first answer given to a request carrying an `Idempotency-Key`, so that a retry gets
/// that same answer instead of a second object.
final class IdempotencyRecordModel: Model, @unchecked Sendable {
    static let schema = "idempotency_records"

    @ID(custom: "id", generatedBy: .database) var id: Int?
    /// Which operation the key belongs to, e.g. `POST /api/v1/declarations`.
    @Field(key: "scope") var scope: String
    @Field(key: "key") var key: String
    /// SHA-256 of the request body: the same key with another body is a client bug (409).
    @Field(key: "request_hash") var requestHash: String
    @Field(key: "status") var status: Int
    @Field(key: "response") var response: String
    @Field(key: "created_ms") var createdMs: Int64

    init() {}
}

struct CreateIdempotencyRecords: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(IdempotencyRecordModel.schema)
            .field("id", .int64, .identifier(auto: true))
            .field("scope", .string, .required)
            .field("key", .string, .required)
            .field("request_hash", .string, .required)
            .field("status", .int, .required)
            .field("response", .string, .required)
            .field("created_ms", .int64, .required)
            .unique(on: "scope", "key")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(IdempotencyRecordModel.schema).delete()
    }
}

/// A stored answer being replayed, or a fresh one to store.
struct StoredAnswer: Sendable {
    var status: Int
    var body: Data

    /// The answer to a create, first time or replayed, with `Location` from the stored
    /// body's `id`.
    func created(at path: (UUID) -> String) -> Response {
        struct IdOnly: Decodable { var id: UUID }
        var headers = HTTPHeaders()
        if let stored = try? JSONDecoder().decode(IdOnly.self, from: body) {
            headers.replaceOrAdd(name: .location, value: path(stored.id))
        }
        return WireJSON.response(data: body, status: HTTPStatus(statusCode: status), headers: headers)
    }
}

enum IdempotencyKeys {
    static let maxKeyLength = 128

    /// The answer first given for `key` in `scope`, if any; 409 if it was given for another body.
    /// Runs inside the writer so a concurrent duplicate cannot slip between check and store.
    static func replay(scope: String, key: String, requestHash: String, on database: any Database) async throws -> StoredAnswer? {
        guard let record = try await IdempotencyRecordModel.query(on: database)
            .filter(\.$scope == scope).filter(\.$key == key).first()
        else { return nil }
        guard record.requestHash == requestHash else { throw AppError.idempotencyMismatch(key: key) }
        return StoredAnswer(status: record.status, body: Data(record.response.utf8))
    }

    /// Keeps the answer for later retries, in the same transaction as the write it answers.
    static func store(_ answer: StoredAnswer, scope: String, key: String, requestHash: String, at now: Date, on database: any Database) async throws {
        let record = IdempotencyRecordModel()
        record.scope = scope
        record.key = key
        record.requestHash = requestHash
        record.status = answer.status
        record.response = String(decoding: answer.body, as: UTF8.self)
        record.createdMs = now.milliseconds
        try await record.create(on: database)
    }

    /// The request's `Idempotency-Key`, checked.
    static func key(of request: Request) throws -> String? {
        guard let key = request.headers.first(name: "Idempotency-Key") else { return nil }
        guard (1...maxKeyLength).contains(key.count), key.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) }) else {
            throw AppError.validation(ValidationFailure([Issue(field: "Idempotency-Key", .headerFormat, ["max": "\(maxKeyLength)"])]))
        }
        return key
    }
}
