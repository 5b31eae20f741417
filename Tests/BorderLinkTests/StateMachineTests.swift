import BorderLink
import Foundation
import GateKit
import Testing

/// The inbox and outbox stores in memory: the state machines are tested without a database.
final class MemoryInbox: LinkInboxStore {
    var entries: [UUID: InboxEntry] = [:]
    var through: [String: Int64] = [:]
    func entry(_ id: UUID) async throws -> InboxEntry? { entries[id] }
    func appliedThrough(peer: String, stream: String) async throws -> Int64 { through["\(peer)/\(stream)"] ?? 0 }
    func setAppliedThrough(peer: String, stream: String, _ sequence: Int64) async throws { through["\(peer)/\(stream)"] = sequence }
    func save(_ entry: InboxEntry, isNew: Bool) async throws { entries[entry.envelope.id] = entry }
    func waiting(peer: String, stream: String) async throws -> [InboxEntry] {
        entries.values.filter { $0.envelope.sender == peer && $0.envelope.stream == stream && $0.receipt.state == .stored }
            .sorted { $0.envelope.sequence < $1.envelope.sequence }
    }
}

@Suite struct InboxTests {
    final class Applied { var sequences: [Int64] = [] }

    func deliver(_ envelopes: [LinkEnvelope], to store: MemoryInbox, applied: Applied, at now: Date = TestKeys.at) async throws -> [Inbox.Outcome] {
        var outcomes: [Inbox.Outcome] = []
        for envelope in envelopes {
            outcomes.append(try await Inbox.receive(envelope, at: now, store: store) { applied.sequences.append($0.sequence) })
        }
        return outcomes
    }

    /// Deliveries in any order, with repeats, apply each message once and in sequence order.
    @Test(arguments: [[1, 2, 3, 4], [4, 3, 2, 1], [2, 1, 1, 4, 3, 2], [3, 1, 4, 2, 4]])
    func orderAndOnce(order: [Int]) async throws {
        let messages = (1...4).map { TestKeys.envelope(sequence: Int64($0)) }
        let store = MemoryInbox()
        let applied = Applied()
        _ = try await deliver(order.map { messages[$0 - 1] }, to: store, applied: applied)
        #expect(applied.sequences == [1, 2, 3, 4])
        #expect(store.through["VN-LAOCAI/kim-thanh"] == 4)
    }

    @Test func aRepeatIsAnsweredWithItsFirstReceipt() async throws {
        let message = TestKeys.envelope()
        let store = MemoryInbox()
        let applied = Applied()
        let first = try await deliver([message], to: store, applied: applied)
        let again = try await deliver([message], to: store, applied: applied, at: TestKeys.at.addingTimeInterval(3600))
        #expect(again[0].receipts == first[0].receipts)
        #expect(applied.sequences == [1])
    }

    @Test func aGapIsNamedForPullingAndClosedByIt() async throws {
        let messages = (1...5).map { TestKeys.envelope(sequence: Int64($0)) }
        let store = MemoryInbox()
        let applied = Applied()
        let outcomes = try await deliver([messages[0], messages[3], messages[4]], to: store, applied: applied)
        #expect(outcomes[1].gap == 2...3)
        #expect(outcomes[1].receipts.map(\.state) == [.stored])
        let pulled = try await deliver([messages[1], messages[2]], to: store, applied: applied)
        #expect(pulled[0].gap == 3...3)
        #expect(pulled[1].receipts.map(\.sequence) == [3, 4, 5])
        #expect(applied.sequences == [1, 2, 3, 4, 5])
    }

    @Test func aPayloadTheReceiverCannotUseIsRefusedAndTheStreamMovesOn() async throws {
        let messages = (1...2).map { TestKeys.envelope(sequence: Int64($0)) }
        let store = MemoryInbox()
        var applied: [Int64] = []
        for message in messages {
            _ = try await Inbox.receive(message, at: TestKeys.at, store: store) { envelope in
                if envelope.sequence == 1 { throw LinkRefusal(.malformed, "no plate") }
                applied.append(envelope.sequence)
            }
        }
        #expect(store.entries[messages[0].id]?.receipt.state == .refused)
        #expect(store.entries[messages[0].id]?.receipt.reason == .malformed)
        #expect(applied == [2])
    }

    /// A message stored ahead of a gap, delivered again once the gap closed elsewhere (the
    /// receiver's other instance applied its predecessor), is applied then.
    @Test func aStoredMessageWhoseTurnHasComeIsAppliedOnRedelivery() async throws {
        let store = MemoryInbox()
        let applied = Applied()
        let second = TestKeys.envelope(sequence: 2)
        _ = try await deliver([second], to: store, applied: applied)
        store.through["VN-LAOCAI/kim-thanh"] = 1  // as another instance, applying 1, left it
        let again = try await deliver([second], to: store, applied: applied)
        #expect(again[0].receipts.map(\.state) == [.applied])
        #expect(applied.sequences == [2])
    }

