import Fluent
import Foundation
import GateKit
import JWT
import NIOConcurrencyHelpers
import Vapor

/// Why a credential was refused: the label of `smartgate_access_refusals_total` and of the
/// log line. Never says whether an account or another enterprise's object exists.
enum AccessRefusal: String, Sendable {
    case missing, malformed, expired, forged, revoked
    /// The token's account is gone or disabled, or the e-mail/password pair is wrong.
    case badCredentials = "bad-credentials"
    case unknownDeviceKey = "unknown-device-key"
    case revokedDeviceKey = "revoked-device-key"
    case forbidden
    case wrongLane = "wrong-lane"
    case otherEnterprise = "other-enterprise"
    case rateLimited = "rate-limited"
}

/// Turns credentials into principals: verifies session tokens and device keys, and keeps
/// what it read for a few seconds so an authenticated request costs no extra database
/// round trip on the lane's hot path.
///
/// Changes made by this process (sign-out, a revoked device key, a disabled user) take
/// effect at once. On PostgreSQL, every instance and the CLI post them as `ClusterNotice`s
/// and the others apply them as they commit; on a SQLite file, the CLI's changes take
/// effect within `ServerSettings.cacheFreshness`.
final class Gatekeeper: Sendable {
    /// What a device key's hash was found to be.
    private enum DeviceLookup: Sendable {
        case active(DeviceIdentity)
        case revoked
        case unknown
    }

    /// Accounts by id (nil: gone or disabled) and device keys by hash.
    private let users: FreshCache<UUID, UserIdentity?>
    private let devices: FreshCache<String, DeviceLookup>
    /// Revoked session ids: those loaded from the database once, and those revoked since;
    /// `generation` counts resyncs, so a load that started before one is not kept.
    private let revoked = NIOLockedValueBox((loaded: Set<String>?.none, recent: Set<String>(), generation: 0))
    let limiter: RateLimiter

    init(settings: ServerSettings) {
        limiter = RateLimiter(shared: settings.database.isPostgres)
        users = FreshCache(lifetime: settings.cacheFreshness)
        devices = FreshCache(lifetime: settings.cacheFreshness)
    }

    /// The user behind a bearer token, or a refusal.
    /// - Parameter lifetime: the longest session this server issues; a token claiming more is forged.
    func user(
        bearer token: String, keys: JWTKeyCollection, lifetime: TimeInterval, now: Date, on db: any Database
    ) async throws -> (UserIdentity, SessionToken) {
        try SessionToken.checkForm(token)
        let session: SessionToken
        do {
            session = try await keys.verify(token, as: SessionToken.self)
        } catch let error as JWTError {
            switch error.errorType {
            case .claimVerificationFailure: throw AppError.unauthenticated(.expired)
            case .signatureVerificationFailed, .unknownKID, .unsupportedAlgorithm: throw AppError.unauthenticated(.forged)
            default: throw AppError.unauthenticated(.malformed)
            }
        } catch {
            throw AppError.unauthenticated(.malformed)
        }
        try session.checkLifetime(lifetime, now: now)
        // The signature check compares `exp` with the wall clock; the server's clock decides too.
        guard session.exp.value > now else { throw AppError.unauthenticated(.expired) }
        guard let id = UUID(uuidString: session.sub.value) else { throw AppError.unauthenticated(.malformed) }
        if try await isRevoked(session.jti.value, now: now, on: db) { throw AppError.unauthenticated(.revoked) }
        let identity = try await users.value(for: id) { try await UserModel.find(id, on: db)?.identity }
        guard let identity else { throw AppError.unauthenticated(.badCredentials) }
        return (identity, session)
    }

    /// The device behind an `X-Device-Key`, or a refusal.
    func device(key: String, on db: any Database) async throws -> DeviceIdentity {
        guard DeviceKey.isWellFormed(key) else { throw AppError.unauthenticated(.malformed, scheme: .deviceKey) }
        let digest = DeviceKey.digest(of: key)
        let lookup = try await devices.value(for: digest) {
            guard let model = try await DeviceKeyModel.query(on: db).filter(\.$keyHash == digest).first() else { return .unknown }
            return model.identity.map(DeviceLookup.active) ?? .revoked
        }
        switch lookup {
        case .active(let device): return device
        case .revoked: throw AppError.unauthenticated(.revokedDeviceKey, scheme: .deviceKey)
        case .unknown: throw AppError.unauthenticated(.unknownDeviceKey, scheme: .deviceKey)
        }
    }

