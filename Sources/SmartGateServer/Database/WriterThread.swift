import NIOCore
import NIOPosix

/// The writer's own thread: an event loop of its own, and the task executor the commit
/// queue's batches run on.
///
/// Why: on Swift's shared pool (two threads on a 2-core machine) every resumption of the
/// writer queued behind every request being parsed and authenticated, so under load a job of
/// microseconds took milliseconds and the accepted writes waited seconds. On its own thread
/// the writer is scheduled by the kernel beside the request threads, and the direct SQLite
/// connection's futures, made on this loop, complete without a hop.
final class WriterThread: Sendable {
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    /// The thread's event loop (for futures a batch makes).
    let loop: any EventLoop

    init() {
        loop = group.next()
    }

    deinit {
        // The last batch has ended: a queued job holds this executor until it has run.
        group.shutdownGracefully(queue: .global()) { _ in }
    }

    /// Runs `work` as a task on this thread. Task executors came with macOS 15 (Linux has
    /// them); before that the work runs on the shared pool, as the writer did before.
    func run(_ work: @escaping @Sendable () async -> Void) {
        if #available(macOS 15, *) { Task(executorPreference: self) { await work() } } else { Task { await work() } }
    }
}

@available(macOS 15, *)
extension WriterThread: TaskExecutor {
    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
