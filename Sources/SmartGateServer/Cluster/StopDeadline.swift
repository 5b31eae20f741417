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
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let answered = NIOLockedValueBox(false)
            let answer: @Sendable (Bool) -> Void = { finished in
                let first = answered.withLockedValue { done -> Bool in
                    defer { done = true }
                    return !done
                }
                if first { continuation.resume(returning: finished) }
            }
            let running = Task { await work(); answer(true) }
            Task {
                try? await Task.sleep(for: limit)
                answer(false)
                running.cancel()
            }
        }
    }
}
