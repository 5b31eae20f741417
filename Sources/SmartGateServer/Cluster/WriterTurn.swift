import Fluent
import SQLKit

/// With several instances on one PostgreSQL, each batch of the writer is one turn of a
/// cluster-wide writer: its transaction takes the writer's advisory lock first, so
/// batches from every instance commit one after another, exactly as one process's did,
/// and every read-check-write inside a job (a lane's passage, a declaration's version, the
/// audit chain's head) is race-free across instances too.
///
/// What the writer keeps in memory between batches (each lane's passage, the audit
/// chain's head) is then valid exactly when the previous turn was this instance's. The
/// one-row `writer_turns` table names the last instance that wrote, read under the lock;
/// any other name drops those caches before this batch runs and writes ours. One instance
/// writing alone pays one read per batch, no write.
struct WriterTurn: Sendable {
    /// This process: its instance id and its run (`Leases.run`), so two processes an
    /// operator gave one id still drop each other's caches.
    let instance: String
    /// Drops what the writer keeps in memory.
    let forget: @Sendable () -> Void

    /// Runs first in every batch's transaction.
    func begin(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        // The read below must see the previous holder's commit, whatever the server's
        // default isolation: READ COMMITTED takes its snapshot per statement.
        try await sql.raw("SET TRANSACTION ISOLATION LEVEL READ COMMITTED").run()
        try await sql.raw("SELECT pg_advisory_xact_lock(\(unsafeRaw: AdvisoryLock.writer.arguments))").run()
        // A statement of its own: under READ COMMITTED its snapshot is taken now, with the
        // lock held, so it sees the previous holder's commit.
        let last = try await sql.raw("SELECT instance FROM \(ident: CreateWriterTurns.table) WHERE id = 1").first()
            .flatMap { try $0.decode(column: "instance", as: String?.self) }
        guard last != instance else { return }
        forget()
        try await sql.raw("UPDATE \(ident: CreateWriterTurns.table) SET instance = \(bind: instance), turns = turns + 1 WHERE id = 1").run()
    }
}
