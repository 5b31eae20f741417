import BorderLink
import Crypto
import Fluent
import Foundation
import GateKit
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// The link's state shared by the routes and the courier.
final class LinkOperations: Sendable {
    let peers = LinkPeers()
    /// When this process last sent its audit head to each peer.
    let anchored = NIOLockedValueBox([String: Date]())
}

/// Carries envelopes to a peer over HTTP, the request signed with this side's key.
struct HTTPLinkTransport: LinkTransport {
    let client: any Client
    let baseURL: String
    let side: String
    let key: Curve25519.Signing.PrivateKey

    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    func deliver(_ envelopes: [LinkEnvelope], to peer: String) async throws -> LinkEnvelope {
        var body = Data(#"{"envelopes":["#.utf8)
        for (index, envelope) in envelopes.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            body.append(try envelope.wireBytes())
        }
        body.append(contentsOf: Array("]}".utf8))
        let data = try await send(.POST, target: "/api/v1/link/inbox", body: body)
        return try LinkEnvelope.parse(try JSONValue.parse(data))
    }

    /// The peer's messages of `stream` after `after`, as stored there (`GET /api/v1/link/outbox`).
    func pull(stream: String, after: Int64, limit: Int = 200) async throws -> [JSONValue] {
        let data = try await send(.GET, target: "/api/v1/link/outbox?peer=\(side)&stream=\(stream)&after=\(after)&limit=\(limit)", body: Data())
        guard case .array(let envelopes)? = try JSONValue.parse(data)["envelopes"] else { throw Failed(description: "the pull answer has no envelopes") }
        return envelopes
    }

    func send(_ method: HTTPMethod, target: String, body: Data) async throws -> Data {
        let signature = try LinkRequestSignature.sign(method: method.rawValue, target: target, body: body, sender: side, key: key, now: Date())
        var request = ClientRequest(method: method, url: URI(string: baseURL.trimmingSuffix("/") + target))
        request.headers.add(name: .authorization, value: signature.header)
        if method == .POST {
            request.headers.contentType = .json
            request.body = ByteBuffer(data: body)
        }
        request.timeout = .seconds(15)
        let response = try await client.send(request)
        guard response.status == .ok, let buffer = response.body else {
            let detail = response.body.map { String(decoding: $0.readableBytesView.prefix(300), as: UTF8.self) } ?? ""
            throw Failed(description: "\(method.rawValue) \(target): HTTP \(response.status.code) \(detail)")
        }
        return Data(buffer.readableBytesView)
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}

/// The background side of the link: delivers due messages to each peer with backoff,
/// pulls the gaps in what peers sent, and sends this side's audit head at least hourly.
///
/// Several instances on one PostgreSQL may each run one (CONTRACTS §13 asks for a lease;
/// that is issue 18's): a message sent twice is answered with its first receipt, so the
/// cost is work, never a doubled effect.
final class LinkCourier: LifecycleHandler, Sendable {
    private let task = NIOLockedValueBox<Task<Void, Never>?>(nil)

    func didBootAsync(_ application: Application) async throws {
        task.withLockedValue { $0 = Task { await Self.run(application) } }
    }

    func shutdownAsync(_ application: Application) async {
        let running = task.withLockedValue { $0 }
        running?.cancel()
        await running?.value
    }

    private static func run(_ app: Application) async {
        let context = app.smartGate
        var random = SystemRandomNumberGenerator()
        while !Task.isCancelled {
            var busy = false
            let peers: [LinkPeers.Peer]
            do {
                peers = try await context.link.peers.all(on: app.db)
            } catch {
                app.logger.warning("link: the peers could not be read: \(error)")
                peers = []
            }
            // One peer's trouble (down, slow, refusing) holds up none of the others.
            for peer in peers where !Task.isCancelled {
                let transport = HTTPLinkTransport(client: app.client, baseURL: peer.url, side: context.settings.side, key: context.keys.auditKey)
                do {
                    if context.link.peers.calledSinceWoken(peer.id) { try await wake(peer.id, app: app) }
                    busy = try await deliver(to: peer, transport: transport, app: app, random: &random) || busy
                } catch {
                    app.logger.warning("link: delivery to \(peer.id): \(error)")
                }
                do {
                    try await pullGaps(from: peer, transport: transport, app: app)
                } catch {
                    app.logger.notice("link: pulling from \(peer.id): \(error)")
                }
                do {
                    try await anchorIfDue(peer, app: app)
                } catch {
                    app.logger.warning("link: audit anchor for \(peer.id): \(error)")
                }
            }
            if !busy { try? await Task.sleep(for: .milliseconds(Int(context.settings.link.pollSeconds * 1000))) }
        }
    }

