import Fluent
import Foundation
import GateKit

/// The queue of a yard as stored, in the order `YardQueue` gives it.
enum YardQueueRead {
    /// Waiting trucks of `gate`, first to be called first.
    static func waiting(gate: String, direction: String? = nil, on db: any Database) async throws -> [YardVisitModel] {
        let query = YardVisitModel.query(on: db).filter(\.$gateId == gate).filter(\.$state == YardState.waiting.rawValue)
        if let direction { query.filter(\.$direction == direction) }
        let visits = try await query.all()
        let byId = Dictionary(uniqueKeysWithValues: visits.compactMap { visit in visit.id.map { ($0, visit) } })
        return YardQueue.order(visits.map(\.truck)).compactMap { byId[$0.id] }
    }

    /// 1-based place of a waiting truck in its yard's queue.
    static func position(of visit: YardVisitModel, on db: any Database) async throws -> Int? {
        let queue = try await waiting(gate: visit.gateId, direction: visit.direction, on: db)
        return queue.firstIndex { $0.id == visit.id }.map { $0 + 1 }
    }

    /// Trucks called and not yet gone: the board's lines.
    static func called(gate: String?, on db: any Database) async throws -> [YardVisitModel] {
        let query = YardVisitModel.query(on: db).filter(\.$state == YardState.called.rawValue)
        if let gate { query.filter(\.$gateId == gate) }
        return try await query.sort(\.$calledMs, .descending).all()
    }
}
