import Foundation
import JWT

/// The claims of a session token. Authorization never trusts `role` from the token: the
/// account is read again (see `Gatekeeper`), so a changed role or a disabled account
/// takes effect without waiting for the token to expire.
struct SessionToken: JWTPayload {
    var sub: SubjectClaim
    var exp: ExpirationClaim
    var iat: IssuedAtClaim
    /// The session id, for sign-out (revocation).
    var jti: IDClaim
    var role: String

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}
