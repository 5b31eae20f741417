import BorderLink
import Fluent
import Foundation
import GateKit
import SQLKit

/// The one way in for a peer's messages, delivered to the inbox or pulled from the peer's
/// outbox: each envelope verified, refusals stored for inspection, the rest through the
/// inbox state machine in one transaction of the writer.
enum LinkReception {
    struct Result: Sendable {
        /// One receipt per document, in order, then those of waiting messages let through.
        var receipts: [LinkReceipt]
        /// Streams with a gap to pull.
        var gaps: Set<String>
    }

    typealias Refused = (index: Int, receipt: LinkReceipt, document: JSONValue)
    typealias Verified = (index: Int, envelope: LinkEnvelope)

    static let maxBatch = 500

    /// Receives documents `peer` delivered or this side pulled: one receipt each, in order.
    static func receive(_ documents: [JSONValue], from peer: String, context: SmartGateContext, on db: any Database) async throws -> Result {
        let now = context.now
        let verifier = try await context.link.peers.verifier(settings: context.settings, on: db)
        var verified: [Verified] = []
        var refused: [Refused] = []
        for (index, document) in documents.enumerated() {
            do {
                verified.append((index, try verifier.verify(document, deliveredBy: peer, now: now)))
            } catch {
                let id: UUID? = if case .string(let text)? = document["id"] { UUID(uuidString: text) } else { nil }
                refused.append((index, .refused(error, id: id, at: now), document))
                context.metrics.linkRefused(peer: peer, reason: error.reason)
            }
        }
        let inboxed: [(Int, Inbox.Outcome)]
        do {
            inboxed = try await store(refused: refused, verified: verified, from: peer, context: context, now: now)
        } catch let error as any DatabaseError where error.isConstraintFailure {
            // Another instance stored the same message at the same moment: the retry is answered from it.
            throw AppError.unavailable("The same message is being received by another instance; retry.")
        }
        var receipts = Array(repeating: LinkReceipt?.none, count: documents.count)
        var extra: [LinkReceipt] = []
        var gaps = Set<String>()
        for item in refused { receipts[item.index] = item.receipt }
        for (index, outcome) in inboxed {
            receipts[index] = outcome.receipts.first
            extra += outcome.receipts.dropFirst()
            if outcome.gap != nil, let stream = outcome.receipts.first?.stream { gaps.insert(stream) }
        }
        for receipt in receipts.compactMap({ $0 }) + extra {
            context.metrics.linkReceived(peer: peer, state: receipt.state.rawValue)
            if receipt.state == .refused, let reason = receipt.reason, receipt.stream != nil { context.metrics.linkRefused(peer: peer, reason: reason) }
        }
        return Result(receipts: receipts.compactMap { $0 } + extra, gaps: gaps)
    }

    /// In one transaction of the writer: the refusals kept, the verified messages received.
    private static func store(
        refused: [Refused], verified: [Verified], from peer: String, context: SmartGateContext, now: Date
    ) async throws -> [(Int, Inbox.Outcome)] {
        try await context.commits.perform { db in
            let sql = db as! any SQLDatabase
            for item in refused {
                let text = String(decoding: (try? LinkCanonical.bytes(item.document)) ?? Data("(not canonical)".utf8), as: UTF8.self)
                try await sql.insert(into: "link_refusals").columns("peer_id", "message_id", "reason", "detail", "received_ms", "document")
                    .values(SQLBind(peer), SQLBind(item.receipt.messageId), SQLBind(item.receipt.reason?.rawValue ?? "malformed"),
                            SQLBind(item.receipt.detail ?? ""), SQLBind(now.milliseconds), SQLBind(String(text.prefix(65_536))))
                    .run()
            }
            let store = SQLInboxStore(sql: sql, receivedAt: now)
            var outcomes: [(Int, Inbox.Outcome)] = []
            for (index, envelope) in verified {
                let outcome = try await Inbox.receive(envelope, at: now, store: store) { message in
                    try await LinkApplier.apply(message, context: context, at: now, on: db)
                }
                outcomes.append((index, outcome))
            }
            return outcomes
        }
    }
}