    @Test func twoMessagesCannotHoldOneWaitingPlace() async throws {
        let store = MemoryInbox()
        let applied = Applied()
        let first = try await deliver([TestKeys.envelope(sequence: 3)], to: store, applied: applied)
        let second = try await deliver([TestKeys.envelope(sequence: 3)], to: store, applied: applied)
        #expect(first[0].receipts.first?.state == .stored)
        #expect(second[0].receipts.first?.state == .refused)
    }

    @Test func sameIdWithOtherContentIsRefused() async throws {
        let id = UUID()
        let store = MemoryInbox()
        let applied = Applied()
        _ = try await deliver([TestKeys.envelope(id: id)], to: store, applied: applied)
        let other = try await deliver([TestKeys.envelope(payload: ["note": .string("changed")], id: id)], to: store, applied: applied)
        #expect(other[0].receipts.first?.state == .refused)
        #expect(applied.sequences == [1])
    }
}

final class MemoryOutbox: LinkOutboxStore {
    var messages: [OutboxMessage]
    var acknowledged: [UUID: LinkReceipt] = [:]
    init(_ messages: [OutboxMessage]) { self.messages = messages }
    func due(peer: String, at now: Date, limit: Int) async throws -> [OutboxMessage] {
        Array(messages.filter { acknowledged[$0.envelope.id] == nil && $0.nextAttemptAt <= now }.prefix(limit))
    }
    func acknowledge(_ receipts: [LinkReceipt], at now: Date) async throws {
        for receipt in receipts { if let id = receipt.messageId { acknowledged[id] = receipt } }
    }
    func retry(_ ids: [UUID], attempts: [UUID: Int], next: [UUID: Date]) async throws {
        for index in messages.indices where ids.contains(messages[index].envelope.id) {
            messages[index].attempts = attempts[messages[index].envelope.id]!
            messages[index].nextAttemptAt = next[messages[index].envelope.id]!
        }
    }
    var reissued: [UUID] = []
    func reissue(_ ids: [UUID], attempts: [UUID: Int], next: [UUID: Date]) async throws {
        for index in messages.indices where ids.contains(messages[index].envelope.id) {
            let old = messages[index].envelope.id
            reissued.append(old)
            var envelope = messages[index].envelope
            envelope.id = UUID()
            envelope.createdAt = next[old]!
            try envelope.sign(with: TestKeys.vietnam)
            messages[index] = OutboxMessage(envelope: envelope, attempts: attempts[old]!, nextAttemptAt: next[old]!)
        }
    }
}

/// The Chinese side's inbox behind a transport that can be down, or answer with a forgery.
final class LoopbackPeer: LinkTransport, @unchecked Sendable {  // used from one test task at a time
    enum Mode { case up, down, forgedAnswer }
    var mode = Mode.up
    let store = MemoryInbox()
    var applied: [Int64] = []
    func set(_ mode: Mode) { self.mode = mode }

    func deliver(_ envelopes: [LinkEnvelope], to peer: String) async throws -> LinkEnvelope {
        switch mode {
        case .down: throw URLError(.cannotConnectToHost)
        case .forgedAnswer:
            let receipts = envelopes.map { LinkReceipt(messageId: $0.id, stream: $0.stream, sequence: $0.sequence, state: .applied, at: TestKeys.at) }
            return try Outbox.answer(receipts: receipts, from: LinkSide.china, to: LinkSide.vietnam, key: .init(), now: TestKeys.at, id: UUID())
        case .up:
            var receipts: [LinkReceipt] = []
            for envelope in envelopes {
                receipts += try await Inbox.receive(envelope, at: TestKeys.at, store: store) { self.applied.append($0.sequence) }.receipts
            }
            return try Outbox.answer(receipts: receipts, from: LinkSide.china, to: LinkSide.vietnam, key: TestKeys.china, now: TestKeys.at, id: UUID())
        }
    }
}

/// The Chinese side's inbox with its full verifier, the window included.
final class WindowedPeer: LinkTransport, @unchecked Sendable {  // used from one test task at a time
    let store = MemoryInbox()
    var applied: [Int64] = []

    func deliver(_ envelopes: [LinkEnvelope], to peer: String) async throws -> LinkEnvelope {
        var receipts: [LinkReceipt] = []
        for envelope in envelopes {
            do {
                let verified = try TestKeys.verifier.verify(try JSONValue.parse(envelope.wireBytes()), deliveredBy: LinkSide.vietnam, now: TestKeys.at)
                receipts += try await Inbox.receive(verified, at: TestKeys.at, store: store) { self.applied.append($0.sequence) }.receipts
            } catch let refusal as LinkRefusal {
                receipts.append(.refused(refusal, id: envelope.id, at: TestKeys.at))
            }
        }
        return try Outbox.answer(receipts: receipts, from: LinkSide.china, to: LinkSide.vietnam, key: TestKeys.china, now: TestKeys.at, id: UUID())
    }
}

@Suite struct OutboxTests {
    let vietnamSees = LinkVerifier(receiver: LinkSide.vietnam, peers: [LinkSide.china: [PeerKey(publicKey: TestKeys.china.publicKey)]])

