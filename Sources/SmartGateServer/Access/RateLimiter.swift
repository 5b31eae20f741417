import Foundation
import NIOConcurrencyHelpers

/// Token buckets by key (a user, a device key, a client address). In memory: a restart
/// forgives everyone, which is the right bias for a gate that must keep working.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private let buckets = NIOLockedValueBox([String: Bucket]())
    private let clock = ContinuousClock()

    /// Takes one token from `key`'s bucket. Returns nil when allowed, else the whole
    /// seconds to wait (for `Retry-After`). `perMinute` 0 means unlimited.
    func take(_ key: String, perMinute: Int) -> Int? {
        guard perMinute > 0 else { return nil }
        let rate = Double(perMinute) / 60
        let capacity = max(10, Double(perMinute) / 6)
        let now = clock.now
        return buckets.withLockedValue { buckets in
            if buckets.count > 50_000 { Self.prune(&buckets, now: now, rate: rate, capacity: capacity) }
            var bucket = buckets[key] ?? Bucket(tokens: capacity, updated: now)
            let elapsed = now - bucket.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(capacity, bucket.tokens + seconds * rate)
            bucket.updated = now
            defer { buckets[key] = bucket }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return max(1, Int(((1 - bucket.tokens) / rate).rounded(.up)))
        }
    }

    /// Drops buckets that have refilled: they hold no information.
    private static func prune(_ buckets: inout [String: Bucket], now: ContinuousClock.Instant, rate: Double, capacity: Double) {
        buckets = buckets.filter { _, bucket in
            let idle = now - bucket.updated
            return Double(idle.components.seconds) * rate + bucket.tokens < capacity
        }
    }
}
