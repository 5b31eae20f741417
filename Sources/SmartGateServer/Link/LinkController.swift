import BorderLink
import Fluent
import Foundation
import GateKit
import SQLKit
import Vapor

/// The link's routes: the inbox and outbox a peer calls, the identity anyone may read, the
/// status staff watch, and the expected arrivals officers work from.
enum LinkController {
    /// Largest inbox body: 500 envelopes of a few KiB each.
    static let inboxBodyLimit = 8 * 1024 * 1024

    /// `GET /api/v1/link/identity`: this side, its public key and the versions it reads,
    /// for a peer's operator to check what they were given out of band.
    @Sendable static func identity(_ request: Request) async throws -> Response {
        let context = request.application.smartGate
        let key = context.keys.auditKey.publicKey
        return try WireJSON.response(Identity(
            side: context.settings.side, keys: [.init(keyId: LinkKey.id(of: key), publicKey: key.rawRepresentation.base64EncodedString())],
            versions: LinkEnvelope.readableVersions.sorted()))
    }

    struct Identity: Content {
        struct Key: Content {
            var keyId: String
            var publicKey: String
        }
        var side: String
        var keys: [Key]
        var versions: [String]
    }

    /// `POST /api/v1/link/inbox` `{"envelopes": […]}` → the signed acknowledgement.
    @Sendable static func inbox(_ request: Request) async throws -> Response {
        guard case .peer(let peer)? = request.principal else { throw AppError.forbidden(.forbidden) }
        let context = request.application.smartGate
        guard case .object(let root) = try request.jsonBody(limit: inboxBodyLimit), case .array(let documents)? = root["envelopes"],
              root.count == 1, documents.count <= LinkReception.maxBatch else {
            throw AppError.validation(ValidationFailure([Issue(field: "envelopes", .wrongType, [
                "expected": "an object with only an envelopes array of at most \(LinkReception.maxBatch)", "actual": "another document",
            ])]))
        }
        let result = try await LinkReception.receive(documents, from: peer, context: context, on: request.db)
        let answer = try Outbox.answer(receipts: result.receipts, from: context.settings.side, to: peer, key: context.keys.auditKey, now: request.now, id: UUID())
        return WireJSON.response(data: try answer.wireBytes())
    }

    /// `GET /api/v1/link/outbox?peer=&stream=&after=&limit=`: the caller's messages of a
    /// stream after a sequence, exactly as stored, so the caller closes a gap by itself.
    @Sendable static func outbox(_ request: Request) async throws -> Response {
        guard case .peer(let caller)? = request.principal else { throw AppError.forbidden(.forbidden) }
        let peer = request.query[String.self, at: "peer"] ?? ""
        guard peer == caller else { throw AppError.badQuery(field: "peer", message: "peer must be the caller's side, \(caller).") }
        guard let stream = request.query[String.self, at: "stream"], !stream.isEmpty, stream.count <= 64 else {
            throw AppError.badQuery(field: "stream", message: "stream is required.")
        }
        let afterText = request.query[String.self, at: "after"] ?? "0"
        guard let after = Int64(afterText), after >= 0 else { throw AppError.badQuery(field: "after", message: "after must be a sequence number, 0 or more.") }
        let limitText = request.query[String.self, at: "limit"] ?? "200"
        guard let limit = Int(limitText), (1...LinkReception.maxBatch).contains(limit) else {
            throw AppError.badQuery(field: "limit", message: "limit must be a whole number from 1 to \(LinkReception.maxBatch).")
        }
        let rows = try await (request.db as! any SQLDatabase).select().columns("sequence", "envelope").from("link_outbox")
            .where("peer_id", .equal, peer).where("stream", .equal, stream).where("sequence", .greaterThan, after)
            .orderBy("sequence").limit(limit).all()
        let wires = try rows.map { Data(try $0.decode(column: "envelope", as: String.self).utf8) }
        let last = try rows.last?.decode(column: "sequence", as: Int64.self) ?? after
        return WireJSON.response(data: LinkEnvelope.batch(wires, trailing: #","nextAfter":"\#(last)""#))
    }

    /// `GET /api/v1/link/status`: per peer, what is queued, sent, acknowledged, refused, and
    /// the clock offset seen.
    @Sendable static func status(_ request: Request) async throws -> Response {
        try WireJSON.response(Page(items: try await LinkStatus.peers(request.application.smartGate, on: request.db), nextCursor: nil))
    }

    /// `GET /api/v1/arrivals?gate=&limit=&cursor=`: trucks the other side announced for this
    /// side's gates, newest first; staff see their gates', an admin every gate's.
    @Sendable static func arrivals(_ request: Request) async throws -> Response {
        let user = try request.requireUser()
        let page = try PageRequest(request)
        let directory = try await request.application.smartGate.gates.snapshot(on: request.db)
        var gates = Array(user.gateFilter ?? directory.gateIds)
        if let gate = request.query[String.self, at: "gate"], !gate.isEmpty {
            guard directory.gateIds.contains(gate) else {
                throw AppError.validation(ValidationFailure([Issue(field: "gate", .filterValue, ["actual": gate])]))
            }
            gates = gates.filter { $0 == gate }
        }
        var after: (ms: Int64, id: UUID)?
        if let parts = page.after {
            guard parts.count == 2, let ms = Int64(parts[0]), let id = UUID(uuidString: parts[1]) else { throw PageRequest.foreignCursor }
            after = (ms, id)
        }
        let rows = try await ArrivalRecord.page(gates: gates, limit: page.limit, after: after, on: request.db)
        let shown = Array(rows.prefix(page.limit))
        let items = try await ArrivalView.views(of: shown, on: request.db)
        let next = rows.count > page.limit ? shown.last.map { PageRequest.cursor(ms: $0.createdMs, id: $0.id) } : nil
        return try WireJSON.response(Page(items: items, nextCursor: next))
    }
}
