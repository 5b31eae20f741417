import Crypto
import Foundation

/// One link of the tamper-evident audit chain: who did what to which subject, when, the
/// hash of what it was done with, and the hash of the link before it.
///
/// `hash` = SHA-256 over `prevHash` (its hex text) followed by the entry's canonical JSON
/// (keys sorted, no whitespace, UTF-8, timestamps RFC 3339 UTC with milliseconds, numbers
/// as decimal strings; `hash` itself left out). Editing, deleting or reordering any stored
/// entry breaks the chain at that entry (CONTRACTS §6).
public struct AuditEntry: Sendable, Equatable, Codable {
    public var seq: Int64
    public var at: Date
    /// Who acted: `declarant:<tax code>`, `lane:<lane id>`, `system`, later users and devices.
    public var actor: String
    /// What happened: `declaration.submitted`, `declaration.released`, `lane.decision`, …
    public var action: String
    /// What it happened to: `declaration:<id>`, `passage:<id>`.
    public var subject: String
    /// SHA-256 (hex) of the change's canonical payload.
    public var payloadHash: String
    public var prevHash: String
    public var hash: String

    public init(seq: Int64, at: Date, actor: String, action: String, subject: String, payloadHash: String, prevHash: String, hash: String) {
        self.seq = seq
        self.at = at
        self.actor = actor
        self.action = action
        self.subject = subject
        self.payloadHash = payloadHash
        self.prevHash = prevHash
        self.hash = hash
    }
}

/// Builds and checks the audit chain. Pure: the server stores entries, this decides what
/// they must be.
public enum AuditChain {
    /// The `prevHash` of the first entry.
    public static let genesis = String(repeating: "0", count: 64)

    /// The entry that follows `previous` (nil for the first), with its hash computed.
    public static func append(
        after previous: (seq: Int64, hash: String)?, at: Date, actor: String, action: String, subject: String, payload: Data
    ) -> AuditEntry {
        var entry = AuditEntry(
            seq: (previous?.seq ?? 0) + 1, at: at, actor: actor, action: action, subject: subject,
            payloadHash: Hex.lowercase(SHA256.hash(data: payload)), prevHash: previous?.hash ?? genesis, hash: "")
        entry.hash = hash(of: entry)
        return entry
    }

    /// SHA-256 over `prevHash` and the canonical JSON of the entry without its `hash`.
    public static func hash(of entry: AuditEntry) -> String {
        var bytes = Data(entry.prevHash.utf8)
        bytes.append(canonicalJSON(entry))
        return Hex.lowercase(SHA256.hash(data: bytes))
    }

    /// The canonical bytes of an entry (without `hash`): sorted keys, no whitespace,
    /// numbers as decimal strings, timestamps in UTC with milliseconds.
    public static func canonicalJSON(_ entry: AuditEntry) -> Data {
        let members: [(String, String)] = [
            ("action", entry.action), ("actor", entry.actor), ("at", Timestamp.format(entry.at)),
            ("payloadHash", entry.payloadHash), ("prevHash", entry.prevHash), ("seq", String(entry.seq)),
            ("subject", entry.subject),
        ]
        let body = members.sorted { $0.0 < $1.0 }.map { "\(quoted($0.0)):\(quoted($0.1))" }.joined(separator: ",")
        return Data("{\(body)}".utf8)
    }

    /// Where a chain first fails, if it does.
    public enum Verdict: Sendable, Equatable {
        /// Every entry links to the one before and hashes to itself.
        case intact(entries: Int, head: String)
        /// The first entry that does not hold, and why.
        case broken(seq: Int64, reason: String)
    }

    /// Walks entries in stored order (ascending `seq`) and names the first one that was
    /// edited (its hash no longer matches), or follows a deleted or moved one (a gap in
    /// `seq`, or a `prevHash` that is not the previous entry's hash).
    public static func verify(_ entries: some Sequence<AuditEntry>) -> Verdict {
        var walk = Walk()
        for entry in entries {
            if let broken = walk.check(entry) { return broken }
        }
        return walk.verdict
    }

    /// Verification one entry at a time, for chains too long to hold in memory.
    public struct Walk: Sendable {
        private var previous: (seq: Int64, hash: String)?
        private var count = 0

        public init() {}

        /// Checks the next entry; returns the verdict if it breaks the chain.
        public mutating func check(_ entry: AuditEntry) -> Verdict? {
            let expectedSeq = (previous?.seq ?? 0) + 1
            if entry.seq != expectedSeq {
                return .broken(seq: expectedSeq, reason: "entry \(expectedSeq) is missing or out of order (found \(entry.seq))")
            }
            if entry.prevHash != (previous?.hash ?? AuditChain.genesis) {
                return .broken(seq: entry.seq, reason: "entry \(entry.seq) does not link to entry \(entry.seq - 1)")
            }
            if AuditChain.hash(of: entry) != entry.hash {
                return .broken(seq: entry.seq, reason: "entry \(entry.seq) was altered: its content no longer matches its hash")
            }
            previous = (entry.seq, entry.hash)
            count += 1
            return nil
        }

        /// The verdict for everything checked so far.
        public var verdict: Verdict { .intact(entries: count, head: previous?.hash ?? AuditChain.genesis) }
    }

    /// A JSON string literal (RFC 8259 escaping; non-ASCII kept as UTF-8).
    public static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
