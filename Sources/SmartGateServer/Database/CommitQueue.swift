import Fluent
import NIOConcurrencyHelpers
import SQLKit

/// The single writer: every write that must not be lost or doubled runs here, and the
/// writes that arrive while one transaction commits are committed together in the next.
///
/// Why: an fsync'd commit costs about a millisecond on these machines, so committing each
/// lane reading alone caps ingest near a thousand per second. Grouping concurrent writes
/// into one transaction (each in its own savepoint, so one failing write does not undo
/// its neighbours) pays that millisecond once per batch. A caller is answered only after
/// its batch has committed, so an acknowledged write survives `kill -9`. Running writes
/// one at a time also makes every read-check-write in a job race-free (two readings for
/// one lane cannot both open a passage).
final class CommitQueue: Sendable {
    typealias Work = @Sendable (any Database) async throws -> any Sendable

    private struct Job: Sendable {
        let work: Work
        let continuation: CheckedContinuation<any Sendable, any Error>
    }

    private struct State {
        var pending: [Job] = []
        var draining = false
    }

    private let state = NIOLockedValueBox(State())
    private let database: @Sendable () -> any Database
    private let maxBatch: Int
    private let onBatch: @Sendable (Int) -> Void

    /// - Parameters:
    ///   - database: the database to write to (called once per batch).
    ///   - maxBatch: most jobs in one transaction, to bound the latency of the last one.
    ///   - onBatch: told each committed batch's size, for metrics.
    init(maxBatch: Int = 256, database: @escaping @Sendable () -> any Database, onBatch: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.database = database
        self.maxBatch = maxBatch
        self.onBatch = onBatch
    }

    /// Runs `work` inside the next group transaction and returns its result once that
    /// transaction has committed. A thrown error rolls back this job's writes only.
    func perform<T: Sendable>(_ work: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        let value = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<any Sendable, any Error>) in
            let job = Job(work: { try await work($0) }, continuation: continuation)
            let startDrain = state.withLockedValue { state -> Bool in
                state.pending.append(job)
                if state.draining { return false }
                state.draining = true
                return true
            }
            if startDrain {
                Task { await self.drain() }
            }
        }
        return value as! T  // the job above returns exactly a T
    }

    /// Commits batches until nothing is pending. Only one drain runs at a time.
    private func drain() async {
        while true {
            let batch = state.withLockedValue { state -> [Job] in
                let batch = Array(state.pending.prefix(maxBatch))
                state.pending.removeFirst(batch.count)
                if batch.isEmpty { state.draining = false }
                return batch
            }
            if batch.isEmpty { return }
            await commit(batch)
        }
    }

    private func commit(_ batch: [Job]) async {
        let works = batch.map(\.work)
        let results: [Result<any Sendable, any Error>]
        do {
            results = try await database().transaction { transaction in
                // A lone job needs no savepoint: its failure rolls back the transaction.
                if works.count == 1 {
                    return [.success(try await works[0](transaction))]
                }
                let sql = transaction as! any SQLDatabase
                var results: [Result<any Sendable, any Error>] = []
                results.reserveCapacity(works.count)
                for work in works {
                    try await sql.raw("SAVEPOINT job").run()
                    do {
                        let value = try await work(transaction)
                        try await sql.raw("RELEASE SAVEPOINT job").run()
                        results.append(.success(value))
                    } catch {
                        try await sql.raw("ROLLBACK TO SAVEPOINT job").run()
                        try await sql.raw("RELEASE SAVEPOINT job").run()
                        results.append(.failure(error))
                    }
                }
                return results
            }
        } catch {
            for job in batch { job.continuation.resume(throwing: error) }
            return
        }
        onBatch(batch.count)
        for (job, result) in zip(batch, results) {
            job.continuation.resume(with: result)
        }
    }
}
