import Foundation
import GateKit

/// What the receiver did with one message: the line of an acknowledgement.
public struct LinkReceipt: Sendable, Equatable {
    public enum State: String, Sendable, Codable {
        /// Applied, in its stream's order.
        case applied
        /// Stored durably, waiting for an earlier message of its stream (a gap the receiver
        /// closes by pulling). The sender need not send it again.
        case stored
        /// Not applied, and never will be; `reason` says why.
        case refused
    }

    /// nil when the refused document had no readable id.
    public var messageId: UUID?
    public var stream: String?
    public var sequence: Int64?
    public var state: State
    public var reason: RefusalReason?
    public var detail: String?
    /// When the receiver first recorded this state.
    public var at: Date

    public init(messageId: UUID?, stream: String?, sequence: Int64?, state: State, reason: RefusalReason? = nil, detail: String? = nil, at: Date) {
        self.messageId = messageId
        self.stream = stream
        self.sequence = sequence
        self.state = state
        self.reason = reason
        self.detail = detail
        self.at = Date(timeIntervalSince1970: (at.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }

    /// The receipt for an envelope that was refused before it was read as a message of its stream.
    public static func refused(_ refusal: LinkRefusal, id: UUID?, at: Date) -> LinkReceipt {
        LinkReceipt(messageId: id, stream: nil, sequence: nil, state: .refused, reason: refusal.reason, detail: refusal.detail, at: at)
    }

    /// The receipt as it travels in an acknowledgement's payload.
    public var json: JSONValue {
        var members: [String: JSONValue] = [
            "messageId": messageId.map { .string($0.uuidString.lowercased()) } ?? .null,
            "state": .string(state.rawValue), "at": .string(Timestamp.format(at)),
        ]
        if let stream { members["stream"] = .string(stream) }
        if let sequence { members["sequence"] = .string(String(sequence)) }
        if let reason { members["reason"] = .string(reason.rawValue) }
        if let detail { members["detail"] = .string(detail) }
        return .object(members)
    }

    /// Reads a receipt from an acknowledgement's payload.
    public init(json: JSONValue) throws(LinkRefusal) {
        guard case .object(let members) = json, case .string(let stateText)? = members["state"], let state = State(rawValue: stateText),
              case .string(let atText)? = members["at"], let at = try? Timestamp.parse(atText) else {
            throw LinkRefusal(.malformed, "a receipt needs a state and an at")
        }
        let id: UUID? = if case .string(let text)? = members["messageId"] { UUID(uuidString: text) } else { nil }
        let stream: String? = if case .string(let text)? = members["stream"] { text } else { nil }
        let sequence: Int64? = if case .string(let text)? = members["sequence"] { Int64(text) } else { nil }
        let reason: RefusalReason? = if case .string(let text)? = members["reason"] { RefusalReason(rawValue: text) } else { nil }
        let detail: String? = if case .string(let text)? = members["detail"] { text } else { nil }
        self.init(messageId: id, stream: stream, sequence: sequence, state: state, reason: reason, detail: detail, at: at)
    }
}

/// A received message as the inbox keeps it.
public struct InboxEntry: Sendable, Equatable {
    public var envelope: LinkEnvelope
    public var digest: String
    public var receipt: LinkReceipt

    public init(envelope: LinkEnvelope, digest: String, receipt: LinkReceipt) {
        self.envelope = envelope
        self.digest = digest
        self.receipt = receipt
    }
}

/// Where the inbox keeps what it received. The server's is tables in the writer's
/// transaction; tests use memory.
public protocol LinkInboxStore {
    /// The message with this id, if it was received before.
    func entry(_ id: UUID) async throws -> InboxEntry?
    /// The highest sequence of `peer`'s `stream` applied or refused in order (0: none yet).
    func appliedThrough(peer: String, stream: String) async throws -> Int64
    /// Records that `peer`'s `stream` is applied (or refused) in order up to `sequence`.
    func setAppliedThrough(peer: String, stream: String, _ sequence: Int64) async throws
    /// Inserts a new entry or updates one by its message id.
    func save(_ entry: InboxEntry, isNew: Bool) async throws
    /// Stored messages of `peer`'s `stream` still waiting, lowest sequence first.
    func waiting(peer: String, stream: String) async throws -> [InboxEntry]
}

/// The receiving side's state machine (docs/BORDERLINK.md §5): each message id applied at
/// most once, in sequence order per stream; a repeat answered with its first receipt; a
/// message ahead of a gap kept until the gap closes.
public enum Inbox {
    /// What a delivery of one verified envelope led to.
    public struct Outcome: Sendable, Equatable {
        /// The delivered message's receipt, then those of waiting messages it let through.
        public var receipts: [LinkReceipt]
        /// A gap to pull: the sequences after `appliedThrough` up to this message's.
        public var gap: ClosedRange<Int64>?
    }

    /// Receives `envelope` (already verified), applying it and any messages it unblocks with
    /// `apply`. `apply` throws `LinkRefusal` for a payload it cannot use: that message is
    /// refused, takes its place in the stream, and the stream moves on.
    public static func receive(
        _ envelope: LinkEnvelope, at now: Date, store: some LinkInboxStore, apply: (LinkEnvelope) async throws -> Void
    ) async throws -> Outcome {
        let digest = try envelope.digest()
        let done = try await store.appliedThrough(peer: envelope.sender, stream: envelope.stream)
        let earlier = try await store.entry(envelope.id)
        if let earlier {
            guard earlier.digest == digest else {
                return final(envelope, LinkRefusal(.malformed, "message \(envelope.id.uuidString.lowercased()) was received before with other content"), at: now)
            }
            // Stored ahead of a gap that has closed since (a receiver on several instances
            // can store it while another applies its predecessor): its turn is now.
            guard earlier.receipt.state == .stored, envelope.sequence == done + 1 else { return Outcome(receipts: [earlier.receipt], gap: nil) }
        } else if envelope.sequence <= done {
            return final(envelope, LinkRefusal(.malformed, "sequence \(envelope.sequence) of stream \(envelope.stream) was already taken by another message"), at: now)
        } else if envelope.sequence > done + 1 {
            if try await store.waiting(peer: envelope.sender, stream: envelope.stream).contains(where: { $0.envelope.sequence == envelope.sequence }) {
                return final(envelope, LinkRefusal(.malformed, "sequence \(envelope.sequence) of stream \(envelope.stream) is already held by another message"), at: now)
            }
            let receipt = LinkReceipt(messageId: envelope.id, stream: envelope.stream, sequence: envelope.sequence, state: .stored, at: now)
            try await store.save(InboxEntry(envelope: envelope, digest: digest, receipt: receipt), isNew: true)
            return Outcome(receipts: [receipt], gap: (done + 1)...(envelope.sequence - 1))
        }
        var receipts = [try await applyInOrder(earlier ?? InboxEntry(envelope: envelope, digest: digest, receipt: LinkReceipt(
            messageId: envelope.id, stream: envelope.stream, sequence: envelope.sequence, state: .stored, at: now)), isNew: earlier == nil, at: now, store: store, apply: apply)]
        // One read of the waiting list serves both: the messages this one lets through, and
        // the gap before the first that must still wait.
        var next = envelope.sequence + 1
        let waiting = try await store.waiting(peer: envelope.sender, stream: envelope.stream).filter { $0.envelope.sequence >= next }
        for entry in waiting {
            guard entry.envelope.sequence == next else { break }
            receipts.append(try await applyInOrder(entry, isNew: false, at: now, store: store, apply: apply))
            next += 1
        }
        try await store.setAppliedThrough(peer: envelope.sender, stream: envelope.stream, next - 1)
        // A gap only where one is: a waiting list read in pages can end before the next in line.
        let remaining = waiting.first { $0.envelope.sequence > next }
        return Outcome(receipts: receipts, gap: remaining.map { next...($0.envelope.sequence - 1) })
    }

    /// A refusal that is final: it names the stream and sequence, so the sender records the
    /// message as refused instead of re-issuing it (docs/BORDERLINK.md §5.6).
    private static func final(_ envelope: LinkEnvelope, _ refusal: LinkRefusal, at now: Date) -> Outcome {
        Outcome(receipts: [LinkReceipt(
            messageId: envelope.id, stream: envelope.stream, sequence: envelope.sequence, state: .refused,
            reason: refusal.reason, detail: refusal.detail, at: now)], gap: nil)
    }

    private static func applyInOrder(
        _ entry: InboxEntry, isNew: Bool, at now: Date, store: some LinkInboxStore, apply: (LinkEnvelope) async throws -> Void
    ) async throws -> LinkReceipt {
        var entry = entry
        let envelope = entry.envelope
        do {
            try await apply(envelope)
            entry.receipt = LinkReceipt(messageId: envelope.id, stream: envelope.stream, sequence: envelope.sequence, state: .applied, at: now)
        } catch let refusal as LinkRefusal {
            entry.receipt = LinkReceipt(
                messageId: envelope.id, stream: envelope.stream, sequence: envelope.sequence, state: .refused,
                reason: refusal.reason, detail: refusal.detail, at: now)
        }
        try await store.save(entry, isNew: isNew)
        return entry.receipt
    }
}
