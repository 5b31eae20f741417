import BorderLink
import Crypto
import Foundation
import GateKit
import Testing

/// Published test keys (docs/BORDERLINK.md §9): never used outside examples and tests.
enum TestKeys {
    static let vietnam = LinkKey.privateKey(base64: "c21hcnRnYXRlIHRlc3Qga2V5IFZOLUxBT0NBSSAhISE=")!
    static let china = LinkKey.privateKey(base64: "c21hcnRnYXRlIHRlc3Qga2V5IENOLUhFS09VICEhISE=")!
    static let at = try! Timestamp.parse("2026-12-05T08:00:00.000Z")

    static func envelope(
        sequence: Int64 = 1, type: LinkMessageType = .probe, stream: String = "kim-thanh", createdAt: Date = at,
        payload: [String: JSONValue] = ["note": .string("hello")], id: UUID = UUID()
    ) -> LinkEnvelope {
        var envelope = LinkEnvelope(
            id: id, sender: LinkSide.vietnam, receiver: LinkSide.china, type: type, createdAt: createdAt, stream: stream,
            sequence: sequence, reference: "probe:\(sequence)", payload: payload, keyId: "")
        try! envelope.sign(with: vietnam)
        return envelope
    }

    static var verifier: LinkVerifier {
        LinkVerifier(receiver: LinkSide.china, peers: [LinkSide.vietnam: [PeerKey(publicKey: vietnam.publicKey)]])
    }
}

