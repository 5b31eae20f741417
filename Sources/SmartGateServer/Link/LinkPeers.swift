import BorderLink
import Crypto
import Fluent
import Foundation
import GateKit
import NIOConcurrencyHelpers
import SQLKit

/// The peers this side exchanges messages with, read from the database and kept for a few
/// seconds (the CLI changes them from another process), and the clock offset each showed.
final class LinkPeers: Sendable {
    struct Peer: Sendable, Equatable {
        var id: String
        var url: String
        var keys: [PeerKey]
    }

    /// The cache's one entry: the whole list is read and forgotten at once.
    private enum List: Hashable { case all }
    /// A read that began before a change (the courier's, say) must not keep the peers as
    /// they were: FreshCache drops it. Most likely what a test pairing two sides met on a
    /// loaded CI: a peer added, then refused for the cache's lifetime.
    private let cache: FreshCache<List, [Peer]>
    private let offsets = NIOLockedValueBox([String: (seconds: Double, seen: Date)]())

    init(freshness: Duration) {
        cache = FreshCache(lifetime: freshness)
    }

    /// Every peer with its keys (rotated-out ones with the end of their overlap).
    func all(on db: any Database) async throws -> [Peer] {
        try await cache.value(for: .all) { try await Self.load(on: db) }
    }

    /// Forgets the cached peers (after this process changed them).
    func forget() {
        cache.forget(.all)
    }

    /// The verifier of messages to this side.
    func verifier(settings: ServerSettings, on db: any Database) async throws -> LinkVerifier {
        let peers = try await all(on: db)
        var verifier = LinkVerifier(
            receiver: settings.side, peers: Dictionary(uniqueKeysWithValues: peers.map { ($0.id, $0.keys) }), window: settings.link.window)
        if let check = settings.linkSignatureCheck { verifier.signatureCheck = check }
        return verifier
    }

    /// Records the clock offset a peer's signed request showed (reported, never corrected).
    func saw(_ peer: String, offset: Double, at now: Date) {
        offsets.withLockedValue { $0[peer] = (offset, now) }
    }

    /// When the courier last cut short its backoff for each peer.
    private let woken = NIOLockedValueBox([String: Date]())

    /// Whether `peer` has called since the courier last woke its queue: a peer that calls is
    /// up, so messages waiting out a backoff for it need not wait longer.
    func calledSinceWoken(_ peer: String) -> Bool {
        guard let seen = offset(of: peer)?.seen else { return false }
        return woken.withLockedValue { state in
            guard seen > state[peer] ?? .distantPast else { return false }
            state[peer] = seen
            return true
        }
    }

    func offset(of peer: String) -> (seconds: Double, seen: Date)? {
        offsets.withLockedValue { $0[peer] }
    }

    private static func load(on db: any Database) async throws -> [Peer] {
        let sql = db as! any SQLDatabase
        let peers = try await sql.select().columns("id", "url").from("link_peers").orderBy("id").all()
        let keys = try await sql.select().columns("peer_id", "public_key", "accepted_until_ms").from("link_peer_keys").orderBy("id").all()
        var byPeer: [String: [PeerKey]] = [:]
        for row in keys {
            guard let key = LinkKey.publicKey(base64: try row.decode(column: "public_key", as: String.self)) else { continue }
            let until = try row.decode(column: "accepted_until_ms", as: Int64?.self).map(Date.init(milliseconds:))
            byPeer[try row.decode(column: "peer_id", as: String.self), default: []].append(PeerKey(publicKey: key, acceptedUntil: until))
        }
        return try peers.map { row in
            let id = try row.decode(column: "id", as: String.self)
            return Peer(id: id, url: try row.decode(column: "url", as: String.self), keys: byPeer[id] ?? [])
        }
    }
}

/// Changes to the peer list, for `smartgate peer …` and the pair demo; each is audited.
enum PeerRegistry {
    struct Listed: Encodable, Sendable {
        struct Key: Encodable, Sendable {
            var keyId: String
            var publicKey: String
            var acceptedUntil: Date?
        }
        var id: String
        var url: String
        var keys: [Key]
    }

    /// Registers a peer with its first key.
    static func add(id: String, url: String, publicKey: String, actor: String, at now: Date, context: SmartGateContext, on db: any Database) async throws -> Listed {
        try check(id: id, url: url)
        guard let key = LinkKey.publicKey(base64: publicKey) else { throw SettingsError("--public-key must be base64 of a 32-byte Ed25519 public key") }
        guard id != context.settings.side else { throw SettingsError("\(id) is this side; a peer is the other side") }
        // Forgotten after the commit: a read between would cache the peers as they were.
        defer { context.link.peers.forget() }
        return try await context.commits.perform { db in
            let sql = db as! any SQLDatabase
            if try await sql.select().column("id").from("link_peers").where("id", .equal, id).first() != nil {
                throw SettingsError("peer \(id) exists already; use `peer rotate-key` for a new key or `peer remove` first")
            }
            try await sql.insert(into: "link_peers").columns("id", "url", "added_ms").values(SQLBind(id), SQLBind(url), SQLBind(now.milliseconds)).run()
            try await insertKey(key, peer: id, at: now, on: sql)
            try await context.audit.append(actor: actor, action: "link.peer.added", subject: "peer:\(id)", payload: Data("\(url)\n\(LinkKey.id(of: key))".utf8), at: now, on: db)
            return try await listed(id, on: sql)
        }
    }

