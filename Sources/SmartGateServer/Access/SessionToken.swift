import Foundation
import GateKit
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

extension SessionToken {
    /// Header members a SmartGate token may carry. `crit` above all is refused: it names
    /// extensions the verifier must understand (RFC 7515 §4.1.11), and SmartGate knows none.
    static let headerMembers: Set<String> = ["alg", "typ", "kid"]

    /// Refuses a compact token in a form SmartGate never issues, before its signature is
    /// checked: three base64url parts without padding, each in its one canonical spelling (a
    /// signature whose last character differs only in spare bits decodes to the same bytes,
    /// so a token could be re-spelt and pass a revocation list kept by string), an `HS256`
    /// header with no member outside `headerMembers`.
    static func checkForm(_ token: String) throws(AppError) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw AppError.unauthenticated(.malformed) }
        var decoded: [Data] = []
        for part in parts {
            guard let data = Base64URL.canonicalDecode(part) else { throw AppError.unauthenticated(.malformed) }
            decoded.append(data)
        }
        guard case .object(let header)? = try? JSONValue.parse(decoded[0]),
              header.keys.allSatisfy(headerMembers.contains), header["alg"] == .string("HS256")
        else { throw AppError.unauthenticated(.malformed) }
    }

    /// Refuses a token whose claims outlast what this server issues: `exp` more than
    /// `lifetime` after `iat`, or `iat` in the future (60 s of clock skew allowed).
    func checkLifetime(_ lifetime: TimeInterval, now: Date) throws(AppError) {
        let issued = iat.value
        guard exp.value.timeIntervalSince(issued) <= lifetime + 1, issued.timeIntervalSince(now) <= 60 else {
            throw AppError.unauthenticated(.forged)
        }
    }
}

/// Base64url without padding (RFC 4648 §5, as JWS uses it, RFC 7515 §2).
enum Base64URL {
    /// The bytes of `text` when it is the one canonical spelling of them; nil otherwise.
    static func canonicalDecode(_ text: Substring) -> Data? {
        guard !text.isEmpty, text.utf8.allSatisfy({ isAlphabet($0) }) else { return nil }
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        standard += String(repeating: "=", count: (4 - standard.count % 4) % 4)
        guard let data = Data(base64Encoded: standard), encode(data) == text else { return nil }
        return data
    }

    static func encode(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    private static func isAlphabet(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"): true
        default: false
        }
    }
}
