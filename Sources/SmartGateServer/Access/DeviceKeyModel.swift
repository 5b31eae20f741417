import Fluent
import Foundation
import GateKit

/// A lane device's credential, bound to one lane. The key itself is shown once at
/// creation; only its SHA-256 is kept.
final class DeviceKeyModel: Model, @unchecked Sendable {
    static let schema = "device_keys"

    @ID(key: .id) var id: UUID?
    @Field(key: "lane_id") var laneId: String
    @Field(key: "name") var name: String
    @Field(key: "key_hash") var keyHash: String
    @Field(key: "created_ms") var createdMs: Int64
    @OptionalField(key: "revoked_ms") var revokedMs: Int64?

    init() {}

    var identity: DeviceIdentity? {
        guard revokedMs == nil, let id else { return nil }
        return DeviceIdentity(id: id, laneId: laneId, name: name)
    }

    var view: DeviceKeyView {
        DeviceKeyView(
            id: id ?? UUID(), lane: laneId, name: name, createdAt: Date(milliseconds: createdMs),
            revokedAt: revokedMs.map { Date(milliseconds: $0) }, key: nil)
    }
}

/// A device key as the CLI shows it; `key` only in the answer to its creation.
struct DeviceKeyView: Encodable, Sendable {
    var id: UUID
    var lane: String
    var name: String
    var createdAt: Date
    var revokedAt: Date?
    var key: String?

    enum CodingKeys: String, CodingKey { case id, lane, name, createdAt, revokedAt, key }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id.uuidString.lowercased(), forKey: .id)
        try container.encode(lane, forKey: .lane)
        try container.encode(name, forKey: .name)
        try container.encode(GateKit.Timestamp.format(createdAt), forKey: .createdAt)
        try container.encode(revokedAt.map(GateKit.Timestamp.format), forKey: .revokedAt)
        try container.encodeIfPresent(key, forKey: .key)
    }
}

struct CreateDeviceKeys: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(DeviceKeyModel.schema)
            .id()
            .field("lane_id", .string, .required, .references(LaneModel.schema, "id"))
            .field("name", .string, .required)
            .field("key_hash", .string, .required)
            .field("created_ms", .int64, .required)
            .field("revoked_ms", .int64)
            .unique(on: "key_hash")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(DeviceKeyModel.schema).delete()
    }
}