@Suite struct CanonicalBytesTests {
    @Test(arguments: [
        (JSONValue.object(["b": .string("2"), "a": .string("1")]), #"{"a":"1","b":"2"}"#),
        (.object(["é": .null, "z": .bool(true)]), #"{"z":true,"é":null}"#),
        (.string("line\nbreak\t\"q\"\\ /\u{01}"), #""line\nbreak\t\"q\"\\ /\u0001""#),
        (.array([.string("Hà Nội"), .string("河口")]), #"["Hà Nội","河口"]"#),
        (.object(["B": .string(""), "a": .string(""), "aa": .string("")]), #"{"B":"","a":"","aa":""}"#),
    ])
    func canonicalForm(value: JSONValue, expected: String) throws {
        #expect(String(decoding: try LinkCanonical.bytes(value), as: UTF8.self) == expected)
    }

    @Test func numbersAreRefused() {
        #expect(throws: LinkRefusal.self) { try LinkCanonical.bytes(.object(["grossKg": .number(12500)])) }
    }

    @Test(arguments: [(12500.0, "12500"), (12500.5, "12500.5"), (0.125, "0.125"), (1.0 / 3, "0.333"), (-2, "-2")])
    func decimals(number: Double, text: String) {
        #expect(LinkCanonical.decimal(number) == text)
    }
}

@Suite struct EnvelopeTests {
    @Test func signedEnvelopeRoundTripsAndVerifies() throws {
        let envelope = TestKeys.envelope()
        let parsed = try LinkEnvelope.parse(try JSONValue.parse(envelope.wireBytes()))
        #expect(parsed == envelope)
        let verified = try TestKeys.verifier.verify(try JSONValue.parse(envelope.wireBytes()), deliveredBy: LinkSide.vietnam, now: TestKeys.at)
        #expect(verified.id == envelope.id)
    }

    /// Each way a message can be wrong, and the reason the receiver names (docs §6).
    @Test(arguments: RefusalCase.allCases)
    func refusals(refusal: RefusalCase) throws {
        var json = try JSONValue.parse(TestKeys.envelope().wireBytes())
        var deliveredBy = LinkSide.vietnam
        var now = TestKeys.at
        var verifier = TestKeys.verifier
        func set(_ name: String, _ value: JSONValue) {
            guard case .object(var members) = json else { return }
            members[name] = value
            json = .object(members)
        }
        switch refusal {
        case .tamperedPayload: set("payload", .object(["note": .string("HELLO")]))
        case .otherKeySigned:
            var forged = TestKeys.envelope()
            try forged.sign(with: Curve25519.Signing.PrivateKey())
            forged.keyId = LinkKey.id(of: TestKeys.vietnam.publicKey)
            json = try JSONValue.parse(forged.wireBytes())
        case .unknownKey:
            var other = TestKeys.envelope()
            try other.sign(with: Curve25519.Signing.PrivateKey())
            json = try JSONValue.parse(other.wireBytes())
        case .unknownSender: deliveredBy = "CN-OTHER"
        case .wrongReceiver: verifier.receiver = "CN-OTHER"
        case .future: now = TestKeys.at.addingTimeInterval(-121)
        case .tooOld: now = TestKeys.at.addingTimeInterval(7 * 86_400 + 1)
        case .number: set("sequence", .number(1))
        case .extraMember: set("priority", .string("high"))
        case .version: set("version", .string("2"))
        case .localTime: set("createdAt", .string("2026-12-05T15:00:00.000+07:00"))
        case .acknowledgementDelivered:
            json = try JSONValue.parse(TestKeys.envelope(type: .acknowledgement).wireBytes())
        }
        do {
            _ = try verifier.verify(json, deliveredBy: deliveredBy, now: now)
            Issue.record("\(refusal) was accepted")
        } catch {
            #expect(error.reason == refusal.reason, "\(refusal): \(error)")
        }
    }

    enum RefusalCase: CaseIterable, Sendable {
        case tamperedPayload, otherKeySigned, unknownKey, unknownSender, wrongReceiver, future, tooOld, number, extraMember, version
        case localTime, acknowledgementDelivered

        var reason: RefusalReason {
            switch self {
            case .tamperedPayload, .otherKeySigned: .badSignature
            case .unknownKey: .unknownKey
            case .unknownSender: .unknownSender
            case .wrongReceiver: .wrongReceiver
            case .future, .tooOld: .outsideWindow
            case .number, .extraMember, .localTime, .acknowledgementDelivered: .malformed
            case .version: .unsupportedVersion
            }
        }
    }

    @Test func skewInsideTheToleranceIsAccepted() throws {
        let json = try JSONValue.parse(TestKeys.envelope().wireBytes())
        _ = try TestKeys.verifier.verify(json, deliveredBy: LinkSide.vietnam, now: TestKeys.at.addingTimeInterval(-119))
    }

    @Test func aRotatedOutKeyIsAcceptedUntilTheOverlapEnds() throws {
        let json = try JSONValue.parse(TestKeys.envelope().wireBytes())
        var verifier = TestKeys.verifier
        verifier.peers[LinkSide.vietnam] = [
            PeerKey(publicKey: Curve25519.Signing.PrivateKey().publicKey),
            PeerKey(publicKey: TestKeys.vietnam.publicKey, acceptedUntil: TestKeys.at.addingTimeInterval(60)),
        ]
        _ = try verifier.verify(json, deliveredBy: LinkSide.vietnam, now: TestKeys.at)
        #expect(throws: LinkRefusal(.unknownKey, "\(LinkKey.id(of: TestKeys.vietnam.publicKey)) is not a key of VN-LAOCAI accepted now")) {
            _ = try verifier.verify(json, deliveredBy: LinkSide.vietnam, now: TestKeys.at.addingTimeInterval(61))
        }
    }

    @Test func requestSignatures() throws {
        let body = Data(#"{"envelopes":[]}"#.utf8)
        let signed = try LinkRequestSignature.sign(
            method: "POST", target: "/api/v1/link/inbox", body: body, sender: LinkSide.vietnam, key: TestKeys.vietnam, now: TestKeys.at)
        let parsed = try #require(LinkRequestSignature(header: signed.header))
        #expect(try parsed.verify(method: "POST", target: "/api/v1/link/inbox", body: body, verifier: TestKeys.verifier, now: TestKeys.at.addingTimeInterval(3)) == -3)
        #expect(throws: LinkRefusal.self) {
            try parsed.verify(method: "POST", target: "/api/v1/link/inbox", body: Data("{}".utf8), verifier: TestKeys.verifier, now: TestKeys.at)
        }
        #expect(throws: LinkRefusal.self) {
            try parsed.verify(method: "POST", target: "/api/v1/link/inbox", body: body, verifier: TestKeys.verifier, now: TestKeys.at.addingTimeInterval(600))
        }
        #expect(LinkRequestSignature(header: "Bearer abc") == nil)
    }
}
