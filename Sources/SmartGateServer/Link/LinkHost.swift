import BorderLink
import Crypto
import Fluent
import Foundation
import GateKit
import SQLKit
import Vapor

/// The command line's link commands: keys, peers, reconciliation, the peer's audit anchors.
extension SmartGateHost {
    /// Writes a new Ed25519 private key to `path` (mode 0600) and answers its public key,
    /// base64 (`smartgate keys generate`).
    public static func generateSigningKey(at path: String) throws -> String {
        try ServerKeys.writeSigningKey(to: path).publicKey.rawRepresentation.base64EncodedString()
    }

    /// The public key (base64) and key id of the key this side signs with (`smartgate keys show`).
    public static func signingKey(_ settings: ServerSettings) throws -> (publicKey: String, keyId: String) {
        var settings = settings
        settings.keyMode = .requireExisting  // a throwaway key is no side's identity
        let key = try ServerKeys.load(settings).auditKey.publicKey
        return (key.rawRepresentation.base64EncodedString(), LinkKey.id(of: key))
    }

    public static func addPeer(_ options: Options, id: String, url: String, publicKey: String) async throws -> String {
        try await withApplication(options, migrate: true) { app in
            try cliLine(try await PeerRegistry.add(
                id: id, url: url, publicKey: publicKey, actor: cliActor, at: app.now, context: app.smartGate, on: app.db))
        }
    }

    public static func rotatePeerKey(_ options: Options, id: String, publicKey: String) async throws -> String {
        try await withApplication(options, migrate: true) { app in
            try cliLine(try await PeerRegistry.rotate(id: id, publicKey: publicKey, actor: cliActor, at: app.now, context: app.smartGate, on: app.db))
        }
    }

    public static func removePeer(_ options: Options, id: String) async throws {
        try await withApplication(options, migrate: true) { app in
            try await PeerRegistry.remove(id: id, actor: cliActor, at: app.now, context: app.smartGate)
        }
    }

    public static func listPeers(_ options: Options) async throws -> [String] {
        try await withApplication(options, migrate: true) { app in try await PeerRegistry.list(on: app.db).map(cliLine) }
    }

    /// What the peer's audit anchors, in the order received, say about its chain
    /// (`smartgate audit verify-peer`).
    public static func verifyPeerAnchors(_ options: Options, peer: String) async throws -> AuditAnchor.Verdict {
        try await withApplication(options, migrate: true) { app in
            let rows = try await (app.db as! any SQLDatabase).select()
                .columns("seq", "hash", "at_ms", "previous_seq", "previous_hash").from("peer_anchors")
                .where("peer_id", .equal, peer).orderBy("id").all()
            guard !rows.isEmpty else { throw SettingsError("no audit anchor of \(peer) has arrived; is it a peer, and has the link run?") }
            return AuditAnchor.verify(try rows.map {
                AuditAnchor(
                    seq: try $0.decode(column: "seq", as: Int64.self), hash: try $0.decode(column: "hash", as: String.self),
                    at: Date(milliseconds: try $0.decode(column: "at_ms", as: Int64.self)),
                    previousSeq: try $0.decode(column: "previous_seq", as: Int64.self), previousHash: try $0.decode(column: "previous_hash", as: String.self))
            })
        }
    }

    /// One day of the link compared with the peer's own account of it (`smartgate link
    /// reconcile`): counts and hashes each way, and every message that differs.
    public static func reconcile(_ options: Options, peer: String, date: String) async throws -> (summary: [String], differences: [String]) {
        try await withApplication(options, migrate: true) { app in
            let context = app.smartGate
            guard let registered = try await context.link.peers.all(on: app.db).first(where: { $0.id == peer }) else {
                throw SettingsError("no peer \(peer); `smartgate peer list` shows the peers")
            }
            _ = try LinkLedger.day(date)
            let ours = try await LinkLedger.ledger(peer: peer, date: date, on: app.db)
            let transport = HTTPLinkTransport(client: app.client, baseURL: registered.url, side: context.settings.side, key: context.keys.auditKey, clock: context.settings.clock)
            let data = try await transport.send(.GET, target: "/api/v1/link/ledger?date=\(date)", body: Data())
            let theirs = try JSONDecoder().decode(LinkLedger.Wire.self, from: data).ledger
            func line(_ who: String, _ what: String, _ lines: [LinkDayLedger.Line]) -> String {
                "\(who) \(what): \(lines.count) message(s), hash \(LinkDayLedger.hash(lines))"
            }
            let summary = [
                line("\(context.settings.side)", "sent to \(peer)", ours.sent), line(peer, "applied from \(context.settings.side)", theirs.applied),
                line(peer, "sent to \(context.settings.side)", theirs.sent), line("\(context.settings.side)", "applied from \(peer)", ours.applied),
            ]
            let differences = LinkDayLedger.differences(ours: ours, theirs: theirs, us: context.settings.side, them: peer)
            return (summary, differences)
        }
    }
}
