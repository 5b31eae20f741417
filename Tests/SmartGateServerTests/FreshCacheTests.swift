import Testing
@testable import SmartGateServer

/// The cache in front of accounts, device keys and link peers (CONTRACTS §13: a cache is an
/// optimisation with a proven invalidation).
@Suite("Values read from the database and kept for a while")
struct FreshCacheTests {
    @Test("a value is kept for its lifetime, and read again once forgotten")
    func keptUntilForgotten() async throws {
        let cache = FreshCache<String, Int>(lifetime: .seconds(3_600))
        #expect(try await cache.value(for: "peers") { 1 } == 1)
        #expect(try await cache.value(for: "peers") { 2 } == 1)
        cache.forget("peers")
        #expect(try await cache.value(for: "peers") { 3 } == 3)
        cache.forgetAll()
        #expect(try await cache.value(for: "peers") { 4 } == 4)
    }

    /// The link's courier read the peers, a test added one meanwhile, and the courier's read
    /// (without it) was kept: the new peer was refused for the cache's whole lifetime.
    @Test("a read that began before a forget is answered but not kept", arguments: [false, true])
    func staleReadNotKept(forgetAll: Bool) async throws {
        let cache = FreshCache<String, Int>(lifetime: .seconds(3_600))
        let (started, startedSignal) = AsyncStream<Void>.makeStream()
        let (release, releaseSignal) = AsyncStream<Void>.makeStream()
        let stale = Task {
            try await cache.value(for: "peers") {
                startedSignal.yield()
                for await _ in release { break }
                return 1  // what the table held when the read began
            }
        }
        for await _ in started { break }
        if forgetAll { cache.forgetAll() } else { cache.forget("peers") }
        releaseSignal.yield()
        #expect(try await stale.value == 1)
        #expect(try await cache.value(for: "peers") { 2 } == 2)
    }
}
