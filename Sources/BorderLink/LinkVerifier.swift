import Crypto
import Foundation
import GateKit

/// One public key of a peer, and until when it is accepted (set when it was rotated out).
public struct PeerKey: Sendable, Equatable {
    public var publicKey: Curve25519.Signing.PublicKey
    /// nil: current. Else the end of the overlap after a rotation.
    public var acceptedUntil: Date?

    public init(publicKey: Curve25519.Signing.PublicKey, acceptedUntil: Date? = nil) {
        self.publicKey = publicKey
        self.acceptedUntil = acceptedUntil
    }

    public var id: String { LinkKey.id(of: publicKey) }

    public static func == (lhs: PeerKey, rhs: PeerKey) -> Bool {
        lhs.publicKey.rawRepresentation == rhs.publicKey.rawRepresentation && lhs.acceptedUntil == rhs.acceptedUntil
    }
}

/// How far a message's time may be from the receiver's clock (docs/BORDERLINK.md §5).
///
/// Into the future only by clock skew (`future`); into the past as far as a link outage
/// can delay a queued message and no further (`past`): the receiver keeps every applied
/// message's id at least that long, so an older copy can only be a replay.
public struct LinkWindow: Sendable, Equatable {
    public var past: TimeInterval
    public var future: TimeInterval

    public init(past: TimeInterval = 7 * 86_400, future: TimeInterval = 120) {
        self.past = past
        self.future = future
    }

    /// nil when `time` is inside the window around `now`, else why not.
    public func refusal(for time: Date, now: Date) -> LinkRefusal? {
        let offset = time.timeIntervalSince(now)
        if offset > future {
            return LinkRefusal(.outsideWindow, "the time \(Timestamp.format(time)) is \(Int(offset)) s ahead of the receiver's clock; at most \(Int(future)) s is accepted")
        }
        if -offset > past {
            return LinkRefusal(.outsideWindow, "the time \(Timestamp.format(time)) is older than the \(Int(past / 3600)) h the receiver remembers messages for")
        }
        return nil
    }
}

/// Decides whether an envelope really comes from a known peer, for this side, signed by one
/// of that peer's keys, inside the window. Pure: the server gives it the peers it stores.
public struct LinkVerifier: Sendable {
    public var receiver: String
    public var peers: [String: [PeerKey]]
    public var window: LinkWindow
    /// The signature check; only a test double replaces it (to show the conformance suite
    /// catches a receiver that does not check signatures).
    public var signatureCheck: @Sendable (String, Data, Curve25519.Signing.PublicKey) -> Bool

    public init(
        receiver: String, peers: [String: [PeerKey]], window: LinkWindow = LinkWindow(),
        signatureCheck: @escaping @Sendable (String, Data, Curve25519.Signing.PublicKey) -> Bool = LinkKey.isValid
    ) {
        self.receiver = receiver
        self.peers = peers
        self.window = window
        self.signatureCheck = signatureCheck
    }

    /// The key `keyId` of `peer`, if it is accepted at `now`.
    public func key(_ keyId: String, of peer: String, at now: Date) -> PeerKey? {
        peers[peer]?.first { $0.id == keyId && ($0.acceptedUntil.map { $0 > now } ?? true) }
    }

    /// `keyId` of `sender`, or why it is not accepted: the sender is no peer, or the key is
    /// not one of its keys accepted at `now`.
    public func acceptedKey(_ keyId: String, of sender: String, at now: Date) throws(LinkRefusal) -> PeerKey {
        guard peers[sender] != nil else { throw LinkRefusal(.unknownSender, "\(sender) is not a peer of \(receiver)") }
        guard let key = key(keyId, of: sender, at: now) else { throw LinkRefusal(.unknownKey, "\(keyId) is not a key of \(sender) accepted now") }
        return key
    }

    /// That `envelope` is addressed to this side, comes from `peer` and carries a valid
    /// signature of one of its keys: what a delivered message and a peer's answer share.
    public func authenticate(_ envelope: LinkEnvelope, from peer: String, at now: Date) throws(LinkRefusal) {
        guard envelope.receiver == receiver else {
            throw LinkRefusal(.wrongReceiver, "the message is addressed to \(envelope.receiver); this side is \(receiver)")
        }
        guard envelope.sender == peer else {
            throw LinkRefusal(.unknownSender, "\(envelope.sender) is not the peer that delivered it, \(peer)")
        }
        let key = try acceptedKey(envelope.keyId, of: peer, at: now)
        guard signatureCheck(envelope.signature, try envelope.signingBytes(), key.publicKey) else {
            throw LinkRefusal(.badSignature, "the signature does not verify with \(envelope.keyId)")
        }
    }

