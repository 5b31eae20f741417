import Fluent
import Foundation
import GateKit

/// A person who signs in. The password is stored only as a bcrypt hash.
final class UserModel: Model, @unchecked Sendable {
    static let schema = "users"

    @ID(key: .id) var id: UUID?
    /// Lower-cased; the login name.
    @Field(key: "email") var email: String
    @Field(key: "password_hash") var passwordHash: String
    @Field(key: "role") var role: String
    /// A declarant's enterprise (tax code).
    @OptionalField(key: "enterprise") var enterprise: String?
    /// Gate ids, comma-separated (gate ids never contain commas).
    @Field(key: "gates") var gates: String
    @Field(key: "created_ms") var createdMs: Int64
    @OptionalField(key: "disabled_ms") var disabledMs: Int64?

    init() {}

    var gateIds: [String] { gates.split(separator: ",").map(String.init) }

    /// The identity authorization works with; nil for a disabled account or an unknown role.
    var identity: UserIdentity? {
        guard disabledMs == nil, let id, let role = Role(rawValue: role) else { return nil }
        return UserIdentity(id: id, role: role, enterprise: enterprise, gates: Set(gateIds))
    }

    /// The public view (`User` in openapi.json): never the hash.
    var view: UserView {
        UserView(
            id: id ?? UUID(), email: email, role: role, enterprise: enterprise, gates: gateIds,
            createdAt: Date(milliseconds: createdMs), disabled: disabledMs != nil)
    }
}

/// A user as the API and the CLI show it.
struct UserView: Codable, Sendable {
    var id: UUID
    var email: String
    var role: String
    var enterprise: String?
    var gates: [String]
    var createdAt: Date
    var disabled: Bool

    enum CodingKeys: String, CodingKey { case id, email, role, enterprise, gates, createdAt, disabled }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id.uuidString.lowercased(), forKey: .id)
        try container.encode(email, forKey: .email)
        try container.encode(role, forKey: .role)
        try container.encode(enterprise, forKey: .enterprise)
        try container.encode(gates, forKey: .gates)
        try container.encode(GateKit.Timestamp.format(createdAt), forKey: .createdAt)
        try container.encode(disabled, forKey: .disabled)
    }
}

struct CreateUsers: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(UserModel.schema)
            .id()
            .field("email", .string, .required)
            .field("password_hash", .string, .required)
            .field("role", .string, .required)
            .field("enterprise", .string)
            .field("gates", .string, .required)
            .field("created_ms", .int64, .required)
            .field("disabled_ms", .int64)
            .unique(on: "email")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(UserModel.schema).delete()
    }
}
