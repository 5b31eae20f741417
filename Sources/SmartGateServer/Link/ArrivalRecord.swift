import Fluent
import Foundation
import SQLKit

/// A truck the other side announced, tied to the declaration this side made of its manifest.
struct ArrivalRecord: Sendable, Equatable {
    enum State: String, Sendable, Codable, CaseIterable {
        /// Announced, not yet left the other side.
        case expected
        /// The other side says it left.
        case departed
        /// The other side holds it: the lane refers it to an officer, and nobody releases it
        /// until the hold is lifted. Shown while `holdReason` is set; never stored.
        case held
        /// The other side withdrew it before it left.
        case revoked
    }

    /// This side's declaration.
    var id: UUID
    var peer: String
    var senderDeclarationId: UUID
    var manifestVersion: Int
    var gateId: String
    var state: State
    var holdReason: String?
    var createdMs: Int64
    var updatedMs: Int64

    static let columns = ["id", "peer_id", "sender_declaration_id", "manifest_version", "gate_id", "state", "hold_reason", "created_ms", "updated_ms"]

    static func find(declaration id: UUID, on db: any Database) async throws -> ArrivalRecord? {
        try await (db as! any SQLDatabase).select().columns(columns.map { SQLColumn($0) }).from("arrivals").where("id", .equal, id).first().map(Self.init)
    }

    static func find(peer: String, senderDeclaration id: UUID, on db: any Database) async throws -> ArrivalRecord? {
        try await (db as! any SQLDatabase).select().columns(columns.map { SQLColumn($0) }).from("arrivals")
            .where("peer_id", .equal, peer).where("sender_declaration_id", .equal, id).first().map(Self.init)
    }

    /// A page of a gate's arrivals, newest first (`after`: the cursor's position).
    static func page(gates: [String], limit: Int, after: (ms: Int64, id: UUID)?, on db: any Database) async throws -> [ArrivalRecord] {
        guard !gates.isEmpty else { return [] }  // `IN ()` is no SQL
        let query = (db as! any SQLDatabase).select().columns(columns.map { SQLColumn($0) }).from("arrivals")
            .where("gate_id", .in, SQLBind.group(gates))
        if let after {
            query.where(SQLGroupExpression(SQLBinaryExpression(
                SQLBinaryExpression(SQLColumn("created_ms"), .lessThan, SQLBind(after.ms)), .or,
                SQLBinaryExpression(
                    SQLBinaryExpression(SQLColumn("created_ms"), .equal, SQLBind(after.ms)), .and,
                    SQLBinaryExpression(SQLColumn("id"), .lessThan, SQLBind(after.id))))))
        }
        return try await query.orderBy("created_ms", .descending).orderBy("id", .descending).limit(limit + 1).all().map(Self.init)
    }

    init(id: UUID, peer: String, senderDeclarationId: UUID, manifestVersion: Int, gateId: String, state: State, holdReason: String?, createdMs: Int64, updatedMs: Int64) {
        self.id = id
        self.peer = peer
        self.senderDeclarationId = senderDeclarationId
        self.manifestVersion = manifestVersion
        self.gateId = gateId
        self.state = state
        self.holdReason = holdReason
        self.createdMs = createdMs
        self.updatedMs = updatedMs
    }

    init(_ row: any SQLRow) throws {
        self.init(
            id: try row.decode(column: "id", as: UUID.self), peer: try row.decode(column: "peer_id", as: String.self),
            senderDeclarationId: try row.decode(column: "sender_declaration_id", as: UUID.self),
            manifestVersion: try row.decode(column: "manifest_version", as: Int.self), gateId: try row.decode(column: "gate_id", as: String.self),
            state: State(rawValue: try row.decode(column: "state", as: String.self)) ?? .expected,
            holdReason: try row.decode(column: "hold_reason", as: String?.self), createdMs: try row.decode(column: "created_ms", as: Int64.self),
            updatedMs: try row.decode(column: "updated_ms", as: Int64.self))
    }

    func insert(on db: any Database) async throws {
        try await (db as! any SQLDatabase).insert(into: "arrivals").columns(Self.columns)
            .values(
                SQLBind(id), SQLBind(peer), SQLBind(senderDeclarationId), SQLBind(manifestVersion), SQLBind(gateId), SQLBind(state.rawValue),
                SQLBind(holdReason), SQLBind(createdMs), SQLBind(updatedMs))
            .run()
    }

    func update(on db: any Database) async throws {
        try await (db as! any SQLDatabase).update("arrivals").set("manifest_version", to: manifestVersion).set("state", to: state.rawValue)
            .set("hold_reason", to: holdReason).set("updated_ms", to: updatedMs).where("id", .equal, id).run()
    }
}
