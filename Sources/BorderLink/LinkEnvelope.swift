import Crypto
import Foundation
import GateKit

/// What a message says (docs/BORDERLINK.md §4).
public enum LinkMessageType: String, Sendable, CaseIterable, Codable {
    /// A trip leaving the sender's side for the receiver's paired gate; a later manifest for
    /// the same reference supersedes it.
    case tripManifest = "trip-manifest"
    /// The trip was cancelled before it left: the expected arrival is withdrawn.
    case tripRevocation = "trip-revocation"
    /// The truck left the sender's side (`departed`), or arrived through the sender's
    /// lane (`arrived`: the confirmation that closes the export on the other side).
    case crossingEvent = "crossing-event"
    /// The sender's officers hold the trip: the receiver must not release it.
    case holdNotice = "hold-notice"
    /// The hold is lifted.
    case releaseNotice = "release-notice"
    /// A container the corridor's shuttle delivered across the bridge.
    case shuttleHandover = "shuttle-handover"
    /// The sender's audit chain head, so the receiver can show the chain only grew.
    case auditAnchor = "audit-anchor"
    /// A conformance probe: stored and acknowledged, no effect on any trip.
    case probe
    /// The receiver's answer to a delivery or a pull (in answers only, never delivered).
    case acknowledgement
    /// A refusal (in answers only).
    case refusal

    /// Types a sender may deliver to an inbox (acknowledgements travel in answers).
    public var isDeliverable: Bool { self != .acknowledgement && self != .refusal }
}

/// One signed message between the two sides (docs/BORDERLINK.md §2).
///
/// On the wire an envelope is a JSON object with exactly these members, every value a
/// string except `payload` (an object of strings, arrays, objects, booleans and nulls). The
/// signature is Ed25519 over the canonical bytes of the object without `signature`.
public struct LinkEnvelope: Sendable, Equatable {
    /// The envelope version this code writes.
    public static let currentVersion = "1"
    /// The versions it reads. A new version is added here and the previous one kept for the
    /// period docs/BORDERLINK.md states (CONTRACTS §12).
    public static let readableVersions: Set<String> = ["1"]

    public var version: String
    public var id: UUID
    /// Side identities: `VN-LAOCAI`, `CN-HEKOU`.
    public var sender: String
    public var receiver: String
    public var type: LinkMessageType
    /// When the sender created it (whole milliseconds, UTC).
    public var createdAt: Date
    /// The ordered stream it belongs to, and its place there (1, 2, 3 … per sender, receiver, stream).
    public var stream: String
    public var sequence: Int64
    /// What it is about: `declaration:<uuid>`, `order:<uuid>`, `audit:<side>`.
    public var reference: String
    public var payload: [String: JSONValue]
    public var keyId: String
    /// Base64 (RFC 4648, padded) of the 64-byte Ed25519 signature.
    public var signature: String

