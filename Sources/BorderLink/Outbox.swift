import Crypto
import Foundation
import GateKit

/// How long a sender waits before trying a message again: exponential, capped, with
/// jitter so that two sides recovering from one outage do not retry in step.
public struct LinkBackoff: Sendable, Equatable {
    public var first: TimeInterval
    public var cap: TimeInterval

    public init(first: TimeInterval = 1, cap: TimeInterval = 30) {
        self.first = first
        self.cap = cap
    }

    /// The wait after the `attempts`-th failed attempt (1, 2, …), with `unit` drawn
    /// uniformly from [0, 1): between half and all of min(cap, first × 2^(attempts−1)).
    public func delay(afterAttempts attempts: Int, unit: Double) -> TimeInterval {
        let exponent = min(max(attempts - 1, 0), 30)
        let ceiling = min(cap, first * pow(2, Double(exponent)))
        return ceiling / 2 + ceiling / 2 * min(max(unit, 0), 1)
    }
}

/// A message waiting in the sender's outbox.
public struct OutboxMessage: Sendable, Equatable {
    public var envelope: LinkEnvelope
    public var attempts: Int
    public var nextAttemptAt: Date

    public init(envelope: LinkEnvelope, attempts: Int, nextAttemptAt: Date) {
        self.envelope = envelope
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
    }
}

/// What the sender keeps. The server's is a table written in the same transaction as the
/// change a message reports (the transactional outbox).
public protocol LinkOutboxStore {
    /// Unacknowledged messages to `peer` due at `now`, by stream and sequence.
    func due(peer: String, at now: Date, limit: Int) async throws -> [OutboxMessage]
    /// The receiver holds these (applied, stored or refused): nothing more to send.
    func acknowledge(_ receipts: [LinkReceipt], at now: Date) async throws
    /// These were not delivered: try again at `next`.
    func retry(_ ids: [UUID], attempts: [UUID: Int], next: [UUID: Date]) async throws
    /// These were refused before they took their place in the stream (signature, key,
    /// window, receiver): the same content under a new id, signed again now, goes at
    /// `next`, so the stream's sequence is filled (docs/BORDERLINK.md §5.6).
    func reissue(_ ids: [UUID], attempts: [UUID: Int], next: [UUID: Date]) async throws
}

/// Carries envelopes to a peer's inbox and brings its signed answer back.
public protocol LinkTransport: Sendable {
    /// Delivers a batch and answers the peer's signed acknowledgement (not yet verified).
    func deliver(_ envelopes: [LinkEnvelope], to peer: String) async throws -> LinkEnvelope
}

/// The sending side's state machine (docs/BORDERLINK.md §5).
public enum Outbox {
    /// What one delivery round did.
    public struct Round: Sendable, Equatable {
        public var sent = 0
        public var acknowledged = 0
        public var refused: [LinkReceipt] = []
        /// Why the round failed, if it did (the peer down, an answer that did not verify).
        public var failure: String?
    }

    /// Sends up to `limit` due messages to `peer` in one batch and records the answer.
    /// The answer must be an acknowledgement signed by the peer: anything else is a failed
    /// delivery, retried after the backoff, never taken as an acknowledgement.
    public static func deliverDue(
        to peer: String, store: some LinkOutboxStore, transport: some LinkTransport, verifier: LinkVerifier,
        backoff: LinkBackoff, now: Date, limit: Int = 200, unit: () -> Double
    ) async throws -> Round {
        let due = try await store.due(peer: peer, at: now, limit: limit)
        var round = Round()
        guard !due.isEmpty else { return round }
        round.sent = due.count
        do {
            let answer = try await transport.deliver(due.map(\.envelope), to: peer)
            let receipts = try acknowledgement(answer, from: peer, verifier: verifier, now: now)
            let sent = Set(due.map(\.envelope.id))
            let answered = receipts.filter { $0.messageId.map(sent.contains) ?? false }
            // A refusal that took no place in the stream for a reason a new signature can cure
            // (a key the receiver did not know yet, a window the message fell out of) is
            // re-issued; any other refusal is final.
            let placeless = answered.filter { $0.state == .refused && $0.stream == nil && ($0.reason.map(Self.reissuable.contains) ?? false) }
            let placelessIds = Set(placeless.compactMap(\.messageId))
            let held = answered.filter { !($0.messageId.map(placelessIds.contains) ?? false) }
            try await store.acknowledge(held, at: now)
            round.acknowledged = held.count
            round.refused = answered.filter { $0.state == .refused }
            if !placelessIds.isEmpty {
                try await reschedule(due.filter { placelessIds.contains($0.envelope.id) }, store: store, backoff: backoff, now: now, unit: unit, reissue: true)
            }
            let missing = due.filter { message in !answered.contains { $0.messageId == message.envelope.id } }
            if !missing.isEmpty { try await reschedule(missing, store: store, backoff: backoff, now: now, unit: unit) }
        } catch {
            round.failure = "\(error)"
            try await reschedule(due, store: store, backoff: backoff, now: now, unit: unit)
        }
        return round
    }

    /// Refusals a re-issued message (a new id, signed again now) can overcome.
    static let reissuable: Set<RefusalReason> = [.badSignature, .unknownKey, .outsideWindow]

    /// The receipts of a signed acknowledgement from `peer` to this side.
    public static func acknowledgement(_ answer: LinkEnvelope, from peer: String, verifier: LinkVerifier, now: Date) throws(LinkRefusal) -> [LinkReceipt] {
        guard answer.type == .acknowledgement else { throw LinkRefusal(.malformed, "the answer is a \(answer.type.rawValue), not an acknowledgement") }
        try verifier.authenticate(answer, from: peer, at: now)
        guard case .array(let items)? = answer.payload["receipts"] else { throw LinkRefusal(.malformed, "the answer has no receipts") }
        var receipts: [LinkReceipt] = []
        for item in items { receipts.append(try LinkReceipt(json: item)) }
        return receipts
    }

    private static func reschedule(
        _ messages: [OutboxMessage], store: some LinkOutboxStore, backoff: LinkBackoff, now: Date, unit: () -> Double, reissue: Bool = false
    ) async throws {
        var attempts: [UUID: Int] = [:]
        var next: [UUID: Date] = [:]
        // One draw per round: the batch goes again together, so the stream stays in order.
        let delay = backoff.delay(afterAttempts: (messages.map(\.attempts).max() ?? 0) + 1, unit: unit())
        for message in messages {
            attempts[message.envelope.id] = message.attempts + 1
            next[message.envelope.id] = now.addingTimeInterval(delay)
        }
        if reissue {
            try await store.reissue(messages.map(\.envelope.id), attempts: attempts, next: next)
        } else {
            try await store.retry(messages.map(\.envelope.id), attempts: attempts, next: next)
        }
    }

    /// The signed answer to a delivery or a pull: the receipts, and any gaps the receiver
    /// is closing by pulling.
    public static func answer(
        receipts: [LinkReceipt], from side: String, to peer: String, key: Curve25519.Signing.PrivateKey, now: Date, id: UUID
    ) throws -> LinkEnvelope {
        var envelope = LinkEnvelope(
            id: id, sender: side, receiver: peer, type: .acknowledgement, createdAt: now, stream: "answers", sequence: 1,
            reference: "answer", payload: ["receipts": .array(receipts.map(\.json))], keyId: "")
        try envelope.sign(with: key)
        return envelope
    }
}
