import BorderLink
import Fluent
import Foundation
import GateKit
import SQLKit
import Vapor

/// One side's account of a UTC day on the link with one peer, for reconciliation: what it
/// sent to the peer and what it applied from it, each message by id and digest, the day
/// being that of the message's `createdAt` (so an outage does not move a message between
/// days on one side only).
enum LinkLedger {
    /// The UTC day `YYYY-MM-DD` as a millisecond range, or a 400 naming `date`.
    static func day(_ text: String) throws -> (from: Int64, to: Int64) {
        guard let start = try? Timestamp.parse("\(text)T00:00:00Z") else {
            throw AppError.badQuery(field: "date", message: "date must be a day written YYYY-MM-DD, not \(text).")
        }
        return (start.milliseconds, start.addingTimeInterval(86_400).milliseconds)
    }

    /// What this side sent to `peer` and applied from it on `date`.
    static func ledger(peer: String, date: String, on db: any Database) async throws -> LinkDayLedger {
        let (from, to) = try day(date)
        let sql = db as! any SQLDatabase
        func lines(_ table: String, applied: Bool) async throws -> [LinkDayLedger.Line] {
            let query = sql.select().columns("id", "digest").from(table).where("peer_id", .equal, peer)
                .where("created_ms", .greaterThanOrEqual, from).where("created_ms", .lessThan, to)
            if applied { query.where("state", .equal, LinkReceipt.State.applied.rawValue) }
            return try await query.all().map {
                LinkDayLedger.Line(id: try $0.decode(column: "id", as: UUID.self), digest: try $0.decode(column: "digest", as: String.self))
            }
        }
        return LinkDayLedger(sent: try await lines("link_outbox", applied: false), applied: try await lines("link_inbox", applied: true))
    }

    /// `GET /api/v1/link/ledger?date=YYYY-MM-DD`: the calling peer's day as this side holds it.
    @Sendable static func serve(_ request: Request) async throws -> Response {
        guard case .peer(let peer)? = request.principal else { throw AppError.forbidden(.forbidden) }
        let ledger = try await ledger(peer: peer, date: request.query[String.self, at: "date"] ?? "", on: request.db)
        return try WireJSON.response(Wire(ledger))
    }

    /// The ledger as JSON: `{"sent":[{"id","digest"}…], "applied":[…]}`.
    struct Wire: Codable, Sendable {
        struct Line: Codable, Sendable {
            /// Lower case, as the envelope writes it.
            var id: String
            var digest: String
        }
        var sent: [Line]
        var applied: [Line]

        init(_ ledger: LinkDayLedger) {
            sent = ledger.sent.map { Line(id: $0.id.uuidString.lowercased(), digest: $0.digest) }
            applied = ledger.applied.map { Line(id: $0.id.uuidString.lowercased(), digest: $0.digest) }
        }

        var ledger: LinkDayLedger {
            LinkDayLedger(
                sent: sent.compactMap { line in UUID(uuidString: line.id).map { .init(id: $0, digest: line.digest) } },
                applied: applied.compactMap { line in UUID(uuidString: line.id).map { .init(id: $0, digest: line.digest) } })
        }
    }
}