    public init(
        version: String = LinkEnvelope.currentVersion, id: UUID, sender: String, receiver: String, type: LinkMessageType,
        createdAt: Date, stream: String, sequence: Int64, reference: String, payload: [String: JSONValue], keyId: String,
        signature: String = ""
    ) {
        self.version = version
        self.id = id
        self.sender = sender
        self.receiver = receiver
        self.type = type
        self.createdAt = Date(timeIntervalSince1970: (createdAt.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
        self.stream = stream
        self.sequence = sequence
        self.reference = reference
        self.payload = payload
        self.keyId = keyId
        self.signature = signature
    }

    /// The envelope as a JSON object, with or without its signature.
    public func json(signed: Bool = true) -> JSONValue {
        var members: [String: JSONValue] = [
            "version": .string(version), "id": .string(id.uuidString.lowercased()), "sender": .string(sender),
            "receiver": .string(receiver), "type": .string(type.rawValue), "createdAt": .string(Timestamp.format(createdAt)),
            "stream": .string(stream), "sequence": .string(String(sequence)), "reference": .string(reference),
            "payload": .object(payload), "keyId": .string(keyId),
        ]
        if signed { members["signature"] = .string(signature) }
        return .object(members)
    }

    /// The bytes the signature covers: the canonical form without `signature`.
    public func signingBytes() throws(LinkRefusal) -> Data {
        try LinkCanonical.bytes(json(signed: false))
    }

    /// The whole envelope in canonical form, as it is sent and stored.
    public func wireBytes() throws(LinkRefusal) -> Data {
        try LinkCanonical.bytes(json())
    }

    /// SHA-256 (hex) of the signed bytes: two deliveries of one message have the same digest.
    public func digest() throws(LinkRefusal) -> String {
        LinkCanonical.sha256Hex(try signingBytes())
    }

    /// Signs with `key`, setting `keyId` and `signature`.
    public mutating func sign(with key: Curve25519.Signing.PrivateKey) throws {
        keyId = LinkKey.id(of: key.publicKey)
        signature = try key.signature(for: signingBytes()).base64EncodedString()
    }

    /// An envelope as this side stores it: its wire bytes, as text.
    public init(stored text: String) throws(LinkRefusal) {
        let json: JSONValue
        do { json = try JSONValue.parse(Data(text.utf8)) } catch { throw LinkRefusal(.malformed, "a stored envelope is not JSON: \(error.detail)") }
        self = try Self.parse(json)
    }

    /// The body of a delivery or a pull's answer (docs/BORDERLINK.md §7): the envelopes'
    /// wire bytes in `{"envelopes":[…]}`, with `trailing` members after the array.
    public static func batch(_ wires: [Data], trailing: String = "") -> Data {
        var body = Data(#"{"envelopes":["#.utf8)
        for (index, wire) in wires.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            body.append(wire)
        }
        body.append(UInt8(ascii: "]"))
        body.append(Data(trailing.utf8))
        body.append(UInt8(ascii: "}"))
        return body
    }

    /// Reads an envelope, refusing anything the protocol does not allow (`malformed`), or a
    /// version this side does not read (`unsupported-version`). Says nothing about who sent
    /// it: `LinkVerifier` does.
    public static func parse(_ value: JSONValue) throws(LinkRefusal) -> LinkEnvelope {
        guard case .object(let members) = value else { throw LinkRefusal(.malformed, "an envelope is a JSON object") }
        if case .string(let version)? = members["version"], !readableVersions.contains(version) {
            throw LinkRefusal(.unsupportedVersion, "envelope version \(version) is not read here; this side reads \(readableVersions.sorted().joined(separator: ", "))")
        }
        let known: Set<String> = ["version", "id", "sender", "receiver", "type", "createdAt", "stream", "sequence", "reference", "payload", "keyId", "signature"]
        if let extra = members.keys.filter({ !known.contains($0) }).sorted().first {
            throw LinkRefusal(.malformed, "\(extra) is not a member of a version 1 envelope")
        }
        func text(_ name: String, max: Int = 200) throws(LinkRefusal) -> String {
            guard case .string(let value)? = members[name] else { throw LinkRefusal(.malformed, "\(name) must be a string") }
            guard !value.isEmpty, value.count <= max, !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                throw LinkRefusal(.malformed, "\(name) must be 1 to \(max) printable characters")
            }
            return value
        }
        let version = try text("version", max: 8)
        let idText = try text("id", max: 36)
        guard let id = UUID(uuidString: idText), idText == id.uuidString.lowercased() else {
            throw LinkRefusal(.malformed, "id must be a UUID in lower case")
        }
        let sender = try text("sender", max: 32)
        let receiver = try text("receiver", max: 32)
        for (name, side) in [("sender", sender), ("receiver", receiver)] where !LinkSide.isWellFormed(side) {
            throw LinkRefusal(.malformed, "\(name) \(side) is not a side identity (two capital letters, a hyphen, capitals and digits)")
        }
        let typeText = try text("type", max: 32)
        guard let type = LinkMessageType(rawValue: typeText) else { throw LinkRefusal(.malformed, "type \(typeText) is not a message type") }
        let createdText = try text("createdAt", max: 40)
        let createdAt: Date
        do { createdAt = try Timestamp.parse(createdText) } catch { throw LinkRefusal(.malformed, "createdAt \(createdText) is not an RFC 3339 time with an offset") }
        let stream = try text("stream", max: 64)
        guard stream.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }) else {
            throw LinkRefusal(.malformed, "stream must be lower-case letters, digits and hyphens")
        }
        let sequenceText = try text("sequence", max: 19)
        guard sequenceText.allSatisfy(\.isASCII), sequenceText.allSatisfy(\.isNumber), !sequenceText.hasPrefix("0"),
              let sequence = Int64(sequenceText) else {
            throw LinkRefusal(.malformed, "sequence must be a positive whole number written as a string, without leading zeros")
        }
        guard case .object(let payload)? = members["payload"] else { throw LinkRefusal(.malformed, "payload must be an object") }
        let signature = try text("signature", max: 200)
        guard let signatureBytes = Data(base64Encoded: signature), signatureBytes.count == 64 else {
            throw LinkRefusal(.malformed, "signature must be base64 of 64 bytes")
        }
        var envelope = LinkEnvelope(
            version: version, id: id, sender: sender, receiver: receiver, type: type, createdAt: createdAt, stream: stream,
            sequence: sequence, reference: try text("reference"), payload: payload, keyId: try text("keyId", max: 64),
            signature: signature)
        // The time as written must be the time as signed: a sender that wrote `+07:00` or no
        // milliseconds signed other bytes than those this side would check.
        guard Timestamp.format(envelope.createdAt) == createdText else {
            throw LinkRefusal(.malformed, "createdAt must be written in UTC with milliseconds (\(Timestamp.format(envelope.createdAt)))")
        }
        envelope.createdAt = createdAt
        _ = try envelope.signingBytes()  // a number anywhere in the payload is malformed
        return envelope
    }
}

