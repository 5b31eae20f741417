import Foundation
import GateKit

/// A peer's audit chain head as it sent it: the chain held `seq` entries ending in `hash`,
/// and the entry at the previous anchor's seq still hashed to `previousHash`.
public struct AuditAnchor: Sendable, Equatable {
    public var seq: Int64
    public var hash: String
    public var at: Date
    /// The seq of the anchor sent before this one (0: none), and that entry's hash as the
    /// chain holds it now: a chain rewritten below its head says so in its next anchor.
    public var previousSeq: Int64
    public var previousHash: String

    public init(seq: Int64, hash: String, at: Date, previousSeq: Int64, previousHash: String) {
        self.seq = seq
        self.hash = hash
        self.at = at
        self.previousSeq = previousSeq
        self.previousHash = previousHash
    }

    public var payload: [String: JSONValue] {
        ["seq": .string(String(seq)), "hash": .string(hash), "at": .string(Timestamp.format(at)),
         "previousSeq": .string(String(previousSeq)), "previousHash": .string(previousHash)]
    }

    public init(payload: [String: JSONValue]) throws(LinkRefusal) {
        func text(_ name: String) throws(LinkRefusal) -> String {
            guard case .string(let value)? = payload[name] else { throw LinkRefusal(.malformed, "an audit anchor needs \(name)") }
            return value
        }
        guard let seq = Int64(try text("seq")), seq >= 0, let previous = Int64(try text("previousSeq")), previous >= 0,
              let at = try? Timestamp.parse(try text("at")) else {
            throw LinkRefusal(.malformed, "an audit anchor's seq, previousSeq and at must be numbers and a time")
        }
        let hash = try text("hash")
        let previousHash = try text("previousHash")
        let isHex: (String) -> Bool = { $0.count == 64 && $0.allSatisfy { $0.isHexDigit && !$0.isUppercase } }
        guard isHex(hash), isHex(previousHash) else { throw LinkRefusal(.malformed, "an audit anchor's hashes are 64 lower-case hex digits") }
        self.init(seq: seq, hash: hash, at: at, previousSeq: previous, previousHash: previousHash)
    }

    /// What a sequence of anchors, in the order received, says about the peer's chain.
    public enum Verdict: Sendable, Equatable {
        /// Every anchor extends the one before.
        case grew(anchors: Int, head: Int64)
        /// An anchor's seq is below one received earlier.
        case truncated(atAnchor: Int, seq: Int64, earlierSeq: Int64)
        /// The chain no longer holds what an earlier anchor showed at that seq.
        case rewritten(atAnchor: Int, seq: Int64)
    }

    /// Checks that each anchor extends every one received before it.
    public static func verify(_ anchors: [AuditAnchor]) -> Verdict {
        var known: [Int64: String] = [:]
        var highest: Int64 = 0
        for (index, anchor) in anchors.enumerated() {
            if anchor.seq < highest { return .truncated(atAnchor: index + 1, seq: anchor.seq, earlierSeq: highest) }
            if let seen = known[anchor.seq], seen != anchor.hash { return .rewritten(atAnchor: index + 1, seq: anchor.seq) }
            if anchor.previousSeq > 0, let seen = known[anchor.previousSeq], seen != anchor.previousHash {
                return .rewritten(atAnchor: index + 1, seq: anchor.previousSeq)
            }
            known[anchor.seq] = anchor.hash
            highest = max(highest, anchor.seq)
        }
        return .grew(anchors: anchors.count, head: highest)
    }
}

/// One side's account of a day on the link, for `smartgate link reconcile`: how many
/// messages it sent to and applied from the other, and a hash over their ids and digests.
public struct LinkDayLedger: Sendable, Equatable {
    public struct Line: Sendable, Equatable, Hashable {
        public var id: UUID
        public var digest: String
        public init(id: UUID, digest: String) {
            self.id = id
            self.digest = digest
        }
    }

    public var sent: [Line]
    public var applied: [Line]

    public init(sent: [Line], applied: [Line]) {
        self.sent = sent.sorted { $0.id.uuidString < $1.id.uuidString }
        self.applied = applied.sorted { $0.id.uuidString < $1.id.uuidString }
    }

    /// SHA-256 over the lines `id digest\n`, ids lower-case and sorted.
    public static func hash(_ lines: [Line]) -> String {
        let text = lines.map { "\($0.id.uuidString.lowercased()) \($0.digest)\n" }.sorted().joined()
        return LinkCanonical.sha256Hex(Data(text.utf8))
    }

    /// Every difference between what one side sent and the other applied, both ways,
    /// naming the sides `us` and `them`.
    public static func differences(ours: LinkDayLedger, theirs: LinkDayLedger, us: String = "we", them: String = "they") -> [String] {
        compare(sent: ours.sent, applied: theirs.applied, sender: us, receiver: them)
            + compare(sent: theirs.sent, applied: ours.applied, sender: them, receiver: us)
    }

    private static func compare(sent: [Line], applied: [Line], sender: String, receiver: String) -> [String] {
        let appliedById = Dictionary(applied.map { ($0.id, $0.digest) }, uniquingKeysWith: { first, _ in first })
        let sentIds = Set(sent.map(\.id))
        var out: [String] = []
        for line in sent {
            switch appliedById[line.id] {
            case nil: out.append("\(line.id.uuidString.lowercased()): \(sender) sent it, \(receiver) did not apply it")
            case let digest? where digest != line.digest: out.append("\(line.id.uuidString.lowercased()): \(receiver) applied other content than \(sender) sent")
            default: break
            }
        }
        for line in applied where !sentIds.contains(line.id) {
            out.append("\(line.id.uuidString.lowercased()): \(receiver) applied it, \(sender) did not send it that day")
        }
        return out
    }
}
