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
        let answer = try Outbox.answer(receipts: result.receipts, from: context.settings.side, to: peer, key: context.keys.auditKey, now: Date(), id: UUID())
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
        var body = Data(#"{"envelopes":["#.utf8)
        var last = after
        for (index, row) in rows.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            body.append(Data(try row.decode(column: "envelope", as: String.self).utf8))
            last = try row.decode(column: "sequence", as: Int64.self)
        }
        body.append(Data(#"],"nextAfter":"\#(last)"}"#.utf8))
        return WireJSON.response(data: body)
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
        var items: [ArrivalView] = []
        for arrival in shown {
            guard let model = try await DeclarationModel.find(arrival.id, on: request.db) else { continue }
            items.append(try ArrivalView(arrival, declaration: model))
        }
        let next = rows.count > page.limit ? shown.last.map { PageRequest.cursor(ms: $0.createdMs, id: $0.id) } : nil
        return try WireJSON.response(Page(items: items, nextCursor: next))
    }
}

/// An arrival as the API shows it: the peer's trip and this side's declaration of it.
struct ArrivalView: Encodable, Sendable {
    var id: UUID
    var peer: String
    var senderDeclarationId: UUID
    var manifestVersion: Int
    var gate: String
    var state: String
    var hold: String?
    var plate: String
    var containers: [String]
    var plannedArrival: Date
    var declarationStatus: String
    var channel: String
    var driver: DeclaredDriver
    var createdAt: Date
    var updatedAt: Date

    init(_ arrival: ArrivalRecord, declaration model: DeclarationModel) throws {
        let trip = try model.trip()
        id = arrival.id
        peer = arrival.peer
        senderDeclarationId = arrival.senderDeclarationId
        manifestVersion = arrival.manifestVersion
        gate = arrival.gateId
        // A hold shows as the state while it lasts.
        state = arrival.holdReason == nil ? arrival.state.rawValue : ArrivalRecord.State.held.rawValue
        hold = arrival.holdReason
        plate = model.plate
        containers = trip.containers.map(\.number.value)
        plannedArrival = trip.plannedArrival
        declarationStatus = model.status
        channel = model.channel
        driver = trip.driver
        createdAt = Date(milliseconds: arrival.createdMs)
        updatedAt = Date(milliseconds: arrival.updatedMs)
    }
}

/// The link's health per peer, for `GET /api/v1/link/status`, its page and metrics.
enum LinkStatus {
    struct PeerStatus: Encodable, Sendable {
        var peer: String
        var url: String
        var keyIds: [String]
        var queueDepth: Int
        var oldestUnacknowledgedSeconds: Double?
        var lastSentAt: Date?
        var lastAcknowledgedAt: Date?
        var acknowledged: Int
        /// Our messages the peer refused, by reason.
        var refusedByPeer: [String: Int]
        /// The peer's messages this side refused, by reason.
        var refusedHere: [String: Int]
        var receivedApplied: Int
        var waitingForGap: Int
        /// The peer's clock minus ours, from its last signed request to this instance.
        var clockOffsetSeconds: Double?
        var clockOffsetSeenAt: Date?
    }

    /// Each peer's status, read from the outbox, the inbox and the refusals.
    static func peers(_ context: SmartGateContext, on db: any Database) async throws -> [PeerStatus] {
        let sql = db as! any SQLDatabase
        let now = Date()
        var out: [PeerStatus] = []
        for peer in try await context.link.peers.all(on: db) {
            func count(_ table: String, _ state: String) async throws -> Int {
                try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from(table)
                    .where("peer_id", .equal, peer.id).where("state", .equal, state).first(decodingColumn: "n", as: Int.self) ?? 0
            }
            let oldest = try await sql.select().column(SQLFunction("MIN", args: SQLColumn("created_ms")), as: "ms").from("link_outbox")
                .where("peer_id", .equal, peer.id).where("state", .equal, "pending").first(decodingColumn: "ms", as: Int64?.self) ?? nil
            let lastSent = try await sql.select().column(SQLFunction("MAX", args: SQLColumn("last_attempt_ms")), as: "ms").from("link_outbox")
                .where("peer_id", .equal, peer.id).first(decodingColumn: "ms", as: Int64?.self) ?? nil
            let lastAcknowledged = try await sql.select().column(SQLFunction("MAX", args: SQLColumn("acknowledged_ms")), as: "ms").from("link_outbox")
                .where("peer_id", .equal, peer.id).first(decodingColumn: "ms", as: Int64?.self) ?? nil
            var refusedByPeer: [String: Int] = [:]
            for row in try await sql.select().column("receipt").from("link_outbox").where("peer_id", .equal, peer.id).where("state", .equal, "refused").limit(10_000).all() {
                let receipt = try? LinkReceipt(json: try JSONValue.parse(Data(try row.decode(column: "receipt", as: String.self).utf8)))
                refusedByPeer[receipt?.reason?.rawValue ?? "malformed", default: 0] += 1
            }
            var refusedHere: [String: Int] = [:]
            for row in try await sql.select().column("reason").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("link_refusals")
                .where("peer_id", .equal, peer.id).groupBy("reason").all() {
                refusedHere[try row.decode(column: "reason", as: String.self), default: 0] += try row.decode(column: "n", as: Int.self)
            }
            for row in try await sql.select().column("reason").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("link_inbox")
                .where("peer_id", .equal, peer.id).where("state", .equal, "refused").groupBy("reason").all() {
                refusedHere[try row.decode(column: "reason", as: String?.self) ?? "malformed", default: 0] += try row.decode(column: "n", as: Int.self)
            }
            let offset = context.link.peers.offset(of: peer.id)
            out.append(PeerStatus(
                peer: peer.id, url: peer.url, keyIds: peer.keys.map(\.id), queueDepth: try await count("link_outbox", "pending"),
                oldestUnacknowledgedSeconds: oldest.map { now.timeIntervalSince(Date(milliseconds: $0)) },
                lastSentAt: lastSent.map(Date.init(milliseconds:)), lastAcknowledgedAt: lastAcknowledged.map(Date.init(milliseconds:)),
                acknowledged: try await count("link_outbox", "acknowledged"), refusedByPeer: refusedByPeer, refusedHere: refusedHere,
                receivedApplied: try await count("link_inbox", "applied"), waitingForGap: try await count("link_inbox", "stored"),
                clockOffsetSeconds: offset?.seconds, clockOffsetSeenAt: offset?.seen))
        }
        return out
    }
}
