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
/// effect at once; changes made by another process (the CLI) within `freshness`.
final class Gatekeeper: Sendable {
    static let freshness: Duration = .seconds(5)

    private struct Cached<Value: Sendable>: Sendable {
        var value: Value?
        var until: ContinuousClock.Instant
    }

    private let users = NIOLockedValueBox([UUID: Cached<UserIdentity>]())
    private let devices = NIOLockedValueBox([String: Cached<DeviceIdentity>]())
    /// Revoked session ids: those loaded from the database once, and those revoked since.
    private let revoked = NIOLockedValueBox((loaded: Set<String>?.none, recent: Set<String>()))
    private let clock = ContinuousClock()
    let limiter = RateLimiter()

    /// The user behind a bearer token, or a refusal.
    func user(bearer token: String, keys: JWTKeyCollection, on db: any Database) async throws -> (UserIdentity, SessionToken) {
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
        guard let id = UUID(uuidString: session.sub.value) else { throw AppError.unauthenticated(.malformed) }
        if try await isRevoked(session.jti.value, on: db) { throw AppError.unauthenticated(.revoked) }
        let now = clock.now
        if let cached = users.withLockedValue({ $0[id] }), cached.until > now {
            guard let user = cached.value else { throw AppError.unauthenticated(.badCredentials) }
            return (user, session)
        }
        let identity = try await UserModel.find(id, on: db)?.identity
        users.withLockedValue { $0[id] = Cached(value: identity, until: now.advanced(by: Self.freshness)) }
        guard let identity else { throw AppError.unauthenticated(.badCredentials) }
        return (identity, session)
    }

    /// The device behind an `X-Device-Key`, or a refusal.
    func device(key: String, on db: any Database) async throws -> DeviceIdentity {
        guard DeviceKey.isWellFormed(key) else { throw AppError.unauthenticated(.malformed, scheme: .deviceKey) }
        let digest = DeviceKey.digest(of: key)
        let now = clock.now
        if let cached = devices.withLockedValue({ $0[digest] }), cached.until > now {
            guard let device = cached.value else { throw AppError.unauthenticated(.unknownDeviceKey, scheme: .deviceKey) }
            return device
        }
        let model = try await DeviceKeyModel.query(on: db).filter(\.$keyHash == digest).first()
        let identity = model?.identity
        devices.withLockedValue {
            if $0.count > 10_000 { $0.removeAll() }  // junk keys must not grow the cache without bound
            $0[digest] = Cached(value: identity, until: now.advanced(by: Self.freshness))
        }
        guard let identity else {
            throw AppError.unauthenticated(model == nil ? .unknownDeviceKey : .revokedDeviceKey, scheme: .deviceKey)
        }
        return identity
    }

    private func isRevoked(_ jti: String, on db: any Database) async throws -> Bool {
        let known = revoked.withLockedValue { $0 }
        if known.recent.contains(jti) { return true }
        if let loaded = known.loaded { return loaded.contains(jti) }
        let nowMs = Date().milliseconds
        let rows = try await RevokedTokenModel.query(on: db).filter(\.$expiresMs > nowMs).all()
        let ids = Set(rows.compactMap(\.id))
        revoked.withLockedValue { $0.loaded = ids }
        return ids.contains(jti)
    }

    /// Records a sign-out made by this process.
    func revoked(_ jti: String) {
        revoked.withLockedValue { _ = $0.recent.insert(jti) }
    }

    /// Forgets what was read about an account or a device key (after this process changed it).
    func forget(user id: UUID) {
        users.withLockedValue { _ = $0.removeValue(forKey: id) }
    }

    func forgetDevices() {
        devices.withLockedValue { $0.removeAll() }
    }
}

/// Which credential a 401 asks for (`WWW-Authenticate`).
enum CredentialScheme: String, Sendable {
    case bearer = "Bearer"
    case deviceKey = "DeviceKey"
}

extension Request {
    private struct PrincipalKey: StorageKey {
        typealias Value = Principal
    }

    /// Who is calling, as the access middleware established (nil on open routes).
    var principal: Principal? {
        get { storage[PrincipalKey.self] }
        set { storage[PrincipalKey.self] = newValue }
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

    /// Whether the peer is this host, with no proxy in between (a proxy on the same host
    /// would make every client look local).
    var isFromLoopback: Bool {
        guard headers.first(name: "X-Forwarded-For") == nil, headers.first(name: "Forwarded") == nil,
              let address = remoteAddress?.ipAddress
        else { return false }
        return address == "127.0.0.1" || address == "::1" || address == "::ffff:127.0.0.1"
    }
}
