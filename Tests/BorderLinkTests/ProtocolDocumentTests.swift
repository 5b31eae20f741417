import BorderLink
import Crypto
import Foundation
import GateKit
import Testing

/// The worked example of docs/BORDERLINK.md §9, checked against this implementation.
///
/// Another team builds the other side of the border from that document alone, so every
/// value it shows must be one this code produces and accepts: a drifted byte there would
/// surface as a refused manifest at the border, not as a failed test here.
@Suite struct ProtocolDocumentTests {
    /// `#filePath` is Tests/BorderLinkTests/<this file>: three levels up is the repository.
    static let documentURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/BORDERLINK.md")

    /// The example's one instant: the request is signed when the envelope was created and
    /// the receiver's clock reads the same, so neither time window can hide a wrong byte.
    static let exampleTime = "2026-11-23T00:15:42.318Z"
    static let inbox = "/api/v1/link/inbox"

    let example: ExampleBlocks

    init() throws {
        example = ExampleBlocks(markdown: try String(contentsOf: Self.documentURL, encoding: .utf8))
    }

    /// The Chinese side as the example describes it: the Vietnamese test key is its only peer key.
    func chinaSees(_ publicKey: Curve25519.Signing.PublicKey) -> LinkVerifier {
        LinkVerifier(receiver: LinkSide.china, peers: [LinkSide.vietnam: [PeerKey(publicKey: publicKey)]])
    }

    func now() throws -> Date { try Timestamp.parse(Self.exampleTime) }

    @Test func everyMarkedBlockIsPresentOnce() throws {
        #expect(example.duplicates.isEmpty, "blocks marked more than once: \(example.duplicates.sorted())")
        for name in ExampleBlocks.required {
            _ = try example.block(name)
        }
    }

    @Test func thePrivateKeyGivesThePublicKeyAndKeyIdShown() throws {
        let shownPublicKey = try example.block("public-key")
        let shownKeyId = try example.block("key-id")
        let key = try #require(LinkKey.privateKey(base64: try example.block("private-key")), "the private-key block is not base64 of 32 bytes")
        #expect(key.publicKey.rawRepresentation.base64EncodedString() == shownPublicKey)
        #expect(LinkKey.id(of: key.publicKey) == shownKeyId)
        // The document must publish the key the other tests sign with, not a second one.
        #expect(key.rawRepresentation == TestKeys.vietnam.rawRepresentation)
    }

    @Test func theEnvelopeParsesAndItsBytesAreTheOnesShown() throws {
        let envelope = try example.envelope("envelope")
        let shownBytes = Data(try example.block("signing-bytes").utf8)
        let shownHash = try example.block("signing-sha256")
        let shownKeyId = try example.block("key-id")
        let signingBytes = try envelope.signingBytes()
        #expect(signingBytes == shownBytes, "the envelope's signing bytes differ from the signing-bytes block")
        #expect(LinkCanonical.sha256Hex(shownBytes) == shownHash)
        #expect(try envelope.digest() == shownHash)
        #expect(envelope.keyId == shownKeyId)
        #expect(Timestamp.format(envelope.createdAt) == Self.exampleTime)
    }

    @Test func theSignatureIsTheEnvelopesAndVerifies() throws {
        let envelope = try example.envelope("envelope")
        let signature = try example.block("signature")
        let publicKey = try #require(LinkKey.publicKey(base64: try example.block("public-key")))
        let privateKey = try #require(LinkKey.privateKey(base64: try example.block("private-key")))
        let signingBytes = try envelope.signingBytes()
        #expect(envelope.signature == signature)
        #expect(LinkKey.isValid(signature: signature, of: signingBytes, by: publicKey))

        var resigned = envelope
        try resigned.sign(with: privateKey)
        #expect(LinkKey.isValid(signature: resigned.signature, of: signingBytes, by: publicKey))
        #if !canImport(Darwin)
        // swift-crypto signs with BoringSSL here, deterministic as RFC 8032 specifies, so the
        // document's signature is what any correct signer writes. Apple's CryptoKit
        // randomises Ed25519 signatures: on Darwin only validity can be asked of a re-signing.
        #expect(resigned.signature == signature, "Ed25519 over the same bytes with the same key must give the same signature")
        #endif

        let verified = try chinaSees(publicKey).verify(
            try JSONValue.parse(Data(try example.block("envelope").utf8)), deliveredBy: LinkSide.vietnam, now: try now())
        #expect(verified == envelope)
    }