/// A side's identity on the link.
public enum LinkSide {
    public static let vietnam = "VN-LAOCAI"
    public static let china = "CN-HEKOU"

    /// Two capital letters (the ISO 3166 country), a hyphen, then 1–29 capitals, digits or hyphens.
    public static func isWellFormed(_ side: String) -> Bool {
        let scalars = Array(side.unicodeScalars)
        guard scalars.count >= 4, scalars.count <= 32, scalars[2] == "-" else { return false }
        let upper: (Unicode.Scalar) -> Bool = { ("A"..."Z").contains($0) }
        return scalars[0..<2].allSatisfy(upper) && scalars[3...].allSatisfy { upper($0) || ("0"..."9").contains($0) || $0 == "-" }
    }
}

/// Ed25519 keys as the protocol names and writes them.
public enum LinkKey {
    /// `ed25519:` and the first 8 bytes of SHA-256 of the raw 32-byte public key, hex.
    public static func id(of key: Curve25519.Signing.PublicKey) -> String {
        "ed25519:" + Hex.lowercase(SHA256.hash(data: key.rawRepresentation).prefix(8))
    }

    /// A public key from base64 of its 32 raw bytes.
    public static func publicKey(base64: String) -> Curve25519.Signing.PublicKey? {
        guard let raw = Data(base64Encoded: base64.trimmingCharacters(in: .whitespacesAndNewlines)), raw.count == 32 else { return nil }
        return try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
    }

    /// A private key from base64 of its 32 raw bytes (the seed).
    public static func privateKey(base64: String) -> Curve25519.Signing.PrivateKey? {
        guard let raw = Data(base64Encoded: base64.trimmingCharacters(in: .whitespacesAndNewlines)), raw.count == 32 else { return nil }
        return try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)
    }

    /// Whether `signature` (base64) is `key`'s Ed25519 signature of `bytes`.
    public static func isValid(signature: String, of bytes: Data, by key: Curve25519.Signing.PublicKey) -> Bool {
        guard let raw = Data(base64Encoded: signature) else { return false }
        return key.isValidSignature(raw, for: bytes)
    }
}
