import Fluent
import Foundation
import GateKit

/// A stored link of the audit chain (see `GateKit.AuditEntry`).
final class AuditEntryModel: Model, @unchecked Sendable {
    static let schema = "audit_entries"

    @ID(custom: "seq", generatedBy: .user) var id: Int64?
    @Field(key: "at_ms") var atMs: Int64
    @Field(key: "actor") var actor: String
    @Field(key: "action") var action: String
    @Field(key: "subject") var subject: String
    @Field(key: "payload_hash") var payloadHash: String
    @Field(key: "prev_hash") var prevHash: String
    @Field(key: "hash") var hash: String

    init() {}

    var entry: AuditEntry {
        AuditEntry(
            seq: id ?? 0, at: Date(milliseconds: atMs), actor: actor, action: action, subject: subject,
            payloadHash: payloadHash, prevHash: prevHash, hash: hash)
    }
}

struct CreateAuditEntries: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(AuditEntryModel.schema)
            .field("seq", .int64, .identifier(auto: false))
            .field("at_ms", .int64, .required)
            .field("actor", .string, .required)
            .field("action", .string, .required)
            .field("subject", .string, .required)
            .field("payload_hash", .string, .required)
            .field("prev_hash", .string, .required)
            .field("hash", .string, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(AuditEntryModel.schema).delete()
    }
}
