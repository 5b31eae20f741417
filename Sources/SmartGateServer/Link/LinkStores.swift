import BorderLink
import Crypto
import Fluent
import Foundation
import GateKit
import SQLKit

/// The inbox's tables, inside the writer's transaction.
struct SQLInboxStore: LinkInboxStore {
    let sql: any SQLDatabase
    let receivedAt: Date

    func entry(_ id: UUID) async throws -> InboxEntry? {
        guard let row = try await sql.select().columns("envelope", "digest", "state", "reason", "detail", "receipt_ms")
            .from("link_inbox").where("id", .equal, id).first() else { return nil }
        return try Self.entry(row)
    }

    func appliedThrough(peer: String, stream: String) async throws -> Int64 {
        try await sql.select().column("applied_through").from("link_inbox_streams")
            .where("peer_id", .equal, peer).where("stream", .equal, stream).first(decodingColumn: "applied_through", as: Int64.self) ?? 0
    }

    func setAppliedThrough(peer: String, stream: String, _ sequence: Int64) async throws {
        let updated = try await sql.update("link_inbox_streams").set("applied_through", to: sequence)
            .where("peer_id", .equal, peer).where("stream", .equal, stream).returning("id").all()
        if updated.isEmpty {
            try await sql.insert(into: "link_inbox_streams").columns("peer_id", "stream", "applied_through")
                .values(SQLBind(peer), SQLBind(stream), SQLBind(sequence)).run()
        }
    }

    func save(_ entry: InboxEntry, isNew: Bool) async throws {
        let envelope = entry.envelope
        let receipt = entry.receipt
        if isNew {
            try await sql.insert(into: "link_inbox")
                .columns("id", "peer_id", "stream", "sequence", "type", "reference", "created_ms", "received_ms", "envelope", "digest",
                         "state", "reason", "detail", "receipt_ms")
                .values(
                    SQLBind(envelope.id), SQLBind(envelope.sender), SQLBind(envelope.stream), SQLBind(envelope.sequence),
                    SQLBind(envelope.type.rawValue), SQLBind(envelope.reference), SQLBind(envelope.createdAt.milliseconds),
                    SQLBind(receivedAt.milliseconds), SQLBind(String(decoding: try envelope.wireBytes(), as: UTF8.self)), SQLBind(entry.digest),
                    SQLBind(receipt.state.rawValue), SQLBind(receipt.reason?.rawValue), SQLBind(receipt.detail), SQLBind(receipt.at.milliseconds))
                .run()
        } else {
            // Only from `stored`: on several instances, the one whose update finds it stored applies it.
            let updated = try await sql.update("link_inbox").set("state", to: receipt.state.rawValue).set("reason", to: receipt.reason?.rawValue)
                .set("detail", to: receipt.detail).set("receipt_ms", to: receipt.at.milliseconds)
                .where("id", .equal, envelope.id).where("state", .equal, LinkReceipt.State.stored.rawValue).returning("id").all()
            if updated.isEmpty { throw AppError.unavailable("Message \(envelope.id.uuidString.lowercased()) was applied by another instance; retry.") }
        }
    }

    func waiting(peer: String, stream: String) async throws -> [InboxEntry] {
        try await sql.select().columns("envelope", "digest", "state", "reason", "detail", "receipt_ms").from("link_inbox")
            .where("peer_id", .equal, peer).where("stream", .equal, stream).where("state", .equal, LinkReceipt.State.stored.rawValue)
            .orderBy("sequence").limit(1_000).all().map(Self.entry)
    }

    private static func entry(_ row: any SQLRow) throws -> InboxEntry {
        let envelope = try LinkEnvelope(stored: try row.decode(column: "envelope", as: String.self))
        let state = LinkReceipt.State(rawValue: try row.decode(column: "state", as: String.self)) ?? .stored
        let receipt = LinkReceipt(
            messageId: envelope.id, stream: envelope.stream, sequence: envelope.sequence, state: state,
            reason: try row.decode(column: "reason", as: String?.self).flatMap(RefusalReason.init(rawValue:)),
            detail: try row.decode(column: "detail", as: String?.self), at: Date(milliseconds: try row.decode(column: "receipt_ms", as: Int64.self)))
        return InboxEntry(envelope: envelope, digest: try row.decode(column: "digest", as: String.self), receipt: receipt)
    }
}

/// The outbox's table: read directly, changed through the writer.
struct SQLOutboxStore: LinkOutboxStore {
    let db: any Database
    let commits: CommitQueue
    /// Signs a re-issued message.
    let key: Curve25519.Signing.PrivateKey
    let clock: ServerClock

