import Foundation
import NIOConcurrencyHelpers
import Testing
@testable import SmartGateServer

/// The writer's bounds (issue 19): past them a write is turned away at once, none of it run,
/// and the writer takes writes again once it has drained. Time is a clock the test moves.
/// A queue that ignored its bounds would hold a turned-away write for ever: the time limit
/// turns that into a failure.
@Suite("The writer's queue", .timeLimit(.minutes(1)))
struct CommitQueueTests {
    /// A monotonic clock in nanoseconds that only the test moves.
    final class Uptime: Sendable {
        private let value = NIOLockedValueBox<UInt64>(1_000_000_000)
        var now: UInt64 { value.withLockedValue { $0 } }
        func advance(milliseconds: UInt64) { value.withLockedValue { $0 += milliseconds * 1_000_000 } }
    }

    /// A job that holds its batch's transaction open until released.
    struct Blocker {
        let task: Task<Int, any Error>
        let release: @Sendable () -> Void

        static func start(on queue: CommitQueue) async -> Blocker {
            let (started, began) = AsyncStream.makeStream(of: Void.self)
            let (gate, opener) = AsyncStream.makeStream(of: Void.self)
            let task = Task { try await queue.perform { _ in began.yield(); for await _ in gate { break }; return 0 } }
            for await _ in started { break }  // its batch is in flight: nothing is waiting
            return Blocker(task: task, release: { opener.yield() })
        }
    }

    @Test("past its bounds by count or by the oldest unanswered write's age, a write answers 503 at once and none of it runs")
    func bounded() async throws {
        try await withSmartGate(.sqlite) { app in
            let uptime = Uptime()
            let turnedAway = NIOLockedValueBox(0)
            let ran = NIOLockedValueBox<[Int]>([])
            let queue = CommitQueue(database: { app.db }, bounds: .init(maxPending: 3, maxWaitMilliseconds: 500),
                                    onTurnedAway: { turnedAway.withLockedValue { $0 += 1 } }, uptime: { uptime.now })
            @Sendable func write(_ n: Int) async throws -> Int {
                try await queue.perform { _ in ran.withLockedValue { $0.append(n) }; return n }
            }
            func isTurnedAway(_ error: any Error) -> Bool {
                if case AppError.unavailable = error { return true } else { return false }
            }

            // By count: three wait behind a batch in flight; the fourth is turned away.
            var blocker = await Blocker.start(on: queue)
            let waiting = (1...3).map { n in Task { try await write(n) } }
            while queue.waiting < 3 { await Task.yield() }
            await #expect(throws: AppError.self) { try await write(4) }
            blocker.release()
            for task in waiting { _ = try await task.value }
            _ = try await blocker.task.value

            // By age: the batch in flight was queued 501 ms ago, so a new write would wait
            // behind a writer already late, though the oldest waiting write is 201 ms old.
            blocker = await Blocker.start(on: queue)
            uptime.advance(milliseconds: 300)
            let old = Task { try await write(5) }
            while queue.waiting < 1 { await Task.yield() }
            uptime.advance(milliseconds: 200)
            let stillTaken = Task { try await write(6) }
            while queue.waiting < 2 { await Task.yield() }
            uptime.advance(milliseconds: 1)
            do {
                _ = try await write(7)
                Issue.record("a write behind a batch 501 ms late was queued")
            } catch {
                #expect(isTurnedAway(error), "\(error)")
            }
            // The door's check (`WriterAdmission`) answers the same before a request is read.
            #expect(throws: AppError.self) { try queue.admit() }
            blocker.release()
            #expect(try await old.value == 5)
            #expect(try await stillTaken.value == 6)
            _ = try await blocker.task.value

            // Drained: writes are taken again.
            try queue.admit()
            #expect(try await write(8) == 8)
            #expect(turnedAway.withLockedValue { $0 } == 3)
            #expect(Set(ran.withLockedValue { $0 }) == [1, 2, 3, 5, 6, 8], "the writes turned away ran nothing")
        }
    }
}
