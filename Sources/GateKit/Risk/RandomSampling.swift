import Crypto
import Foundation

/// Customs' random sampling: a share of trips goes to inspection whatever their risk, so
/// that no pattern is ever fully safe and the model keeps seeing unbiased outcomes.
///
/// A trip is sampled when HMAC-SHA256(secret, declaration id) falls below the gate's
/// rate (CONTRACTS §9): an auditor holding the secret can recompute every draw, and a
/// trader without it cannot predict one.
public struct RandomSampling: Sendable {
    private let key: SymmetricKey

    /// - Parameter secret: the sampling secret (at least 16 bytes; kept by customs).
    public init?(secret: Data) {
        guard secret.count >= 16 else { return nil }
        key = SymmetricKey(data: secret)
    }

    /// The draw for one declaration, uniform in [0, 1).
    public func draw(for declarationId: UUID) -> Double {
        let message = Data(declarationId.uuidString.lowercased().utf8)
        let code = HMAC<SHA256>.authenticationCode(for: message, using: key)
        // The first 53 bits: exactly representable, so the draw is uniform in [0, 1).
        let prefix = code.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Double(prefix >> 11) / Double(UInt64(1) << 53)
    }

    /// Whether the declaration is sampled at `rate` (0…1, the gate's share of trips).
    public func isSampled(_ declarationId: UUID, rate: Double) -> Bool {
        draw(for: declarationId) < rate
    }
}

extension Channel: Comparable {
    /// Strictness: green < yellow (documents) < red (physical inspection).
    public static func < (lhs: Channel, rhs: Channel) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
