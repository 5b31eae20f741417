import NIOConcurrencyHelpers

/// Waits for background work to stop, but not for ever.
///
/// Why: a shutdown that awaits a loop stuck on something that ignores cancellation (a
/// database call on a session the server lost, a write queued behind a stalled writer)
/// never returns, and a server that cannot stop cannot be restarted by its supervisor
/// either. Past the deadline the caller goes on and says so; the stuck work is left to end
/// with the process.
enum StopDeadline {
    /// Runs `work` and returns true when it finished within `limit`, false when the limit
    /// came first (the work goes on unawaited).
    static func run(within limit: Duration, _ work: @escaping @Sendable () async -> Void) async -> Bool {
        (try? await value(within: limit) { await work() }) != nil
    }

    /// The value of `work`, or `Passed` thrown when `limit` comes first. Unlike a task
    /// group, which waits for every child, this returns at the limit even when the work
    /// ignores its cancellation (a query on a connection that will never answer).
    static func value<T: Sendable>(within limit: Duration, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let answered = NIOLockedValueBox(false)
            let answer: @Sendable (Result<T, any Error>) -> Void = { result in
                let first = answered.withLockedValue { done -> Bool in
                    defer { done = true }
                    return !done
                }
                if first { continuation.resume(with: result) }
            }
            // The timer ends with the work, so a probe a second leaves no sleepers behind.
            let timer = NIOLockedValueBox<Task<Void, Never>?>(nil)
            let running = Task {
                do { answer(.success(try await work())) } catch { answer(.failure(error)) }
                timer.withLockedValue { $0 }?.cancel()
            }
            timer.withLockedValue {
                $0 = Task {
                    guard (try? await Task.sleep(for: limit)) != nil else { return }
                    answer(.failure(Passed(limit: limit)))
                    running.cancel()
                }
            }
        }
    }

    /// The limit came before the work's end.
    struct Passed: Error, CustomStringConvertible {
        var limit: Duration
        var description: String { "no answer within \(limit)" }
    }
}

