import BorderLink
import Crypto
import Foundation
import GateKit
import NIOConcurrencyHelpers
import Vapor

/// The conformance suite for any implementation of the other side (docs/BORDERLINK.md §10):
/// it plays a peer against the system at `url`, with the peer id and key that system has
/// registered, and checks each rule of the protocol by what the system answers. Messages
/// are `probe`s in a fresh stream, so a run changes no trip.
public enum LinkConformance {
    public struct Outcome: Sendable {
        public var name: String
        public var passed: Bool
        public var detail: String
    }

    public struct Target: Sendable {
        public var url: String
        public var peerId: String
        public var key: Curve25519.Signing.PrivateKey
        /// Where this suite serves its outbox for the gap case; the system must have it as
        /// the peer's URL.
        public var listen: (host: String, port: Int)?
        public var pullWait: Duration = .seconds(20)

        public init(url: String, peerId: String, key: Curve25519.Signing.PrivateKey, listen: (host: String, port: Int)?) {
            self.url = url
            self.peerId = peerId
            self.key = key
            self.listen = listen
        }
    }

    /// Runs every case; one outcome per case, in order.
    public static func run(_ target: Target) async throws -> [Outcome] {
        let app = try await Application.make(.testing)
        let session = try await Session(target: target, app: app)
        do {
            if let listen = target.listen {
                session.serveOutbox(on: app)
                app.http.server.configuration.hostname = listen.host
                app.http.server.configuration.port = listen.port
                try app.server.start()
            }
            let outcomes = await session.cases()
            if target.listen != nil { await app.server.shutdown() }
            try await app.asyncShutdown()
            return outcomes
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
    }

    /// One run against one system.
    final class Session: Sendable {
        let target: Target
        let client: any Client
        let side: String
        let sideKey: Curve25519.Signing.PublicKey
        let stream = "conformance-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        /// This suite's outbox for the system to pull: sequence → envelope.
        let outbox = NIOLockedValueBox([Int64: LinkEnvelope]())

        init(target: Target, app: Application) async throws {
            self.target = target
            client = app.client
            let response = try await app.client.get(URI(string: target.url.trimmingSuffix("/") + "/api/v1/link/identity"))
            guard response.status == .ok, let body = response.body,
                  let identity = try? JSONDecoder().decode(LinkController.Identity.self, from: Data(body.readableBytesView)),
                  let key = identity.keys.first.flatMap({ LinkKey.publicKey(base64: $0.publicKey) }) else {
                throw SettingsError("\(target.url)/api/v1/link/identity did not name the side and its key")
            }
            side = identity.side
            sideKey = key
        }

        func envelope(
            _ sequence: Int64, type: LinkMessageType = .probe, payload: [String: JSONValue] = ["note": .string("conformance")],
            createdAt: Date = Date(), receiver: String? = nil, version: String = LinkEnvelope.currentVersion,
            signer: Curve25519.Signing.PrivateKey? = nil, claimedKeyId: String? = nil
        ) throws -> LinkEnvelope {
            var envelope = LinkEnvelope(
                version: version, id: UUID(), sender: target.peerId, receiver: receiver ?? side, type: type, createdAt: createdAt,
                stream: stream, sequence: sequence, reference: "probe:\(stream):\(sequence)", payload: payload, keyId: "")
            try envelope.sign(with: signer ?? target.key)
            if let claimedKeyId { envelope.keyId = claimedKeyId }
            return envelope
        }

        /// Delivers documents and answers the receipts of the system's signed acknowledgement.
        func deliver(_ documents: [Data]) async throws -> [LinkReceipt] {
            let transport = HTTPLinkTransport(client: client, baseURL: target.url, side: target.peerId, key: target.key)
            let answer = try await transport.deliver(documents: documents)
            let verifier = LinkVerifier(receiver: target.peerId, peers: [side: [PeerKey(publicKey: sideKey)]])
            return try Outbox.acknowledgement(answer, from: side, verifier: verifier, now: Date())
        }

        func deliver(_ envelopes: LinkEnvelope...) async throws -> [LinkReceipt] {
            try await deliver(try envelopes.map { try $0.wireBytes() })
        }

        struct Failed: Error, CustomStringConvertible {
            var description: String
        }

        func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws {
            if !condition { throw Failed(description: message()) }
        }

        /// A refusal with `reason`, then a genuine message in the same place applied: the
        /// refused one took nothing.
        func refusedThenGenuine(_ bad: Data, sequence: Int64, reason: RefusalReason) async throws -> String {
            let refused = try await deliver([bad])
            try expect(refused.first?.state == .refused && refused.first?.reason == reason,
                       "expected refused \(reason.rawValue), got \(refused.first.map { "\($0.state.rawValue) \($0.reason?.rawValue ?? "")" } ?? "no receipt")")
            let genuine = try await deliver(try envelope(sequence))
            try expect(genuine.first?.state == .applied, "the genuine message \(sequence) after it was not applied (\(genuine.first?.detail ?? "")): the refused one was")
            return "refused \(reason.rawValue); the genuine \(sequence) applied after it"
        }

        func cases() async -> [Outcome] {
            var outcomes: [Outcome] = []
            func check(_ name: String, _ body: () async throws -> String) async {
                do {
                    outcomes.append(Outcome(name: name, passed: true, detail: try await body()))
                } catch {
                    outcomes.append(Outcome(name: name, passed: false, detail: "\(error)"))
                }
            }
            let first = try? envelope(1)
            var firstReceipt: LinkReceipt?
            await check("valid delivery") {
                let receipts = try await deliver(first!)
                try expect(receipts.count == 1 && receipts[0].state == .applied && receipts[0].messageId == first!.id,
                           "expected one applied receipt, got \(receipts.map(\.state.rawValue))")
                firstReceipt = receipts[0]
                return "applied, acknowledgement signed by \(side)"
            }
            await check("duplicate") {
                let again = try await deliver(first!)
                try expect(again.first == firstReceipt, "the repeat was not answered with the first receipt")
                return "answered with the first receipt"
            }
            await check("reordering") {
                let third = try envelope(3)
                let early = try await deliver(third)
                try expect(early.first?.state == .stored, "a message ahead of its turn should be stored, got \(early.first?.state.rawValue ?? "none")")
                let second = try await deliver(try envelope(2))
                try expect(second.map(\.sequence) == [2, 3] && second.allSatisfy { $0.state == .applied },
                           "2 then 3 should apply in order, got \(second.map { "\($0.sequence ?? 0):\($0.state.rawValue)" })")
                return "3 stored, then 2 and 3 applied in order"
            }
            await check("gap and pull") {
                guard target.listen != nil else { throw Failed(description: "no --listen address: the system cannot pull from this suite") }
                for sequence: Int64 in [4, 5] { outbox.withLockedValue { $0[sequence] = try? envelope(sequence) } }
                let sixth = try envelope(6)
                let stored = try await deliver(sixth)
                try expect(stored.first?.state == .stored, "6 after a gap should be stored, got \(stored.first?.state.rawValue ?? "none")")
                let deadline = ContinuousClock.now.advanced(by: target.pullWait)
                while ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(500))
                    if try await deliver(sixth).first?.state == .applied { return "4 and 5 pulled from this suite's outbox, 6 applied" }
                }
                throw Failed(description: "6 was not applied within \(target.pullWait): the system did not pull 4 and 5")
            }
            await check("forged signature") {
                try await refusedThenGenuine(
                    try envelope(7, signer: Curve25519.Signing.PrivateKey(), claimedKeyId: LinkKey.id(of: target.key.publicKey)).wireBytes(),
                    sequence: 7, reason: .badSignature)
            }
            await check("unknown key") {
                try await refusedThenGenuine(try envelope(8, signer: Curve25519.Signing.PrivateKey()).wireBytes(), sequence: 8, reason: .unknownKey)
            }
            await check("replay outside the window") {
                let old = try await deliver(try envelope(9, createdAt: Date().addingTimeInterval(-8 * 86_400)))
                try expect(old.first?.reason == .outsideWindow, "an 8-day-old message was not refused outside-window")
                return try await refusedThenGenuine(try envelope(9, createdAt: Date().addingTimeInterval(600)).wireBytes(), sequence: 9, reason: .outsideWindow)
            }
            await check("wrong receiver") {
                try await refusedThenGenuine(try envelope(10, receiver: "ZZ-NOWHERE").wireBytes(), sequence: 10, reason: .wrongReceiver)
            }
            await check("malformed payload") {
                let number = Data(String(decoding: try envelope(11).wireBytes(), as: UTF8.self)
                    .replacingOccurrences(of: #""note":"conformance""#, with: #""note":12"#).utf8)
                let refused = try await deliver([number])
                try expect(refused.first?.state == .refused && refused.first?.reason == .malformed, "a JSON number in the payload was not refused malformed")
                let manifest = try await deliver(try envelope(11, type: .tripManifest))
                try expect(manifest.first?.state == .refused && manifest.first?.reason == .malformed,
                           "a trip manifest without its fields was \(manifest.first?.state.rawValue ?? "not answered"), not refused malformed")
                let next = try await deliver(try envelope(12))
                try expect(next.first?.state == .applied, "the stream did not move on after the refused 11")
                return "refused malformed (a number; a manifest without fields), the stream moved on"
            }
            await check("unsupported version") {
                try await refusedThenGenuine(try envelope(13, version: "99").wireBytes(), sequence: 13, reason: .unsupportedVersion)
            }
            return outcomes
        }

        /// `GET /api/v1/link/outbox` for the system's pulls, which it must sign with its key.
        func serveOutbox(on app: Application) {
            let verifier = LinkVerifier(receiver: target.peerId, peers: [side: [PeerKey(publicKey: sideKey)]])
            app.get("api", "v1", "link", "outbox") { request async throws -> Response in
                guard let header = request.headers.first(name: .authorization), let signed = LinkRequestSignature(header: header),
                      (try? signed.verify(method: "GET", target: request.url.string, body: Data(), verifier: verifier, now: Date())) != nil else {
                    return Response(status: .unauthorized)
                }
                let after = Int64(request.query[String.self, at: "after"] ?? "0") ?? 0
                let envelopes = self.outbox.withLockedValue { $0 }.filter { $0.key > after }.sorted { $0.key < $1.key }.map(\.value)
                let last = envelopes.last?.sequence ?? after
                let body = LinkEnvelope.batch(try envelopes.map { try $0.wireBytes() }, trailing: #","nextAfter":"\#(last)""#)
                return Response(status: .ok, headers: ["Content-Type": "application/json"], body: .init(data: body))
            }
        }
    }
}
