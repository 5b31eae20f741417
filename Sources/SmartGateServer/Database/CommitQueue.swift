import Dispatch
import Fluent
import NIOConcurrencyHelpers

/// The single writer: every write that must not be lost or doubled runs here, and the
/// writes that arrive while one transaction commits are committed together in the next.
///
/// Why: an fsync'd commit costs about a millisecond on these machines, so committing each
/// lane reading alone caps ingest near a thousand per second. Grouping concurrent writes
/// into one transaction pays that millisecond once per batch; a failing write does not
/// undo its neighbours (see `commit`). A caller is answered only after
/// its batch has committed, so an acknowledged write survives `kill -9`. Running writes
/// one at a time also makes every read-check-write in a job race-free (two readings for
/// one lane cannot both open a passage).
///
/// Bounded: past `Bounds`, a write is turned away at once with 503 and Retry-After rather
/// than queued into a client's timeout; nothing of it was written, so the retry is safe.
final class CommitQueue: Sendable {
    typealias Work = @Sendable (any Database) async throws -> any Sendable

    /// How much may wait for the writer (`ServerSettings.writerMaxPending` and
    /// `writerMaxWaitMilliseconds`). A queue that grows without bound answers every caller
    /// late once writes arrive faster than the disk commits them; a bounded one answers the
    /// accepted writes in time and the rest "busy, retry in 1 s" at once.
    struct Bounds: Sendable {
        /// Most jobs waiting for a batch (the batch being committed not counted).
        var maxPending: Int
        /// Most milliseconds ago the oldest job not yet answered may have been queued; nil:
        /// no bound by age.
        var maxWaitMilliseconds: Int?
    }

    private struct Job: Sendable {
        let work: Work
        let continuation: CheckedContinuation<any Sendable, any Error>
        /// When it was queued, by `uptime` (nanoseconds).
        let queuedAt: UInt64
    }

    private struct State {
        var pending: [Job] = []
        var draining = false
        /// When the oldest job of the batch being committed was queued; nil between batches.
        var inFlightSince: UInt64?
    }

    private let state = NIOLockedValueBox(State())
    private let transactions: any WriteTransactions
    private let thread: WriterThread
    private let maxBatch: Int
    private let onBatch: @Sendable (Int) -> Void
    private let onRollback: @Sendable () -> Void
    private let begin: @Sendable (any Database) async throws -> Void
    private let beforeCommit: @Sendable (any Database) async throws -> Void
    private let bounds: Bounds
    private let onTurnedAway: @Sendable () -> Void
    /// A monotonic clock in nanoseconds; a test passes one it moves.
    private let uptime: @Sendable () -> UInt64

    /// - Parameters:
    ///   - transactions: where each batch's transaction runs (`DirectSQLiteWriter` on an
    ///     SQLite file, Fluent's pool elsewhere).
    ///   - thread: the thread the batches run on.
    ///   - maxBatch: most jobs in one transaction, to bound the latency of the last one.
    ///   - onBatch: told each committed batch's size, for metrics.
    ///   - onRollback: told when a batch was rolled back, so in-memory state derived from
    ///     its jobs can be dropped.
    ///   - begin: runs first inside every batch's transaction (on PostgreSQL, the writer's
    ///     turn among several instances: `WriterTurn`).
    ///   - beforeCommit: runs last inside every batch's transaction (the audit trail writes
    ///     its staged entries there).
    ///   - bounds: past these, a write is turned away (503) instead of queued.
    ///   - onTurnedAway: told each write turned away, for metrics.
    ///   - uptime: a monotonic clock in nanoseconds, for the oldest job's age.
    init(
        maxBatch: Int = 256, transactions: any WriteTransactions, thread: WriterThread = WriterThread(),
        onBatch: @escaping @Sendable (Int) -> Void = { _ in }, onRollback: @escaping @Sendable () -> Void = {},
        begin: @escaping @Sendable (any Database) async throws -> Void = { _ in },
        beforeCommit: @escaping @Sendable (any Database) async throws -> Void = { _ in },
        bounds: Bounds, onTurnedAway: @escaping @Sendable () -> Void = {},
        uptime: @escaping @Sendable () -> UInt64 = { DispatchTime.now().uptimeNanoseconds }
    ) {
        self.bounds = bounds
        self.onTurnedAway = onTurnedAway
        self.uptime = uptime
        self.begin = begin
        self.beforeCommit = beforeCommit
        self.transactions = transactions
        self.thread = thread
        self.maxBatch = maxBatch
        self.onBatch = onBatch
        self.onRollback = onRollback
    }

    /// A queue whose batches run in transactions of `database` through Fluent's pool.
    convenience init(
        database: @escaping @Sendable () -> any Database, bounds: Bounds, onTurnedAway: @escaping @Sendable () -> Void = {},
        uptime: @escaping @Sendable () -> UInt64 = { DispatchTime.now().uptimeNanoseconds }
    ) {
        self.init(transactions: FluentWriteTransactions(database: database), bounds: bounds, onTurnedAway: onTurnedAway, uptime: uptime)
    }

