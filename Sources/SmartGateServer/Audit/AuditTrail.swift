import Fluent
import Foundation
import GateKit
import NIOConcurrencyHelpers
import SQLKit

/// Appends to the audit chain inside the writer's transaction, so a change and its audit
/// entry commit or vanish together. The chain's head (last seq and hash) is kept in memory
/// by the single writer and dropped whenever a batch rolls back.
final class AuditTrail: Sendable {
    private let head = NIOLockedValueBox<(seq: Int64, hash: String)??>(nil)

    /// Appends one entry. Call only from inside a commit-queue job.
    func append(actor: String, action: String, subject: String, payload: Data, at now: Date, on db: any Database) async throws {
        let previous = try await currentHead(on: db)
        let entry = AuditChain.append(after: previous, at: now, actor: actor, action: action, subject: subject, payload: payload)
        try await (db as! any SQLDatabase).insert(into: AuditEntryModel.schema)
            .columns("seq", "at_ms", "actor", "action", "subject", "payload_hash", "prev_hash", "hash")
            .values(
                SQLBind(entry.seq), SQLBind(entry.at.milliseconds), SQLBind(entry.actor), SQLBind(entry.action),
                SQLBind(entry.subject), SQLBind(entry.payloadHash), SQLBind(entry.prevHash), SQLBind(entry.hash))
            .run()
        head.withLockedValue { $0 = .some((entry.seq, entry.hash)) }
    }

    /// Forgets the cached head: the batch that advanced it was rolled back.
    func forget() {
        head.withLockedValue { $0 = nil }
    }

    private func currentHead(on db: any Database) async throws -> (seq: Int64, hash: String)? {
        if let cached = head.withLockedValue({ $0 }) { return cached }
        let last = try await AuditEntryModel.query(on: db).sort(\.$id, .descending).first()
        let loaded = last.map { (seq: $0.id ?? 0, hash: $0.hash) }
        head.withLockedValue { $0 = .some(loaded) }
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
