import Fluent
import Foundation

/// A session token signed out before it expired. Kept until its expiry, after which the
/// signature check alone refuses it.
final class RevokedTokenModel: Model, @unchecked Sendable {
    static let schema = "revoked_tokens"

    @ID(custom: "jti", generatedBy: .user) var id: String?
    @Field(key: "expires_ms") var expiresMs: Int64
    @Field(key: "revoked_ms") var revokedMs: Int64

    init() {}

    init(jti: String, expiresMs: Int64, revokedMs: Int64) {
        id = jti
        self.expiresMs = expiresMs
        self.revokedMs = revokedMs
    }
}

struct CreateRevokedTokens: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(RevokedTokenModel.schema)
            .field("jti", .string, .identifier(auto: false))
            .field("expires_ms", .int64, .required)
            .field("revoked_ms", .int64, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(RevokedTokenModel.schema).delete()
    }
}
