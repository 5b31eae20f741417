import BorderLink
import Crypto
import Fluent
import Foundation
import GateKit
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// The background side of the link: delivers due messages to each peer with backoff,
/// pulls the gaps in what peers sent, and sends this side's audit head at least hourly.
///
/// With several instances on one PostgreSQL, the holder of the `link-courier` lease runs
/// it; should two ever overlap for a moment, a message sent twice is answered with its
/// first receipt, so the cost is work, never a doubled effect.
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
            guard context.leases.holds(.linkCourier) else {
                try? await Task.sleep(for: .milliseconds(Int(context.settings.link.pollSeconds * 1000)))
                continue
            }
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
                let transport = HTTPLinkTransport(client: app.client, baseURL: peer.url, side: context.settings.side, key: context.keys.auditKey, clock: context.settings.clock)
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
            to: peer.id, store: SQLOutboxStore(db: app.db, commits: context.commits, key: context.keys.auditKey, clock: context.settings.clock), transport: transport, verifier: verifier,
            backoff: context.settings.link.backoff, now: app.now, limit: 200, unit: { unit })
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
        let now = app.now.milliseconds
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
            let store = SQLInboxStore(sql: sql, receivedAt: app.now)
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
        let now = app.now
        if let last = context.link.anchored.withLockedValue({ $0[peer.id] }), now.timeIntervalSince(last) < context.settings.link.anchorSeconds { return }
        try await LinkAnchors.enqueue(to: peer.id, context: context, at: now)
        context.link.anchored.withLockedValue { $0[peer.id] = now }
    }
}