    /// One delivery round; true when a full batch went, so the next follows at once.
    private static func deliver(to peer: LinkPeers.Peer, transport: HTTPLinkTransport, app: Application, random: inout SystemRandomNumberGenerator) async throws -> Bool {
        let context = app.smartGate
        let verifier = try await context.link.peers.verifier(settings: context.settings, on: app.db)
        let unit = Double.random(in: 0..<1, using: &random)
        let round = try await Outbox.deliverDue(
            to: peer.id, store: SQLOutboxStore(db: app.db, commits: context.commits, key: context.keys.auditKey), transport: transport, verifier: verifier,
            backoff: context.settings.link.backoff, now: Date(), limit: 200, unit: { unit })
        if let failure = round.failure {
            context.metrics.linkDeliveryFailed(peer: peer.id)
            app.logger.notice("link: delivery to \(peer.id) failed, retrying with backoff: \(failure)")
        }
        for refusal in round.refused {
            app.logger.warning("link: \(peer.id) refused message \(refusal.messageId?.uuidString.lowercased() ?? "?"): \(refusal.reason?.rawValue ?? "?") \(refusal.detail ?? "")")
        }
        return round.failure == nil && round.sent == 200
    }

    /// Makes the peer's queued messages due now: it has just called, so it is up again.
    private static func wake(_ peer: String, app: Application) async throws {
        let now = Date().milliseconds
        try await app.smartGate.commits.perform { db in
            try await (db as! any SQLDatabase).update("link_outbox").set("next_attempt_ms", to: now)
                .where("peer_id", .equal, peer).where("state", .equal, "pending").where("next_attempt_ms", .greaterThan, now).run()
        }
    }

    /// Pulls what is missing before each stream's waiting messages.
    private static func pullGaps(from peer: LinkPeers.Peer, transport: HTTPLinkTransport, app: Application) async throws {
        let sql = app.db as! any SQLDatabase
        let streams = try await sql.select().distinct().column("stream").from("link_inbox")
            .where("state", .equal, LinkReceipt.State.stored.rawValue).where("peer_id", .equal, peer.id).all()
        for row in streams {
            let stream = try row.decode(column: "stream", as: String.self)
            let store = SQLInboxStore(sql: sql, receivedAt: Date())
            let after = try await store.appliedThrough(peer: peer.id, stream: stream)
            let documents = try await transport.pull(stream: stream, after: after)
            guard !documents.isEmpty else { continue }
            _ = try await LinkReception.receive(documents, from: peer.id, context: app.smartGate, on: app.db)
            app.logger.info("link: pulled \(documents.count) message(s) of \(peer.id)/\(stream) after \(after)")
        }
    }

    /// Sends this side's audit head to `peer` when the last one is older than the setting.
    private static func anchorIfDue(_ peer: LinkPeers.Peer, app: Application) async throws {
        let context = app.smartGate
        let now = Date()
        if let last = context.link.anchored.withLockedValue({ $0[peer.id] }), now.timeIntervalSince(last) < context.settings.link.anchorSeconds { return }
        try await LinkAnchors.enqueue(to: peer.id, context: context, at: now)
        context.link.anchored.withLockedValue { $0[peer.id] = now }
    }
}

/// This side's audit head as a message: the head, and the hash the chain now holds at the
/// seq of the previous anchor sent to that peer, so a rewritten chain shows in the next.
enum LinkAnchors {
    static func enqueue(to peer: String, context: SmartGateContext, at now: Date) async throws {
        try await context.commits.perform { db in
            let sql = db as! any SQLDatabase
            guard let head = try await AuditEntryModel.query(on: db).sort(\.$id, .descending).first() else { return }
            let previous = try await sql.select().column("reference").column("envelope").from("link_outbox")
                .where("peer_id", .equal, peer).where("type", .equal, LinkMessageType.auditAnchor.rawValue)
                .orderBy("created_ms", .descending).limit(1).first()
            var previousSeq: Int64 = 0
            if let text = try previous?.decode(column: "envelope", as: String.self),
               case .object(let payload)? = try JSONValue.parse(Data(text.utf8))["payload"] {
                previousSeq = (try? AuditAnchor(payload: payload).seq) ?? 0
            }
            let previousHash = previousSeq > 0 ? (try await AuditEntryModel.find(previousSeq, on: db)?.hash ?? AuditChain.genesis) : AuditChain.genesis
            let anchor = AuditAnchor(seq: head.id ?? 0, hash: head.hash, at: now, previousSeq: previousSeq, previousHash: previousHash)
            try await LinkOutboxWriter.enqueue(
                .auditAnchor, reference: "audit:\(context.settings.side)", payload: anchor.payload, to: peer, stream: "audit",
                context: context, at: now, on: db)
        }
    }
}
