import BorderLink
import Crypto
import Foundation
import GateKit
import Vapor

/// Carries envelopes to a peer over HTTP, the request signed with this side's key.
struct HTTPLinkTransport: LinkTransport {
    let client: any Client
    let baseURL: String
    let side: String
    let key: Curve25519.Signing.PrivateKey
    /// Signs each request with the time; the peer refuses one outside its window.
    var clock = ServerClock.system

    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    func deliver(_ envelopes: [LinkEnvelope], to peer: String) async throws -> LinkEnvelope {
        try await deliver(documents: try envelopes.map { try $0.wireBytes() })
    }

    /// Delivers documents as they are (the conformance suite sends broken ones on purpose)
    /// and answers the peer's acknowledgement, not yet verified.
    func deliver(documents: [Data]) async throws -> LinkEnvelope {
        let data = try await send(.POST, target: "/api/v1/link/inbox", body: LinkEnvelope.batch(documents))
        return try LinkEnvelope.parse(try JSONValue.parse(data))
    }

    /// The peer's messages of `stream` after `after`, as stored there (`GET /api/v1/link/outbox`).
    func pull(stream: String, after: Int64, limit: Int = 200) async throws -> [JSONValue] {
        let data = try await send(.GET, target: "/api/v1/link/outbox?peer=\(side)&stream=\(stream)&after=\(after)&limit=\(limit)", body: Data())
        guard case .array(let envelopes)? = try JSONValue.parse(data)["envelopes"] else { throw Failed(description: "the pull answer has no envelopes") }
        return envelopes
    }

    func send(_ method: HTTPMethod, target: String, body: Data) async throws -> Data {
        let signature = try LinkRequestSignature.sign(method: method.rawValue, target: target, body: body, sender: side, key: key, now: clock.now())
        var request = ClientRequest(method: method, url: URI(string: baseURL.trimmingSuffix("/") + target))
        request.headers.add(name: .authorization, value: signature.header)
        if method == .POST {
            request.headers.contentType = .json
            request.body = ByteBuffer(data: body)
        }
        request.timeout = .seconds(15)
        let response = try await client.send(request)
        guard response.status == .ok, let buffer = response.body else {
            let detail = response.body.map { String(decoding: $0.readableBytesView.prefix(300), as: UTF8.self) } ?? ""
            throw Failed(description: "\(method.rawValue) \(target): HTTP \(response.status.code) \(detail)")
        }
        return Data(buffer.readableBytesView)
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}