    func due(peer: String, at now: Date, limit: Int) async throws -> [OutboxMessage] {
        let rows = try await (db as! any SQLDatabase).select().columns("envelope", "attempts", "next_attempt_ms").from("link_outbox")
            .where("peer_id", .equal, peer).where("state", .equal, "pending").where("next_attempt_ms", .lessThanOrEqual, now.milliseconds)
            .orderBy("created_ms").orderBy("stream").orderBy("sequence").limit(limit).all()
        return try rows.map { row in
            OutboxMessage(
                envelope: try LinkEnvelope(stored: try row.decode(column: "envelope", as: String.self)),
                attempts: try row.decode(column: "attempts", as: Int.self),
                nextAttemptAt: Date(milliseconds: try row.decode(column: "next_attempt_ms", as: Int64.self)))
        }
    }

    func acknowledge(_ receipts: [LinkReceipt], at now: Date) async throws {
        guard !receipts.isEmpty else { return }
        try await commits.perform { db in
            let sql = db as! any SQLDatabase
            for receipt in receipts {
                guard let id = receipt.messageId else { continue }
                try await sql.update("link_outbox")
                    .set("state", to: receipt.state == .refused ? "refused" : "acknowledged")
                    .set("acknowledged_ms", to: now.milliseconds).set("last_attempt_ms", to: now.milliseconds)
                    .set("receipt", to: String(decoding: try LinkCanonical.bytes(receipt.json), as: UTF8.self))
                    .where("id", .equal, id).where("state", .equal, "pending").run()
            }
        }
    }

    func retry(_ ids: [UUID], attempts: [UUID: Int], next: [UUID: Date]) async throws {
        guard !ids.isEmpty else { return }
        let now = clock.now()
        try await commits.perform { db in
            let sql = db as! any SQLDatabase
            for id in ids {
                try await sql.update("link_outbox").set("attempts", to: attempts[id] ?? 1)
                    .set("next_attempt_ms", to: (next[id] ?? now).milliseconds).set("last_attempt_ms", to: now.milliseconds)
                    .where("id", .equal, id).where("state", .equal, "pending").run()
            }
        }
    }

    func reissue(_ ids: [UUID], attempts: [UUID: Int], next: [UUID: Date]) async throws {
        guard !ids.isEmpty else { return }
        let now = clock.now()
        try await commits.perform { db in
            let sql = db as! any SQLDatabase
            for id in ids {
                guard let row = try await sql.select().column("envelope").from("link_outbox").where("id", .equal, id)
                    .where("state", .equal, "pending").first() else { continue }
                var envelope = try LinkEnvelope(stored: try row.decode(column: "envelope", as: String.self))
                envelope.id = UUID()
                envelope.createdAt = now
                try envelope.sign(with: key)
                try await sql.update("link_outbox").set("id", to: envelope.id).set("created_ms", to: envelope.createdAt.milliseconds)
                    .set("envelope", to: String(decoding: try envelope.wireBytes(), as: UTF8.self)).set("digest", to: try envelope.digest())
                    .set("attempts", to: attempts[id] ?? 1).set("next_attempt_ms", to: (next[id] ?? now).milliseconds)
                    .set("last_attempt_ms", to: now.milliseconds).where("id", .equal, id).run()
            }
        }
    }
}

/// Writes one message into the outbox, inside the transaction of the change it reports.
enum LinkOutboxWriter {
    /// Numbers (per peer and stream), signs and stores a message for `peer`; call only inside
    /// the writer's transaction of the change it reports.
    static func enqueue(
        _ type: LinkMessageType, reference: String, payload: [String: JSONValue], to peer: String, stream: String,
        context: SmartGateContext, at now: Date, on db: any Database
    ) async throws {
        let sql = db as! any SQLDatabase
        let sequence: Int64
        // The counter row is the stream's lock: its UPDATE serialises writers of one stream.
        if let next = try await sql.update("link_streams").set(SQLIdentifier("last_sequence"), to: SQLBinaryExpression(SQLColumn("last_sequence"), .add, SQLLiteral.numeric("1")))
            .where("peer_id", .equal, peer).where("stream", .equal, stream).returning("last_sequence")
            .first(decodingColumn: "last_sequence", as: Int64.self) {
            sequence = next
        } else {
            sequence = 1
            try await sql.insert(into: "link_streams").columns("peer_id", "stream", "last_sequence")
                .values(SQLBind(peer), SQLBind(stream), SQLBind(Int64(1))).run()
        }
        var envelope = LinkEnvelope(
            id: UUID(), sender: context.settings.side, receiver: peer, type: type, createdAt: now, stream: stream,
            sequence: sequence, reference: reference, payload: payload, keyId: "")
        try envelope.sign(with: context.keys.auditKey)
        try await sql.insert(into: "link_outbox")
            .columns("id", "peer_id", "stream", "sequence", "type", "reference", "created_ms", "envelope", "digest", "state", "attempts", "next_attempt_ms")
            .values(
                SQLBind(envelope.id), SQLBind(peer), SQLBind(stream), SQLBind(sequence), SQLBind(type.rawValue), SQLBind(reference),
                SQLBind(envelope.createdAt.milliseconds), SQLBind(String(decoding: try envelope.wireBytes(), as: UTF8.self)),
                SQLBind(try envelope.digest()), SQLBind("pending"), SQLBind(0), SQLBind(now.milliseconds))
            .run()
    }
}
