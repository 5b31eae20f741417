import BorderLink
import Fluent
import Foundation
import GateKit
import SQLKit

/// This side's audit head as a message: the head, and the hash the chain now holds at the
/// seq of the previous anchor sent to that peer, so a rewritten chain shows in the next.
enum LinkAnchors {
    static func enqueue(to peer: String, context: SmartGateContext, at now: Date) async throws {
        try await context.commits.perform { db in
            let sql = db as! any SQLDatabase
            guard let head = try await AuditEntryModel.query(on: db).sort(\.$id, .descending).first() else { return }
            let previous = try await sql.select().column("envelope").from("link_outbox")
                .where("peer_id", .equal, peer).where("type", .equal, LinkMessageType.auditAnchor.rawValue)
                .orderBy("created_ms", .descending).limit(1).first()
            let previousSeq = previous.flatMap { try? AuditAnchor(payload: LinkEnvelope(stored: $0.decode(column: "envelope", as: String.self)).payload).seq } ?? 0
            let previousHash = previousSeq > 0 ? (try await AuditEntryModel.find(previousSeq, on: db)?.hash ?? AuditChain.genesis) : AuditChain.genesis
            let anchor = AuditAnchor(seq: head.id ?? 0, hash: head.hash, at: now, previousSeq: previousSeq, previousHash: previousHash)
            try await LinkOutboxWriter.enqueue(
                .auditAnchor, reference: "audit:\(context.settings.side)", payload: anchor.payload, to: peer, stream: "audit",
                context: context, at: now, on: db)
        }
    }
}