    @Test(arguments: [(1, 0.0, 0.5), (1, 0.999, 1.0), (3, 0.0, 2), (20, 0.5, 22.5)])
    func backoff(attempts: Int, unit: Double, expected: Double) {
        #expect(abs(LinkBackoff().delay(afterAttempts: attempts, unit: unit) - expected) < 0.01)
    }

    /// A message the receiver refused before the stream (here: too old after a week's
    /// outage) is re-issued under a new id, and the stream goes on.
    @Test func aPlacelessRefusalIsReissued() async throws {
        let old = TestKeys.envelope(sequence: 1, createdAt: TestKeys.at.addingTimeInterval(-8 * 86_400))
        let outbox = MemoryOutbox([OutboxMessage(envelope: old, attempts: 0, nextAttemptAt: TestKeys.at)])
        let peer = WindowedPeer()
        let first = try await Outbox.deliverDue(to: LinkSide.china, store: outbox, transport: peer, verifier: vietnamSees, backoff: LinkBackoff(), now: TestKeys.at, unit: { 0 })
        #expect(first.refused.first?.reason == .outsideWindow)
        #expect(outbox.reissued == [old.id])
        let second = try await Outbox.deliverDue(to: LinkSide.china, store: outbox, transport: peer, verifier: vietnamSees, backoff: LinkBackoff(), now: TestKeys.at.addingTimeInterval(5), unit: { 0 })
        #expect(second.acknowledged == 1 && second.refused.isEmpty)
        #expect(peer.applied == [1])
    }

    @Test func anOutageDelaysButNeitherLosesNorDoubles() async throws {
        let outbox = MemoryOutbox((1...5).map { OutboxMessage(envelope: TestKeys.envelope(sequence: Int64($0)), attempts: 0, nextAttemptAt: TestKeys.at) })
        let peer = LoopbackPeer()
        peer.set(.down)
        var now = TestKeys.at
        let failed = try await Outbox.deliverDue(to: LinkSide.china, store: outbox, transport: peer, verifier: vietnamSees, backoff: LinkBackoff(), now: now, unit: { 0 })
        #expect(failed.failure != nil)
        #expect(try await outbox.due(peer: LinkSide.china, at: now, limit: 10).isEmpty)  // backing off
        peer.set(.forgedAnswer)
        now = now.addingTimeInterval(1)
        let forged = try await Outbox.deliverDue(to: LinkSide.china, store: outbox, transport: peer, verifier: vietnamSees, backoff: LinkBackoff(), now: now, unit: { 0 })
        #expect(forged.acknowledged == 0 && forged.failure != nil)
        peer.set(.up)
        now = now.addingTimeInterval(10)
        let round = try await Outbox.deliverDue(to: LinkSide.china, store: outbox, transport: peer, verifier: vietnamSees, backoff: LinkBackoff(), now: now, unit: { 0 })
        #expect(round.acknowledged == 5)
        #expect(peer.applied == [1, 2, 3, 4, 5])
        #expect(try await outbox.due(peer: LinkSide.china, at: now.addingTimeInterval(3600), limit: 10).isEmpty)
    }
}

@Suite struct AnchorAndLedgerTests {
    func anchor(_ seq: Int64, _ hash: Character, previous: Int64 = 0, _ previousHash: Character = "0") -> AuditAnchor {
        AuditAnchor(seq: seq, hash: String(repeating: hash, count: 64), at: TestKeys.at, previousSeq: previous, previousHash: String(repeating: previousHash, count: 64))
    }

    @Test func anchors() {
        #expect(AuditAnchor.verify([anchor(10, "a"), anchor(20, "b", previous: 10, "a"), anchor(20, "b", previous: 20, "b")]) == .grew(anchors: 3, head: 20))
        #expect(AuditAnchor.verify([anchor(10, "a"), anchor(5, "c")]) == .truncated(atAnchor: 2, seq: 5, earlierSeq: 10))
        #expect(AuditAnchor.verify([anchor(10, "a"), anchor(10, "c")]) == .rewritten(atAnchor: 2, seq: 10))
        #expect(AuditAnchor.verify([anchor(10, "a"), anchor(30, "d", previous: 10, "e")]) == .rewritten(atAnchor: 2, seq: 10))
    }

    @Test func ledgerDifferences() {
        let a = LinkDayLedger.Line(id: UUID(), digest: "1")
        let b = LinkDayLedger.Line(id: UUID(), digest: "2")
        let ours = LinkDayLedger(sent: [a, b], applied: [])
        let theirs = LinkDayLedger(sent: [], applied: [a, LinkDayLedger.Line(id: b.id, digest: "3")])
        #expect(LinkDayLedger.differences(ours: ours, theirs: theirs).count == 1)
        #expect(LinkDayLedger.differences(ours: ours, theirs: LinkDayLedger(sent: [], applied: [a, b])).isEmpty)
        #expect(LinkDayLedger.hash([a, b]) == LinkDayLedger.hash([b, a]))
    }
}