    /// Adds a new current key; the previous ones stay accepted until `now + overlap`.
    static func rotate(id: String, publicKey: String, actor: String, at now: Date, context: SmartGateContext, on db: any Database) async throws -> Listed {
        guard let key = LinkKey.publicKey(base64: publicKey) else { throw SettingsError("--public-key must be base64 of a 32-byte Ed25519 public key") }
        let until = now.addingTimeInterval(context.settings.link.keyOverlap)
        defer { context.link.peers.forget() }
        return try await context.commits.perform { db in
            let sql = db as! any SQLDatabase
            guard try await sql.select().column("id").from("link_peers").where("id", .equal, id).first() != nil else { throw SettingsError("no peer \(id)") }
            if try await sql.select().column("id").from("link_peer_keys").where("peer_id", .equal, id).where("key_id", .equal, LinkKey.id(of: key)).first() != nil {
                throw SettingsError("\(LinkKey.id(of: key)) is already a key of \(id)")
            }
            try await sql.update("link_peer_keys").set("accepted_until_ms", to: until.milliseconds)
                .where("peer_id", .equal, id).where("accepted_until_ms", .is, SQLLiteral.null).run()
            try await insertKey(key, peer: id, at: now, on: sql)
            try await context.audit.append(actor: actor, action: "link.peer.key-rotated", subject: "peer:\(id)", payload: Data("\(LinkKey.id(of: key))\n\(until.milliseconds)".utf8), at: now, on: db)
            return try await listed(id, on: sql)
        }
    }

    /// Makes `id` a peer at `url` with exactly `publicKey` (the pair demo, run after run on
    /// the same databases): nothing changes when it already is.
    static func ensure(id: String, url: String, publicKey: String, actor: String, at now: Date, context: SmartGateContext, on db: any Database) async throws {
        let current = try await list(on: db).first { $0.id == id }
        if let current, current.url == url, current.keys.map(\.publicKey) == [publicKey] { return }
        if current != nil { try await remove(id: id, actor: actor, at: now, context: context) }
        _ = try await add(id: id, url: url, publicKey: publicKey, actor: actor, at: now, context: context, on: db)
    }

    /// Removes a peer and its keys: its messages are refused from then on.
    static func remove(id: String, actor: String, at now: Date, context: SmartGateContext) async throws {
        defer { context.link.peers.forget() }
        try await context.commits.perform { db in
            let sql = db as! any SQLDatabase
            guard try await sql.select().column("id").from("link_peers").where("id", .equal, id).first() != nil else { throw SettingsError("no peer \(id)") }
            try await sql.delete(from: "link_peer_keys").where("peer_id", .equal, id).run()
            try await sql.delete(from: "link_peers").where("id", .equal, id).run()
            try await context.audit.append(actor: actor, action: "link.peer.removed", subject: "peer:\(id)", payload: Data(id.utf8), at: now, on: db)
        }
    }

    /// Every peer with its keys, by id.
    static func list(on db: any Database) async throws -> [Listed] {
        let sql = db as! any SQLDatabase
        var out: [Listed] = []
        for row in try await sql.select().column("id").from("link_peers").orderBy("id").all() {
            out.append(try await listed(try row.decode(column: "id", as: String.self), on: sql))
        }
        return out
    }

    private static func listed(_ id: String, on sql: any SQLDatabase) async throws -> Listed {
        guard let peer = try await sql.select().columns("id", "url").from("link_peers").where("id", .equal, id).first() else { throw SettingsError("no peer \(id)") }
        let keys = try await sql.select().columns("key_id", "public_key", "accepted_until_ms").from("link_peer_keys")
            .where("peer_id", .equal, id).orderBy("id").all()
        return Listed(id: id, url: try peer.decode(column: "url", as: String.self), keys: try keys.map {
            Listed.Key(
                keyId: try $0.decode(column: "key_id", as: String.self), publicKey: try $0.decode(column: "public_key", as: String.self),
                acceptedUntil: try $0.decode(column: "accepted_until_ms", as: Int64?.self).map(Date.init(milliseconds:)))
        })
    }

    private static func insertKey(_ key: Curve25519.Signing.PublicKey, peer: String, at now: Date, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "link_peer_keys").columns("peer_id", "key_id", "public_key", "added_ms")
            .values(SQLBind(peer), SQLBind(LinkKey.id(of: key)), SQLBind(key.rawRepresentation.base64EncodedString()), SQLBind(now.milliseconds)).run()
    }

    private static func check(id: String, url: String) throws {
        guard LinkSide.isWellFormed(id) else { throw SettingsError("--id \(id) must be a side identity such as CN-HEKOU") }
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil, parsed.query == nil else {
            throw SettingsError("--url \(url) must be the peer's base URL, such as https://hekou.example.cn")
        }
    }
}