    /// Runs `work` inside the next group transaction and returns its result once that
    /// transaction has committed. A thrown error rolls back this job's writes only. Throws
    /// `AppError.unavailable` at once, running nothing, when the queue is past its bounds.
    func perform<T: Sendable>(_ work: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        let value = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<any Sendable, any Error>) in
            let job = Job(work: { try await work($0) }, continuation: continuation, queuedAt: uptime())
            let admitted = state.withLockedValue { state -> Admission in
                if isFull(state, now: job.queuedAt) { return .turnedAway }
                state.pending.append(job)
                if state.draining { return .queued }
                state.draining = true
                return .startsDrain
            }
            switch admitted {
            case .turnedAway:
                onTurnedAway()
                continuation.resume(throwing: Self.busy)
            case .queued: break
            case .startsDrain: thread.run { await self.drain() }
            }
        }
        return value as! T  // the job above returns exactly a T
    }

    private enum Admission { case turnedAway, queued, startsDrain }

    /// The answer to a write turned away.
    static let busy = AppError.unavailable("The writer is busy; retry in 1 s. Nothing of this request was written.")

    /// Throws the writer's 503 at once when a write arriving now would be turned away:
    /// checked before a write request is authenticated and parsed (`WriterAdmission`);
    /// `perform` checks again when the job is queued.
    func admit() throws {
        let now = uptime()
        guard state.withLockedValue({ isFull($0, now: now) }) else { return }
        onTurnedAway()
        throw Self.busy
    }

    /// Past the bounds: too many waiting, or the oldest job not yet answered (in the batch
    /// being committed, else the first waiting) was queued too long ago: the writer is
    /// behind, or stalled by the disk or another process's lock. Counting the batch in
    /// flight keeps a new write from being queued behind a batch that is already late.
    private func isFull(_ state: State, now: UInt64) -> Bool {
        if state.pending.count >= bounds.maxPending { return true }
        guard let limit = bounds.maxWaitMilliseconds,
              let oldest = state.inFlightSince ?? state.pending.first?.queuedAt, now > oldest else { return false }
        return (now - oldest) / 1_000_000 > UInt64(limit)
    }

    /// Jobs waiting for a batch now (the batch being committed not counted).
    var waiting: Int { state.withLockedValue { $0.pending.count } }

    /// Commits batches until nothing is pending. Only one drain runs at a time.
    private func drain() async {
        while true {
            let batch = state.withLockedValue { state -> [Job] in
                let batch = Array(state.pending.prefix(maxBatch))
                state.pending.removeFirst(batch.count)
                state.inFlightSince = batch.first?.queuedAt
                if batch.isEmpty { state.draining = false }
                return batch
            }
            if batch.isEmpty { return }
            await commit(batch)
        }
    }

    /// One job threw inside a batch's transaction.
    private struct JobFailed: Error {
        var index: Int
        var error: any Error
    }

    /// `beforeCommit` threw: the audit head moved under this writer (another process, such
    /// as the CLI creating a user, appended to the chain).
    private struct HookFailed: Error {
        var error: any Error
    }

    private func commit(_ batch: [Job]) async {
        // Optimistic: the whole batch in one transaction, no per-job savepoints (each would
        // add two round trips to every write). When job i throws, the transaction rolls back,
        // job i gets its error (its own writes are gone with the rollback), and the others
        // go round again without it. Jobs before i simply run again: nothing of theirs was
        // committed or answered. A failure of the commit itself fails every job of the
        // batch: it is not retried, since whether it landed may be unknown (clients retry
        // safely with their idempotency keys).
        // A failing `beforeCommit` gets one more round: `onRollback` has dropped the stale
        // state, so the jobs run again from what is really in the database.
        var pending = batch
        var hookRetried = false
        while !pending.isEmpty {
            let works = pending.map(\.work)
            do {
                let values = try await transactions.transaction { transaction in
                    try await self.begin(transaction)
                    var values: [any Sendable] = []
                    values.reserveCapacity(works.count)
                    for (index, work) in works.enumerated() {
                        do {
                            values.append(try await work(transaction))
                        } catch {
                            throw JobFailed(index: index, error: error)
                        }
                    }
                    do {
                        try await self.beforeCommit(transaction)
                    } catch {
                        throw HookFailed(error: error)
                    }
                    return values
                }
                onBatch(pending.count)
                for (job, value) in zip(pending, values) { job.continuation.resume(returning: value) }
                return
            } catch let failed as JobFailed {
                onRollback()
                pending[failed.index].continuation.resume(throwing: failed.error)
                pending.remove(at: failed.index)
            } catch is HookFailed where !hookRetried {
                onRollback()
                hookRetried = true
            } catch {
                onRollback()
                let cause = (error as? HookFailed)?.error ?? error
                for job in pending { job.continuation.resume(throwing: cause) }
                return
            }
        }
    }
}