    @Test func theRequestBodyCarriesTheEnvelopesWireBytes() throws {
        let envelope = try example.envelope("envelope")
        let shownBody = Data(try example.block("request-body").utf8)
        var expected = Data(#"{"envelopes":["#.utf8)
        expected.append(try envelope.wireBytes())
        expected.append(Data("]}".utf8))
        #expect(shownBody == expected)
    }

    @Test func theRequestHeaderVerifiesOverTheRequestBody() throws {
        let body = Data(try example.block("request-body").utf8)
        let shownSigningBytes = Data(try example.block("request-signing-bytes").utf8)
        let shownKeyId = try example.block("key-id")
        let publicKey = try #require(LinkKey.publicKey(base64: try example.block("public-key")))
        let line = try example.block("request-header")
        // The block shows the header as it stands in the request, field name included.
        let value = line.hasPrefix("Authorization: ") ? String(line.dropFirst("Authorization: ".count)) : line
        let header = try #require(LinkRequestSignature(header: value), "the request-header block is not a \(LinkRequestSignature.scheme) header")
        #expect(header.sender == LinkSide.vietnam)
        #expect(header.keyId == shownKeyId)
        #expect(header.at == Self.exampleTime)
        #expect(LinkRequestSignature.signingBytes(method: "POST", target: Self.inbox, at: header.at, body: body) == shownSigningBytes)

        let offset = try header.verify(method: "POST", target: Self.inbox, body: body, verifier: chinaSees(publicKey), now: try now())
        #expect(offset == 0)

        #if !canImport(Darwin)
        // Deterministic Ed25519 again (see theSignatureIsTheEnvelopesAndVerifies).
        let privateKey = try #require(LinkKey.privateKey(base64: try example.block("private-key")))
        let resigned = try LinkRequestSignature.sign(
            method: "POST", target: Self.inbox, body: body, sender: LinkSide.vietnam, key: privateKey, now: try now())
        #expect(resigned.header == value)
        #endif
    }

    @Test func theManifestIsATripTheReceiverCanRecord() throws {
        let envelope = try example.envelope("envelope")
        #expect(envelope.type == .tripManifest)
        let document = try TripManifest.declarationDocument(from: envelope.payload)
        #expect(document["direction"] == .string("import"))
        #expect(document["gate"] == .string("beishan"))
        let (id, version) = try TripManifest.version(of: envelope.payload)
        #expect(envelope.reference == "declaration:\(id.uuidString.lowercased())")
        #expect(version == 1)
    }

    /// The answer must pass the very check the Vietnamese outbox applies to every answer.
    @Test func theAnswerIsAnAcknowledgementTheSenderAccepts() throws {
        let envelope = try example.envelope("envelope")
        let answer = try example.envelope("answer")
        let vietnamSees = LinkVerifier(receiver: LinkSide.vietnam, peers: [LinkSide.china: [PeerKey(publicKey: TestKeys.china.publicKey)]])
        let receipts = try Outbox.acknowledgement(answer, from: LinkSide.china, verifier: vietnamSees, now: try now())
        #expect(receipts.map(\.messageId) == [envelope.id])
        #expect(receipts.map(\.state) == [.applied])
        #expect(receipts.first?.stream == envelope.stream)
        #expect(receipts.first?.sequence == envelope.sequence)
        #expect(answer.stream == "answers" && answer.sequence == 1 && answer.reference == "answer")
    }
}

/// The fenced blocks of a Markdown document that follow a `<!-- example:NAME -->` line.
struct ExampleBlocks {
    static let required = [
        "private-key", "public-key", "key-id", "envelope", "signing-bytes", "signing-sha256", "signature",
        "request-body", "request-signing-bytes", "request-header", "answer",
    ]

    private(set) var blocks: [String: String] = [:]
    private(set) var duplicates: Set<String> = []

    init(markdown: String) {
        let lines = markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var index = 0
        while index < lines.count {
            let line = lines[index].trimmingCharacters(in: .whitespaces)
            index += 1
            guard line.hasPrefix("<!-- example:"), line.hasSuffix("-->") else { continue }
            let name = line.dropFirst("<!-- example:".count).dropLast("-->".count).trimmingCharacters(in: .whitespaces)
            // A marker not followed by a fence yields nothing, so the test reports the block
            // missing instead of reading whatever text comes next.
            while index < lines.count, lines[index].trimmingCharacters(in: .whitespaces).isEmpty { index += 1 }
            guard index < lines.count, lines[index].hasPrefix("```") else { continue }
            index += 1
            var content: [String] = []
            while index < lines.count, lines[index] != "```" {
                content.append(lines[index])
                index += 1
            }
            index += 1
            if blocks[name] != nil { duplicates.insert(name) } else { blocks[name] = content.joined(separator: "\n") }
        }
    }

    /// The block's text exactly as between its fences, without a final line break.
    func block(_ name: String) throws -> String {
        try #require(blocks[name], "docs/BORDERLINK.md has no fenced block after <!-- example:\(name) -->")
    }

    /// The block read the way a peer's envelope is read off the wire.
    func envelope(_ name: String) throws -> LinkEnvelope {
        try LinkEnvelope.parse(try JSONValue.parse(Data(try block(name).utf8)))
    }
}
