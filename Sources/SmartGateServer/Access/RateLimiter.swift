import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit

/// Token buckets by key (a user, a device key, a client address).
///
/// On SQLite (one process) in memory: a restart forgives everyone, which is the right bias
/// for a gate that must keep working. On PostgreSQL in the `rate_buckets` table, so a
/// limit holds across every instance behind the balancer: one statement refills and takes
/// a token under the row's lock, so two instances never both take the last one.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: Date
    }

    private let buckets = NIOLockedValueBox([String: Bucket]())
    /// Whether the buckets live in PostgreSQL.
    private let shared: Bool
    private let takes = NIOLockedValueBox(0)

    init(shared: Bool) {
        self.shared = shared
    }

    /// Takes one token from `key`'s bucket at `now` (the server's clock). Returns nil when
    /// allowed, else the whole seconds to wait (for `Retry-After`). `perMinute` 0 means unlimited.
    func take(_ key: String, perMinute: Int, now: Date, on db: any Database) async -> Int? {
        guard perMinute > 0 else { return nil }
        let rate = Double(perMinute) / 60
        let capacity = max(10, Double(perMinute) / 6)
        guard shared, let sql = db as? any SQLDatabase else { return takeInMemory(key, rate: rate, capacity: capacity, now: now) }
        do {
            return try await takeShared(key, rate: rate, capacity: capacity, now: now, on: sql)
        } catch {
            // A database that cannot answer this cannot answer the request either; the
            // limit is no reason to refuse a request it could serve.
            return nil
        }
    }

    private func takeInMemory(_ key: String, rate: Double, capacity: Double, now: Date) -> Int? {
        buckets.withLockedValue { buckets in
            if buckets.count > 50_000 { Self.prune(&buckets, now: now, rate: rate, capacity: capacity) }
            var bucket = buckets[key] ?? Bucket(tokens: capacity, updated: now)
            // A clock set back refills nothing.
            let seconds = max(0, now.timeIntervalSince(bucket.updated))
            bucket.tokens = min(capacity, bucket.tokens + seconds * rate)
            bucket.updated = now
            defer { buckets[key] = bucket }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return Self.wait(tokens: bucket.tokens, rate: rate)
        }
    }

    private func takeShared(_ key: String, rate: Double, capacity: Double, now: Date, on sql: any SQLDatabase) async throws -> Int? {
        let nowMs = now.milliseconds
        let table = CreateRateBuckets.table
        // The refilled level, written once and used three times: capped, never refilled by
        // a clock set back.
        let level: SQLQueryString = "LEAST(\(bind: capacity), \(ident: table).tokens + GREATEST(0, \(bind: nowMs) - \(ident: table).updated_ms) * \(bind: rate / 1000))"
        let row = try await sql.raw("""
            INSERT INTO \(ident: table) (key, tokens, allowed, updated_ms) VALUES (\(bind: key), \(bind: capacity - 1), TRUE, \(bind: nowMs))
            ON CONFLICT (key) DO UPDATE SET
              tokens = CASE WHEN \(level) >= 1 THEN \(level) - 1 ELSE \(level) END,
              allowed = \(level) >= 1,
              updated_ms = GREATEST(\(ident: table).updated_ms, \(bind: nowMs))
            RETURNING tokens, allowed
            """).first()
        if takes.withLockedValue({ $0 += 1; return $0 % 10_000 == 0 }) {
            // Buckets untouched for an hour have refilled: they hold no information.
            try await sql.delete(from: table).where("updated_ms", .lessThan, nowMs - 3_600_000).run()
        }
        guard let row, try !row.decode(column: "allowed", as: Bool.self) else { return nil }
        return Self.wait(tokens: try row.decode(column: "tokens", as: Double.self), rate: rate)
    }

    private static func wait(tokens: Double, rate: Double) -> Int {
        max(1, Int(((1 - tokens) / rate).rounded(.up)))
    }

    /// Drops buckets that have refilled: they hold no information.
    private static func prune(_ buckets: inout [String: Bucket], now: Date, rate: Double, capacity: Double) {
        buckets = buckets.filter { _, bucket in
            now.timeIntervalSince(bucket.updated) * rate + bucket.tokens < capacity
        }
    }
}
