import BorderLink
import Fluent
import Foundation
import GateKit
import SQLKit

/// The link's health per peer, for `GET /api/v1/link/status`, its page and metrics.
enum LinkStatus {
    struct PeerStatus: Encodable, Sendable {
        var peer: String
        var url: String
        var keyIds: [String]
        var queueDepth: Int
        var oldestUnacknowledgedSeconds: Double?
        var lastSentAt: Date?
        var lastAcknowledgedAt: Date?
        var acknowledged: Int
        /// Our messages the peer refused, by reason.
        var refusedByPeer: [String: Int]
        /// The peer's messages this side refused, by reason.
        var refusedHere: [String: Int]
        var receivedApplied: Int
        var waitingForGap: Int
        /// The peer's clock minus ours, from its last signed request to this instance.
        var clockOffsetSeconds: Double?
        var clockOffsetSeenAt: Date?
    }

    /// Each peer's status, read from the outbox, the inbox and the refusals.
    static func peers(_ context: SmartGateContext, on db: any Database) async throws -> [PeerStatus] {
        let sql = db as! any SQLDatabase
        let now = context.now
        var out: [PeerStatus] = []
        for peer in try await context.link.peers.all(on: db) {
            func count(_ table: String, _ state: String) async throws -> Int {
                try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from(table)
                    .where("peer_id", .equal, peer.id).where("state", .equal, state).first(decodingColumn: "n", as: Int.self) ?? 0
            }
            let oldest = try await sql.select().column(SQLFunction("MIN", args: SQLColumn("created_ms")), as: "ms").from("link_outbox")
                .where("peer_id", .equal, peer.id).where("state", .equal, "pending").first(decodingColumn: "ms", as: Int64?.self) ?? nil
            let lastSent = try await sql.select().column(SQLFunction("MAX", args: SQLColumn("last_attempt_ms")), as: "ms").from("link_outbox")
                .where("peer_id", .equal, peer.id).first(decodingColumn: "ms", as: Int64?.self) ?? nil
            let lastAcknowledged = try await sql.select().column(SQLFunction("MAX", args: SQLColumn("acknowledged_ms")), as: "ms").from("link_outbox")
                .where("peer_id", .equal, peer.id).first(decodingColumn: "ms", as: Int64?.self) ?? nil
            var refusedByPeer: [String: Int] = [:]
            for row in try await sql.select().column("receipt").from("link_outbox").where("peer_id", .equal, peer.id).where("state", .equal, "refused").limit(10_000).all() {
                let receipt = try? LinkReceipt(json: try JSONValue.parse(Data(try row.decode(column: "receipt", as: String.self).utf8)))
                refusedByPeer[receipt?.reason?.rawValue ?? "malformed", default: 0] += 1
            }
            var refusedHere: [String: Int] = [:]
            for row in try await sql.select().column("reason").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("link_refusals")
                .where("peer_id", .equal, peer.id).groupBy("reason").all() {
                refusedHere[try row.decode(column: "reason", as: String.self), default: 0] += try row.decode(column: "n", as: Int.self)
            }
            for row in try await sql.select().column("reason").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("link_inbox")
                .where("peer_id", .equal, peer.id).where("state", .equal, "refused").groupBy("reason").all() {
                refusedHere[try row.decode(column: "reason", as: String?.self) ?? "malformed", default: 0] += try row.decode(column: "n", as: Int.self)
            }
            let offset = context.link.peers.offset(of: peer.id)
            out.append(PeerStatus(
                peer: peer.id, url: peer.url, keyIds: peer.keys.map(\.id), queueDepth: try await count("link_outbox", "pending"),
                oldestUnacknowledgedSeconds: oldest.map { now.timeIntervalSince(Date(milliseconds: $0)) },
                lastSentAt: lastSent.map(Date.init(milliseconds:)), lastAcknowledgedAt: lastAcknowledged.map(Date.init(milliseconds:)),
                acknowledged: try await count("link_outbox", "acknowledged"), refusedByPeer: refusedByPeer, refusedHere: refusedHere,
                receivedApplied: try await count("link_inbox", "applied"), waitingForGap: try await count("link_inbox", "stored"),
                clockOffsetSeconds: offset?.seconds, clockOffsetSeenAt: offset?.seen))
        }
        return out
    }
}
