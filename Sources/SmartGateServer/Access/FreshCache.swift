import NIOConcurrencyHelpers

/// Values read from the database, trusted for `lifetime` before they are read again, and
/// forgotten at once when this process (or a notice from another instance) says they changed.
///
/// A load that started before a forget may have read the row as it was; it is answered but
/// not kept, so a change is never hidden behind a stale read for a whole lifetime.
final class FreshCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let entries = NIOLockedValueBox([Key: (value: Value, until: ContinuousClock.Instant)]())
    /// Counts forgets: a load that started before one (and may have read the row before the
    /// change) is answered but not kept.
    private let generation = NIOLockedValueBox(0)
    private let lifetime: Duration
    private let clock = ContinuousClock()

    init(lifetime: Duration) {
        self.lifetime = lifetime
    }

    /// The cached value while fresh, else what `load` reads now (and is kept).
    func value(for key: Key, load: () async throws -> Value) async throws -> Value {
        let now = clock.now
        if let cached = entries.withLockedValue({ $0[key] }), cached.until > now { return cached.value }
        let started = generation.withLockedValue { $0 }
        let value = try await load()
        generation.withLockedValue { generation in
            guard generation == started else { return }
            entries.withLockedValue {
                if $0.count > 10_000 { $0.removeAll() }  // junk keys must not grow the cache without bound
                $0[key] = (value, now.advanced(by: lifetime))
            }
        }
        return value
    }

    func forget(_ key: Key) {
        generation.withLockedValue { generation in
            generation += 1
            entries.withLockedValue { _ = $0.removeValue(forKey: key) }
        }
    }

    func forgetAll() {
        generation.withLockedValue { generation in
            generation += 1
            entries.withLockedValue { $0.removeAll() }
        }
    }
}
