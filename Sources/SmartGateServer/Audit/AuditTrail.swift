import Fluent
import Foundation
import GateKit
import NIOConcurrencyHelpers
import SQLKit

/// Appends to the audit chain inside the writer's transaction, so a change and its audit
/// entry commit or vanish together.
///
/// Entries are chained as jobs stage them and written by the commit queue in one
/// multi-row INSERT just before the batch commits (`flush`): one statement per batch
/// instead of one per change on the writer's hot path. The head (last seq and hash) and
/// the staged entries live in memory in the single writer; a rolled-back batch drops both,
/// and the jobs that go round again stage their entries anew.
final class AuditTrail: Sendable {
    private struct State {
        var head: (seq: Int64, hash: String)??
        var staged: [AuditEntry] = []
    }

    private let state = NIOLockedValueBox(State())

    /// Chains one entry after the current head. Call only from inside a commit-queue job.
    func append(actor: String, action: String, subject: String, payload: Data, at now: Date, on db: any Database) async throws {
        let previous = try await currentHead(on: db)
        let entry = AuditChain.append(after: previous, at: now, actor: actor, action: action, subject: subject, payload: payload)
        state.withLockedValue {
            $0.head = .some((entry.seq, entry.hash))
            $0.staged.append(entry)
        }
    }

    /// The entries staged in this batch so far, oldest first.
    func staged() -> [AuditEntry] {
        state.withLockedValue { $0.staged }
    }

    /// Writes the staged entries; the commit queue calls it last in every transaction.
    func flush(on db: any Database) async throws {
        let staged = state.withLockedValue { state -> [AuditEntry] in
            defer { state.staged.removeAll() }
            return state.staged
        }
        guard !staged.isEmpty else { return }
        let insert = (db as! any SQLDatabase).insert(into: AuditEntryModel.schema)
            .columns("seq", "at_ms", "actor", "action", "subject", "payload_hash", "prev_hash", "hash")
        for entry in staged {
            insert.values(
                SQLBind(entry.seq), SQLBind(entry.at.milliseconds), SQLBind(entry.actor), SQLBind(entry.action),
                SQLBind(entry.subject), SQLBind(entry.payloadHash), SQLBind(entry.prevHash), SQLBind(entry.hash))
        }
        try await insert.run()
    }

    /// Forgets the head and anything staged: the batch that advanced them was rolled back.
    func forget() {
        state.withLockedValue { $0 = State() }
    }

    private func currentHead(on db: any Database) async throws -> (seq: Int64, hash: String)? {
        if let cached = state.withLockedValue({ $0.head }) { return cached }
        let last = try await AuditEntryModel.query(on: db).sort(\.$id, .descending).first()
        let loaded = last.map { (seq: $0.id ?? 0, hash: $0.hash) }
        state.withLockedValue { $0.head = .some(loaded) }
        return loaded
    }

    /// Walks the stored chain in seq order, a page at a time.
    static func verify(on db: any Database, pageSize: Int = 5_000) async throws -> AuditChain.Verdict {
        var walk = AuditChain.Walk()
        var after: Int64 = 0
        while true {
            let page = try await AuditEntryModel.query(on: db).filter(\.$id > after).sort(\.$id).limit(pageSize).all()
            for model in page {
                if let broken = walk.check(model.entry) { return broken }
            }
            guard let last = page.last?.id, page.count == pageSize else { return walk.verdict }
            after = last
        }
    }
}
