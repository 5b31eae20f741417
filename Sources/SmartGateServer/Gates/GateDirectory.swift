import Fluent
import GateKit
import NIOConcurrencyHelpers
import Vapor

/// The gates and lanes, read once from the database and kept in memory: every reading
/// needs its lane, and reference data changes only through a migration.
final class GateDirectory: Sendable {
    struct Snapshot: Sendable {
        var gates: [GateSummary]
        var lanes: [String: LaneProfile]
        var gateIds: Set<String>
        /// The side of every gate, this side's and the other's (for addressing the link).
        var sides: [String: String] = [:]
        /// The waiting yards' entry and exit lanes, kept apart from the control lanes.
        var yardLanes: [String: YardLane] = [:]

        /// The entry lane of `gate`'s waiting yard, if it has one.
        func yardEntry(of gate: String) -> YardLane? {
            yardLanes.values.first { $0.gateId == gate && $0.kind == .entry }
        }

        /// A lane a device key may be bound to: a control lane or a yard's.
        func hasLane(_ id: String) -> Bool { lanes[id] != nil || yardLanes[id] != nil }

        /// The IANA zone of a gate's clock; the Vietnamese side's for an unknown one
        /// (every gate here is Lào Cai's).
        func zone(of gate: String?) -> String {
            gates.first { $0.id == gate }?.timeZone ?? "Asia/Ho_Chi_Minh"
        }

        /// The gate opposite `gate` on the other side, if it has one.
        func pairedGate(of gate: String) -> String? {
            gates.first { $0.id == gate }?.pairedGate
        }
    }

    private let cache = NIOLockedValueBox<Snapshot?>(nil)
    /// The side whose gates this instance serves (`ServerSettings.side`).
    let side: String

    init(side: String) {
        self.side = side
    }

    /// The directory, loading it on first use.
    func snapshot(on database: any Database) async throws -> Snapshot {
        if let cached = cache.withLockedValue({ $0 }) { return cached }
        let all = try await GateModel.query(on: database).with(\.$lanes).sort(\.$id).all()
        let gates = all.filter { $0.side == side }
        var lanes: [String: LaneProfile] = [:]
        var yardLanes: [String: YardLane] = [:]
        let summaries = gates.map { gate in
            for lane in gate.lanes {
                guard let kind = YardLane.Kind(rawValue: lane.kind) else { continue }
                yardLanes[lane.id!] = YardLane(id: lane.id!, gateId: gate.id!, direction: LaneDirection(rawValue: lane.direction) ?? .outbound, kind: kind)
            }
            let sorted = gate.lanes.filter { $0.kind == "border" }.sorted { $0.position < $1.position }
            for lane in sorted {
                lanes[lane.id!] = LaneProfile(id: lane.id!, gateId: gate.id!, direction: LaneDirection(rawValue: lane.direction) ?? .inbound)
            }
            return GateSummary(
                id: gate.id!, name: .init(en: gate.nameEn, vi: gate.nameVi, zh: gate.nameZh), mode: gate.mode,
                timeZone: gate.timeZone, counterpart: gate.counterpart, pairedGate: gate.pairedGate,
                lanes: sorted.map { GateSummary.Lane(id: $0.id!, direction: $0.direction) })
        }
        let snapshot = Snapshot(
            gates: summaries, lanes: lanes, gateIds: Set(summaries.map(\.id)),
            sides: Dictionary(all.map { ($0.id!, $0.side) }, uniquingKeysWith: { first, _ in first }), yardLanes: yardLanes)
        // Cache only a seeded directory: an empty one means migrations have not run yet.
        if !summaries.isEmpty { cache.withLockedValue { $0 = snapshot } }
        return snapshot
    }

    /// The yard lane, or a 404 naming it.
    func yardLane(_ id: String, on database: any Database) async throws -> YardLane {
        guard let lane = try await snapshot(on: database).yardLanes[id] else { throw AppError.notFound(kind: "yard lane", id: id) }
        return lane
    }

    /// The lane, or a 404 naming it.
    func lane(_ id: String, on database: any Database) async throws -> LaneProfile {
        guard let lane = try await snapshot(on: database).lanes[id] else { throw AppError.notFound(kind: "lane", id: id) }
        return lane
    }
}

/// A gate as the API shows it.
struct GateSummary: Content {
    struct Names: Content {
        var en: String
        var vi: String
        var zh: String
    }
    struct Lane: Content {
        var id: String
        var direction: String
    }
    var id: String
    var name: Names
    var mode: String
    var timeZone: String
    var counterpart: String
    /// The id of the gate opposite on the other side's system (the link addresses it).
    var pairedGate: String?
    var lanes: [Lane]
}


/// The entry or the exit of a gate's waiting yard: plate cameras, no decision.
struct YardLane: Sendable, Equatable {
    enum Kind: String, Sendable {
        case entry = "yard-entry"
        case exit = "yard-exit"
    }

    var id: String
    var gateId: String
    /// The control lanes the yard feeds.
    var direction: LaneDirection
    var kind: Kind
}
