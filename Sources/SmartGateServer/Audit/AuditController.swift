import Crypto
import Fluent
import Foundation
import GateKit
import Vapor

/// The audit chain, for customs (subjects at their gates) and admins.
enum AuditController {
    /// `GET /api/v1/audit?subject=&limit=&cursor=`, oldest first.
    @Sendable static func list(_ request: Request) async throws -> Response {
        let user = try request.requireUser()
        let page = try PageRequest(request)
        let given = request.query[String.self, at: "subject"].flatMap { $0.isEmpty ? nil : $0 }
        if let given, given.count > 200 {
            throw AppError.validation(ValidationFailure([Issue(field: "subject", .tooLong, ["max": "200", "actual": "\(given.count)"])]))
        }
        // The chain stores `kind:<lower-case uuid>`; the API answers ids in upper case, and
        // either spelling must find the same history.
        let subject = given.map { AuditSubject($0)?.description ?? $0 }
        if user.role != .admin {
            // Customs reads one subject's history at a time, and only at its gates.
            guard let subject else { throw AppError.validation(ValidationFailure([Issue(field: "subject", .required)])) }
            let gate = try await gate(of: subject, on: request)
            guard user.mayReadAudit(at: gate) else { throw AppError.notFound(kind: "audit subject", id: subject) }
        }
        let query = AuditEntryModel.query(on: request.db)
        if let subject { query.filter(\.$subject == subject) }
        if let after = page.after {
            guard after.count == 1, let seq = Int64(after[0]) else { throw PageRequest.foreignCursor }
            query.filter(\.$id > seq)
        }
        let models = try await query.sort(\.$id).limit(page.limit + 1).all()
        let shown = Array(models.prefix(page.limit))
        let next = models.count > page.limit ? shown.last?.id.map { PageRequest.encode(["\($0)"]) } : nil
        return try WireJSON.response(Page(items: shown.map { AuditEntryView($0.entry) }, nextCursor: next))
    }

    /// `GET /api/v1/audit/head`: the latest seq and hash, signed with the server's Ed25519 key.
    @Sendable static func head(_ request: Request) async throws -> Response {
        try WireJSON.response(try await signedHead(on: request.db, keys: request.application.smartGate.keys, at: request.now))
    }

    /// The head as `smartgate audit head` and the API answer it.
    static func signedHead(on db: any Database, keys: ServerKeys, at now: Date) async throws -> AuditHeadView {
        let last = try await AuditEntryModel.query(on: db).sort(\.$id, .descending).first()
        let seq = last?.id ?? 0
        let hash = last?.hash ?? AuditChain.genesis
        let signedAt = GateKit.Timestamp.format(now)
        let message = AuditHeadView.message(seq: seq, hash: hash, signedAt: signedAt)
        let signature = try keys.auditKey.signature(for: Data(message.utf8))
        return AuditHeadView(
            seq: seq, hash: hash, signedAt: signedAt, publicKey: keys.auditKey.publicKey.rawRepresentation.base64EncodedString(),
            signature: signature.base64EncodedString())
    }

    /// The gate a subject belongs to; nil for subjects with no gate (users, device keys).
    /// An unknown subject has no gate either, so customs gets the same 404 for it.
    private static func gate(of subject: String, on request: Request) async throws -> String? {
        switch AuditSubject(subject) {
        case .declaration(let id)?:
            return try await DeclarationModel.find(id, on: request.db)?.gateId
        case .passage(let id)?:
            guard let passage = try await PassageModel.find(id, on: request.db) else { return nil }
            return try await request.application.smartGate.gates.snapshot(on: request.db).lanes[passage.laneId]?.gateId
        case .inspection(let id)?:
            return try await InspectionModel.find(id, on: request.db)?.gateId
        case .rule(let id)?:
            // A rule for one gate belongs to it; a rule for several or all gates has no
            // single gate, so only an admin reads its trail.
            guard let rule = try await RiskRuleModel.find(id, on: request.db) else { return nil }
            let gates = rule.gates.split(separator: ",").map(String.init)
            return gates.count == 1 ? gates[0] : nil
        case .transportOrder(let id)?:
            // The corridor runs over the Kim Thành bridge: its orders belong to that gate.
            return try await CorridorOrderModel.find(id, on: request.db) == nil ? nil : CorridorController.gate
        case .booking(let id)?:
            return try await BookingModel.find(id, on: request.db)?.gateId
        case .user?, .device?, nil:
            return nil
        }
    }
}

/// One audit entry on the wire.
struct AuditEntryView: Encodable, Sendable {
    var seq: Int64
    var at: String
    var actor: String
    var action: String
    var subject: String
    var payloadHash: String
    var prevHash: String
    var hash: String

    init(_ entry: AuditEntry) {
        seq = entry.seq
        at = GateKit.Timestamp.format(entry.at)
        actor = entry.actor
        action = entry.action
        subject = entry.subject
        payloadHash = entry.payloadHash
        prevHash = entry.prevHash
        hash = entry.hash
    }
}

/// The chain's head, signed, so a truncated chain is caught against a head kept elsewhere.
public struct AuditHeadView: Codable, Sendable {
    public var seq: Int64
    public var hash: String
    public var signedAt: String
    /// Raw 32-byte Ed25519 public key, base64.
    public var publicKey: String
    /// Ed25519 signature over `message(seq:hash:signedAt:)`, base64.
    public var signature: String

    /// The signed bytes: a fixed label, then seq, hash and time, one per line.
    public static func message(seq: Int64, hash: String, signedAt: String) -> String {
        "smartgate-audit-head\n\(seq)\n\(hash)\n\(signedAt)"
    }

    /// Whether the signature is the public key's over this head.
    public var isSignatureValid: Bool {
        guard let key = Data(base64Encoded: publicKey).flatMap({ try? Curve25519.Signing.PublicKey(rawRepresentation: $0) }),
              let signature = Data(base64Encoded: signature)
        else { return false }
        return key.isValidSignature(signature, for: Data(Self.message(seq: seq, hash: hash, signedAt: signedAt).utf8))
    }
}