    /// Checks, in this order: the form and version, the receiver, the sender (a known peer,
    /// and the one that authenticated the request), its key, the signature, the window.
    public func verify(_ raw: JSONValue, deliveredBy peer: String, now: Date) throws(LinkRefusal) -> LinkEnvelope {
        let envelope = try LinkEnvelope.parse(raw)
        try authenticate(envelope, from: peer, at: now)
        guard envelope.type.isDeliverable else {
            throw LinkRefusal(.malformed, "a \(envelope.type.rawValue) travels in answers, not to an inbox")
        }
        if let refusal = window.refusal(for: envelope.createdAt, now: now) { throw refusal }
        return envelope
    }
}

/// How a peer signs an HTTP request to the link's routes (docs/BORDERLINK.md §7): the
/// envelopes inside are signed as well, but the pull and the answer need a caller.
///
/// `Authorization: SmartGate-Link sender="VN-LAOCAI", key="ed25519:…", at="2026-…Z", signature="…"`,
/// the signature over `METHOD \n path-and-query \n at \n sha256-hex(body)`.
public struct LinkRequestSignature: Sendable, Equatable {
    public static let scheme = "SmartGate-Link"

    public var sender: String
    public var keyId: String
    public var at: String
    public var signature: String

    public init(sender: String, keyId: String, at: String, signature: String) {
        self.sender = sender
        self.keyId = keyId
        self.at = at
        self.signature = signature
    }

    /// The bytes a request signature covers.
    public static func signingBytes(method: String, target: String, at: String, body: Data) -> Data {
        Data("\(method.uppercased())\n\(target)\n\(at)\n\(LinkCanonical.sha256Hex(body))".utf8)
    }

    /// Signs a request as `sender` with `key` at `now`.
    public static func sign(
        method: String, target: String, body: Data, sender: String, key: Curve25519.Signing.PrivateKey, now: Date
    ) throws -> LinkRequestSignature {
        let at = Timestamp.format(now)
        let signature = try key.signature(for: signingBytes(method: method, target: target, at: at, body: body))
        return LinkRequestSignature(sender: sender, keyId: LinkKey.id(of: key.publicKey), at: at, signature: signature.base64EncodedString())
    }

    /// The `Authorization` header value.
    public var header: String {
        "\(Self.scheme) sender=\"\(sender)\", key=\"\(keyId)\", at=\"\(at)\", signature=\"\(signature)\""
    }

    /// Reads an `Authorization` header value; nil when it is not this scheme or not well formed.
    public init?(header: String) {
        guard header.hasPrefix(Self.scheme + " ") else { return nil }
        var fields: [String: String] = [:]
        for part in header.dropFirst(Self.scheme.count + 1).split(separator: ",") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2, pair[1].count >= 2, pair[1].hasPrefix("\""), pair[1].hasSuffix("\"") else { return nil }
            fields[pair[0]] = String(pair[1].dropFirst().dropLast())
        }
        guard let sender = fields["sender"], let key = fields["key"], let at = fields["at"], let signature = fields["signature"],
              fields.count == 4 else { return nil }
        self.init(sender: sender, keyId: key, at: at, signature: signature)
    }

    /// Checks the request against the peers: the sender known, its key accepted, the
    /// signature valid, `at` inside the clock tolerance. Answers the clock offset seen
    /// (the sender's `at` minus `now`), which the receiver reports, never corrects.
    public func verify(method: String, target: String, body: Data, verifier: LinkVerifier, now: Date) throws(LinkRefusal) -> TimeInterval {
        let key = try verifier.acceptedKey(keyId, of: sender, at: now)
        guard let time = try? Timestamp.parse(at) else { throw LinkRefusal(.malformed, "at \(at) is not an RFC 3339 time") }
        let bytes = Self.signingBytes(method: method, target: target, at: at, body: body)
        guard verifier.signatureCheck(signature, bytes, key.publicKey) else {
            throw LinkRefusal(.badSignature, "the request signature does not verify with \(keyId)")
        }
        // A request is signed as it is sent, so only skew may separate it from now.
        let offset = time.timeIntervalSince(now)
        guard abs(offset) <= verifier.window.future else {
            throw LinkRefusal(.outsideWindow, "the request was signed \(Int(offset)) s from the receiver's clock; at most ±\(Int(verifier.window.future)) s is accepted")
        }
        return offset
    }
}
