import Fluent
import Foundation
import GateKit
import NIOConcurrencyHelpers

/// The live state of a lane: its active passage, the readings in it and its decision.
struct LaneState: Sendable {
    var passageId: UUID
    var laneId: String
    var state: PassageState
    var declarationId: UUID?
    var openedMs: Int64
    var lastReadingMs: Int64
    var decidedMs: Int64?
    var closedMs: Int64?
    var decisionId: Int?
    var readings: [LaneReading]
    var decision: DecisionView?

    var view: PassageView {
        PassageView(
            id: passageId, laneId: laneId, state: state, declarationId: declarationId,
            openedAt: Date(milliseconds: openedMs), decidedAt: decidedMs.map(Date.init(milliseconds:)),
            closedAt: closedMs.map(Date.init(milliseconds:)), decision: decision)
    }
}

/// Each lane's active passage, kept in memory by the single writer so that an ordinary
/// reading costs one INSERT instead of four round trips (each ~0.25 ms through the
/// driver's thread hops, measured with `smartgate-bench`).
///
/// Why it stays true: passages and readings are written only inside the commit queue, one
/// job at a time, and a job stores its new lane state here only after its own writes
/// succeeded; when a whole batch fails to commit, every lane is forgotten and reloaded from
/// the database on next use. `SMARTGATE_LANE_CACHE=off` reloads the lane for every
/// reading. With several instances on one PostgreSQL, batches from all of them are one
/// writer's turns (`WriterTurn`), and every lane is forgotten before a batch that follows
/// another instance's.
final class LaneStates: Sendable {
    private enum Entry: Sendable {
        /// Known: the lane has no active passage.
        case idle
        case active(LaneState)
    }

    private let entries = NIOLockedValueBox<[String: Entry]>([:])
    let enabled: Bool

    init(enabled: Bool) {
        self.enabled = enabled
    }

    /// The lane's active passage, from memory or else from the database.
    func current(_ laneId: String, on db: any Database) async throws -> LaneState? {
        if enabled, let entry = entries.withLockedValue({ $0[laneId] }) {
            switch entry {
            case .idle: return nil
            case .active(let state): return state
            }
        }
        let loaded = try await Self.load(laneId, on: db)
        if enabled { entries.withLockedValue { $0[laneId] = loaded.map(Entry.active) ?? .idle } }
        return loaded
    }

    /// Records the lane's state after a job's writes succeeded.
    func store(_ state: LaneState?, for laneId: String) {
        guard enabled else { return }
        entries.withLockedValue { $0[laneId] = state.map(Entry.active) ?? .idle }
    }

    /// Forgets everything: a batch was rolled back.
    func forgetAll() {
        entries.withLockedValue { $0.removeAll() }
    }

    private static func load(_ laneId: String, on db: any Database) async throws -> LaneState? {
        guard let passage = try await PassageModel.query(on: db)
            .filter(\.$laneId == laneId).filter(\.$state ~~ ReadingIngest.activeStates)
            .sort(\.$openedMs, .descending).first()
        else { return nil }
        let passageId = try passage.requireID()
        let rows = try await LaneReadingModel.query(on: db).filter(\.$passageId == passageId).sort(\.$id).all()
        var decision: DecisionView?
        if let decisionId = passage.decisionId {
            decision = try await LaneDecisionModel.find(decisionId, on: db)?.view()
        }
        return LaneState(
            passageId: passageId, laneId: laneId, state: PassageState(rawValue: passage.state) ?? .open,
            declarationId: passage.declarationId, openedMs: passage.openedMs,
            lastReadingMs: max(passage.lastReadingMs, rows.map(\.receivedMs).max() ?? 0),
            decidedMs: passage.decidedMs, closedMs: passage.closedMs, decisionId: passage.decisionId,
            readings: rows.compactMap(\.reading), decision: decision)
    }
}