    private func isRevoked(_ jti: String, now: Date, on db: any Database) async throws -> Bool {
        let known = revoked.withLockedValue { $0 }
        if known.recent.contains(jti) { return true }
        if let loaded = known.loaded { return loaded.contains(jti) }
        let nowMs = now.milliseconds
        let rows = try await RevokedTokenModel.query(on: db).filter(\.$expiresMs > nowMs).all()
        let ids = Set(rows.compactMap(\.id))
        revoked.withLockedValue { if $0.generation == known.generation { $0.loaded = ids } }
        return ids.contains(jti)
    }

    /// Records a sign-out made by this process.
    func revoked(_ jti: String) {
        revoked.withLockedValue { _ = $0.recent.insert(jti) }
    }

    /// Forgets what was read about an account or a device key (after this process changed it).
    func forget(user id: UUID) {
        users.forget(id)
    }

    func forgetDevices() {
        devices.forgetAll()
    }

    /// Forgets everything read from the database: notices from other instances may have
    /// been missed. Sign-outs are read again on next use; this process's own stay known.
    func forgetEverything() {
        users.forgetAll()
        devices.forgetAll()
        revoked.withLockedValue {
            $0.loaded = nil
            $0.generation += 1
        }
    }
}

/// Which credential a 401 asks for (`WWW-Authenticate`).
enum CredentialScheme: String, Sendable {
    case bearer = "Bearer"
    case deviceKey = "DeviceKey"
    /// A peer's signed request on the cross-border link.
    case link = "SmartGate-Link"
}

extension Request {
    private struct PrincipalKey: StorageKey {
        typealias Value = Principal
    }

    private struct SessionKey: StorageKey {
        typealias Value = SessionToken
    }

    /// Who is calling, as the access middleware established (nil on open routes).
    var principal: Principal? {
        get { storage[PrincipalKey.self] }
        set { storage[PrincipalKey.self] = newValue }
    }

    /// The verified session token of a signed-in user (sign-out revokes its id).
    var session: SessionToken? {
        get { storage[SessionKey.self] }
        set { storage[SessionKey.self] = newValue }
    }

    /// The signed-in user; routes whose rule admits only users may rely on it.
    func requireUser() throws -> UserIdentity {
        guard case .user(let user)? = principal else { throw AppError.forbidden(.forbidden) }
        return user
    }

    /// The device key's device; the readings route's rule admits only devices.
    func requireDevice() throws -> DeviceIdentity {
        guard case .device(let device)? = principal else { throw AppError.forbidden(.forbidden) }
        return device
    }

    /// Headers by which a proxy says whom it forwards for. Any of them means the socket's
    /// peer is a proxy, not the client, whatever address the header itself claims.
    static let forwardingHeaders = [
        "Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Real-IP", "X-Client-IP", "True-Client-IP", "CF-Connecting-IP",
    ]

    /// The client's address: the socket's peer, or, when that peer is one of the operator's
    /// `trusted` proxies (the load balancer), the last address it wrote in X-Forwarded-For;
    /// any earlier entry is the client's own claim and proves nothing.
    func clientAddress(trusting trusted: Set<String>) -> String? {
        guard let peer = remoteAddress?.ipAddress else { return nil }
        guard trusted.contains(peer),
              let forwarded = headers[canonicalForm: "X-Forwarded-For"].last.map({ $0.trimmingCharacters(in: .whitespaces) }),
              !forwarded.isEmpty
        else { return peer }
        return forwarded
    }

    /// Whether the peer is this host, with no proxy in between (a proxy on the same host
    /// would make every client look local).
    var isFromLoopback: Bool {
        guard !Self.forwardingHeaders.contains(where: { headers.first(name: $0) != nil }),
              let address = remoteAddress?.ipAddress
        else { return false }
        return address == "127.0.0.1" || address == "::1" || address == "::ffff:127.0.0.1"
    }
}
