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
        let summaries = gates.map { gate in
            let sorted = gate.lanes.sorted { $0.position < $1.position }
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
            sides: Dictionary(all.map { ($0.id!, $0.side) }, uniquingKeysWith: { first, _ in first }))
        // Cache only a seeded directory: an empty one means migrations have not run yet.
        if !summaries.isEmpty { cache.withLockedValue { $0 = snapshot } }
        return snapshot
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
